"""The shipped sample corpus through the shipped sample pipeline: every file read, every record accounted for."""

import json
import os
from pathlib import Path

import pytest
from helpers import excluded, rows, run

ROOT = Path(__file__).resolve().parents[1]
EXPECTED = json.loads((ROOT / "sample_corpus" / "expected.json").read_text())


@pytest.fixture(scope="module")
def ingested(tmp_path_factory):
    out = tmp_path_factory.mktemp("sample") / "out"
    cwd = os.getcwd()
    os.chdir(ROOT)  # the sample pipeline's paths are relative to the repository root, where `make demo` runs
    try:
        (funnel,) = run(ROOT / "pipelines" / "sample.yaml", f"output={out}")
    finally:
        os.chdir(cwd)
    folder = out / "01_ingest"
    return funnel, rows(folder), excluded(folder)


def test_every_record_of_every_file_is_read(ingested):
    funnel, kept, dropped = ingested
    files = EXPECTED["files"]
    records = (
        files["dumps/news.jsonl"]["lines"] + files["dumps/forum.jsonl.gz"]["lines"]
        + files["dumps/encyclo.jsonl.zst"]["lines"] + files["dumps/articles.parquet"]["rows"]
        + files["web/crawl.warc.gz"]["records"] + len(files["books"]["files"])
    )  # fmt: skip
    assert funnel["read"] == records == kept.height + dropped.height
    assert funnel["read"] == funnel["kept"] + sum(funnel["dropped"].values())
    assert set(kept["source"]) == {"web", "news", "forum", "encyclo", "articles", "books"}


def test_content_pages_kept_and_bad_records_dropped_with_reasons(ingested):
    _, kept, dropped = ingested
    web_urls = set(kept.filter(kept["source"] == "web")["url"])
    assert set(EXPECTED["warc_html_content_pages"]) <= web_urls
    reason = dict(zip(dropped["id"], dropped["drop_reason"], strict=True))
    for bad in EXPECTED["bad_records"]:
        if "line" in bad:
            source = bad["file"].split("/")[1].split(".")[0]
            doc_id = f"{source}/{bad['file'].split('/')[1]}#{bad['line']}"
            assert reason[doc_id] in ("invalid_json", "empty_text"), bad
        else:
            url = bad["uri"]
            assert url not in web_urls, bad
    by_type = EXPECTED["files"]["web/crawl.warc.gz"]["records_by_type"]
    not_response = by_type["metadata"] + by_type["request"] + by_type["warcinfo"]
    assert (dropped["drop_reason"] == "warc_not_response").sum() == not_response
    latin = kept.filter(kept["url"] == EXPECTED["warc_latin1_page"])["text"].item()
    assert "é" in latin and "Ã" not in latin
