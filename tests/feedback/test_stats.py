"""`fonderie feedback stats`: counts, yes-rate per round, and agreement checked against a kappa done by hand."""

from __future__ import annotations

import json

import pytest
from feedback.projects import stand_in_project

from fonderie.feedback import store
from fonderie.feedback.stats import agreement, print_stats, stats

TEMPLATE = "Q: {prompt}\nA:"


def make_project(tmp_path):
    return stand_in_project(tmp_path, template=TEMPLATE)


def ask(db, round_id: int, question: str, answers: list[str]) -> tuple[int, list[int]]:
    prompt_id = store.add_prompt(db, round_id, question)
    rows = [{"text": a, "templated_prompt": TEMPLATE.replace("{prompt}", question), "model_fingerprint": "fp",
             "params": {}, "token_ids": []} for a in answers]  # fmt: skip
    return prompt_id, store.add_candidates(db, prompt_id, round_id, rows)


def test_kappa_of_two_annotators_is_the_one_computed_by_hand():
    # 10 answers; ana says yes to 6, ben to 5; they agree on 7 (4 yes, 3 no).
    # p_o = 7/10 = 0.7; p_e = P(both yes) + P(both no) = 0.6 * 0.5 + 0.4 * 0.5 = 0.5
    # kappa = (p_o - p_e) / (1 - p_e) = (0.7 - 0.5) / 0.5 = 0.4
    ana = dict(enumerate("yyyyyynnnn"))
    ben = dict(enumerate("yyyynnnnny"))
    result = agreement({"ana": ana, "ben": ben})
    assert result["items"] == 10 and result["agreement"] == pytest.approx(0.7)
    assert result["kappa"] == pytest.approx(0.4)
    assert result["kappa_method"] == "Cohen's kappa"


def test_more_than_two_annotators_average_the_pairwise_kappas():
    ana, ben = dict(enumerate("yyyyyynnnn")), dict(enumerate("yyyynnnnny"))  # kappa 0.4 (above)
    cid = dict(enumerate("yyyyyynnnn"))  # = ana: kappa 1 with her, 0.4 with ben
    result = agreement({"ana": ana, "ben": ben, "cid": cid})
    assert [p["annotators"] for p in result["pairs"]] == [["ana", "ben"], ["ana", "cid"], ["ben", "cid"]]
    assert result["kappa"] == pytest.approx((0.4 + 1.0 + 0.4) / 3)
    assert result["agreement"] == pytest.approx((7 + 10 + 7) / 30)  # pooled over every shared item
    assert result["kappa_method"] == "mean of pairwise Cohen's kappa over 3 annotator pairs"


def test_kappa_is_undefined_when_both_use_one_label_and_pairs_without_shared_items_are_left_out():
    result = agreement({"ana": {1: "yes", 2: "yes"}, "ben": {1: "yes", 2: "yes"}, "cid": {3: "no"}})
    assert result["pairs"] == [{"annotators": ["ana", "ben"], "items": 2, "agreed": 2, "agreement": 1.0,
                                "kappa": None}]  # fmt: skip
    assert result["kappa"] is None and result["agreement"] == 1.0
    assert agreement({"ana": {1: "yes"}})["agreement"] is None


@pytest.fixture
def project(tmp_path):
    """Round 1: 4 answers, 1 yes from ana, 2 from ben; round 2 (a better model): 3 yes of 4. Shared items."""
    project = make_project(tmp_path)
    db = project.connect()
    round_2 = store.add_round(db, "runs/better", "fp2", TEMPLATE)
    for round_id, labels in ((1, [True, False, False, False]), (round_2, [True, True, False, True])):
        p, ids = ask(db, round_id, f"question {round_id}", [f" answer {i}" for i in range(4)])
        for c, label in zip(ids, labels, strict=True):
            store.add_event(db, "ana", p, [c], "thumbs", {"label": label})
        if round_id == 1:
            store.add_event(db, "ben", p, [ids[0]], "thumbs", {"label": True})  # agrees with ana
            store.add_event(db, "ben", p, [ids[1]], "thumbs", {"label": True})  # does not
            store.add_event(db, "ben", p, [ids[2]], "thumbs", {"label": False})  # agrees
            store.add_event(db, "ben", p, [ids[3]], "thumbs", {"label": False})  # agrees
    # a choice among 3 candidates, two of them identical: ana sees one order, ben another and picks the copy
    p, (a, b, a2) = ask(db, 1, "choose", [" same", " other", " same"])
    store.add_event(db, "ana", p, [a, b, a2], "choice", {"best": a})
    store.add_event(db, "ben", p, [a2, b, a], "choice", {"best": a2})
    p, (x, y) = ask(db, 1, "choose again", [" x", " y"])
    store.add_event(db, "ana", p, [x, y], "choice", {"best": "tie"})
    store.add_event(db, "ben", p, [y, x], "choice", {"best": y})
    store.add_event(db, "ana", p, [x], "correction", {"text": " x mended and longer"})  # 1 word → 4: 3 edits
    undone = store.add_event(db, "ben", p, [x], "thumbs", {"label": True})
    store.add_event(db, "ben", p, [x], "undo", {"undoes": undone})
    db.close()
    return project


def test_counts_yes_rate_per_round_and_agreement_from_a_store(project):
    summary = stats(project.dir)
    json.dumps(summary)  # plain JSON types only: `stats --json` prints it
    assert summary["events"] == 19
    assert summary["per_kind"] == {"thumbs": 13, "choice": 4, "correction": 1, "undo": 1}
    assert summary["per_annotator"] == {"ana": 11, "ben": 8}
    r1, r2 = summary["rounds"]
    # every annotator's thumbs in force: ana 1 yes of 4, ben 2 of 4; ben's undone one does not count
    assert (r1["thumbs"], r1["yes"], r1["yes_rate"]) == (8, 3, 0.375)
    assert (r2["model"], r2["thumbs"], r2["yes_rate"]) == ("runs/better", 4, 0.75)
    assert (r1["corrections"], r1["mean_words_edited"], r2["corrections"]) == (1, 3.0, 0)

    thumbs = summary["agreement"]["thumbs"]
    assert thumbs["items"] == 4 and thumbs["agreement"] == 0.75
    # ana y n n n, ben y y n n: p_o = 3/4, p_e = 1/4 * 2/4 + 3/4 * 2/4 = 1/2, kappa = (3/4 - 1/2) / (1/2) = 1/2
    assert thumbs["kappa"] == pytest.approx(0.5)
    choice = summary["agreement"]["choice"]
    assert choice["items"] == 2 and choice["agreement"] == 0.5  # the copy is the same answer; tie vs y is not


def test_print_stats_shows_the_three_tables(project, capsys):
    print_stats(stats(project.dir))
    out = capsys.readouterr().out
    for text in ("19 events", "yes-rate", "75%", "agreement between annotators", "ana / ben", "0.50"):
        assert text in out
