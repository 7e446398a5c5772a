"""The annotation page in a real headless Chromium (Debian's `chromium` + `chromium-driver`, through Selenium):
a name, a new question answered by the generation subprocess, every feedback kind from the keyboard, an edit saved
with ctrl+enter, then the rows in the store. Saves a screenshot of the page, checked to be a PNG; with
FONDERIE_SCREENSHOT=docs/feedback_page.png it refreshes the README's (a test run leaves the tree as it was).

Without the browser the test is skipped with how to get it; under CI (CI=true) that skip is a failure."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
from pathlib import Path

import pytest
from feedback.projects import tiny_project
from feedback.test_durability import free_port, start

from fonderie.feedback import store

# where the screenshot goes when asked for (the README's: docs/feedback_page.png); otherwise the test's tmp folder
SCREENSHOT_ENV = "FONDERIE_SCREENSHOT"
EVIL = "<script>alert(1)</script> <b>gras</b>"
QUESTION = f"Quelle est la couleur du ciel ? {EVIL}"
CORRECTED = "Le ciel est bleu, sauf la nuit."


def browser_or_skip():
    """A headless Chromium driver, or a skip (a failure under CI) that says how to install one."""
    browser, driver = shutil.which("chromium") or shutil.which("chromium-browser"), shutil.which("chromedriver")
    try:
        from selenium import webdriver
    except ImportError:
        webdriver = None
    if not (browser and driver and webdriver):
        reason = ("needs Debian's chromium and chromium-driver and the selenium package: as root, "
                  "`apt-get install chromium chromium-driver` (or `make install`, which does it), then "
                  "`pip install -e '.[dev]'`")  # fmt: skip
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true: the browser test must run; {reason}")
        pytest.skip(reason)
    os.environ["SE_OFFLINE"] = "true"  # Selenium Manager must not look for a driver online: we name ours
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,900",
                "--disable-gpu", "--lang=en"):  # fmt: skip
        options.add_argument(arg)
    return webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=driver))


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_annotate_in_chromium(tmp_path):
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    driver = browser_or_skip()
    project = tiny_project(tmp_path)
    db = store.connect(project / "feedback.sqlite")
    store.add_candidates(db, 1, 1, [{"text": EVIL, "templated_prompt": "", "model_fingerprint": "x", "params": {},
                                     "token_ids": []}])  # fmt: skip
    db.close()
    port = free_port()
    server = start(project, port)
    wait = WebDriverWait(driver, 10)

    def press(*keys, status=None):
        ActionChains(driver).send_keys(*keys).perform()
        if status:
            wait.until(lambda d: d.find_element(By.ID, "status").text == status)

    def ctrl_enter():
        ActionChains(driver).key_down(Keys.CONTROL).send_keys(Keys.ENTER).key_up(Keys.CONTROL).perform()

    try:
        driver.get(f"http://127.0.0.1:{port}/")
        driver.find_element(By.ID, "name").send_keys("Ada Lovelace", Keys.ENTER)
        wait.until(lambda d: d.current_url.endswith("/q/1"))
        answers = [e.text for e in driver.find_elements(By.CSS_SELECTOR, ".candidate .answer")]
        assert EVIL in answers and not driver.find_elements(By.CSS_SELECTOR, ".answer b, .answer script")
        assert "0 of 3 questions done in round 1" in driver.find_element(By.ID, "progress").text

        # a new question, answered by `fonderie feedback ask` in a subprocess; the page polls until it is
        driver.find_element(By.ID, "ask-text").send_keys(QUESTION)
        ctrl_enter()
        wait.until(lambda d: d.current_url.endswith("/q/4"))
        assert driver.find_element(By.ID, "question-text").text == QUESTION
        assert not driver.find_elements(By.CSS_SELECTOR, "#question-text b, #question-text script")
        try:
            WebDriverWait(driver, 60).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".candidate"))
        except TimeoutException:
            raise AssertionError(f"no candidates in 60 s: {driver.find_element(By.ID, 'status').text}") from None
        cards = driver.find_elements(By.CSS_SELECTOR, ".candidate")
        shown = [int(c.get_attribute("data-id")) for c in cards]
        assert len(shown) >= 2

        press("y", status="saved: answer 1 is right")
        press("l", "n", status="saved: answer 2 is wrong")
        press("2", status="saved: answer 2 is the best")
        press("0", status="saved: none is good")
        press("t", status="saved: a tie")
        press("u", status="undone: your choice")
        press("h", "e")
        editor = cards[0].find_element(By.CSS_SELECTOR, ".editor")
        wait.until(lambda d: editor.is_displayed())
        original = editor.get_attribute("value")
        editor.send_keys(Keys.CONTROL, "a")
        editor.send_keys(Keys.DELETE, CORRECTED)
        ctrl_enter()
        wait.until(lambda d: d.find_element(By.ID, "status").text == "saved: correction of answer 1")
        diff = cards[0].find_element(By.CSS_SELECTOR, ".diff")
        assert diff.is_displayed() and "".join(e.text for e in diff.find_elements(By.CSS_SELECTOR, "ins")).strip()
        assert "1 of 4 questions done in round 1" in driver.find_element(By.ID, "progress").text
        shot = Path(os.environ.get(SCREENSHOT_ENV) or tmp_path / "feedback_page.png")
        driver.save_screenshot(str(shot))
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

        press("s")  # skip: stored, then on to the next question not done (the first)
        wait.until(lambda d: d.current_url.endswith("/q/1"))
        press("j")
        wait.until(lambda d: d.current_url.endswith("/q/2"))
        press("k")
        wait.until(lambda d: d.current_url.endswith("/q/1"))
        assert not driver.get_log("browser") or all("alert" not in m["message"] for m in driver.get_log("browser"))
    finally:
        driver.quit()
        server.send_signal(signal.SIGINT)
        server.wait(10)

    db = sqlite3.connect(project / "feedback.sqlite")
    db.row_factory = sqlite3.Row
    prompt = db.execute("SELECT * FROM prompts WHERE id = 4").fetchone()
    assert (prompt["text"], prompt["author"], prompt["source"]) == (QUESTION, "Ada Lovelace", "web")
    events = db.execute("SELECT * FROM events ORDER BY id").fetchall()
    got = [(e["kind"], json.loads(e["candidate_ids"]), json.loads(e["payload"])) for e in events]
    assert got == [
        ("thumbs", [shown[0]], {"label": True}),
        ("thumbs", [shown[1]], {"label": False}),
        ("choice", shown, {"best": shown[1]}),
        ("choice", shown, {"best": "none"}),
        ("choice", shown, {"best": "tie"}),
        ("undo", shown, {"undoes": events[4]["id"]}),
        ("correction", [shown[0]], {"text": CORRECTED}),
        ("skip", shown, {}),
    ]
    assert original and all(e["annotator"] == "Ada Lovelace" and e["prompt_id"] == 4 for e in events)
    assert all(e["seconds_spent"] is not None and e["seconds_spent"] >= 0 for e in events)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
