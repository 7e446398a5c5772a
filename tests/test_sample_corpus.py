"""The shipped sample corpus through the shipped sample pipeline (ingest -> clean -> dedup), against the ground
truth in sample_corpus/expected.json: every record read, junk dropped, good prose kept, planted duplicates found."""

import json
import os
from pathlib import Path

import pytest
from helpers import excluded, rows, run

# end to end, every stage of pipelines/sample.yaml in the module's first test: ~70 s on 2 cores, more when shared
pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

ROOT = Path(__file__).resolve().parents[1]
EXPECTED = json.loads((ROOT / "sample_corpus" / "expected.json").read_text())


SOURCES = {
    "news.jsonl": "news",
    "forum.jsonl.gz": "forum",
    "encyclo.jsonl.zst": "encyclo",
    "articles.parquet": "articles",
}


def doc_id(locator: dict) -> str:
    """A locator of expected.json (file + line/row, or a WARC uri) as a document id or url."""
    if "uri" in locator:
        return locator["uri"]
    name = locator["file"].split("/")[-1]
    return f"{SOURCES[name]}/{name}#{locator.get('line', locator.get('row'))}"


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("sample") / "out"
    cwd = os.getcwd()
    os.chdir(ROOT)  # the sample pipeline's paths are relative to the repository root, where `make demo` runs
    try:
        funnels = run(ROOT / "pipelines" / "sample.yaml", f"output={out}")
    finally:
        os.chdir(cwd)
    documents = {f["name"]: (f, rows(out / f["folder"]), excluded(out / f["folder"])) for f in funnels[:3]}
    return documents | {"tokens": (funnels[3:5], out / "05_tokenize" / "tokens"), "pretrain": out / "06_pretrain"}


@pytest.fixture(scope="module")
def ingested(sample_run):
    return sample_run["ingest"]


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


def test_every_stage_accounts_for_every_document(sample_run):
    assert list(sample_run) == ["ingest", "clean", "dedup", "tokens", "pretrain"]
    previous_kept = None
    for name in ("ingest", "clean", "dedup"):
        funnel, kept, dropped = sample_run[name]
        assert funnel["read"] == funnel["kept"] + sum(funnel["dropped"].values()) == kept.height + dropped.height
        assert previous_kept is None or funnel["read"] == previous_kept
        previous_kept = funnel["kept"]


def test_clean_drops_the_junk_and_keeps_good_prose(sample_run):
    _, kept, dropped = sample_run["clean"]
    junk = {doc_id(loc) for locs in EXPECTED["junk"].values() for loc in locs}
    ingested_ids = set(sample_run["ingest"][1]["id"])
    assert junk & ingested_ids <= set(dropped["id"])  # the 404 page already went at ingest
    assert set(dropped["id"]) <= junk  # nothing else: every good document, in every language, survives
    languages = dict(kept.group_by("language").len().iter_rows())
    assert languages == EXPECTED["languages_of_content_documents"]  # detected, not the inputs' hints


def test_books_lose_their_page_furniture(sample_run):
    _, kept, _ = sample_run["clean"]
    for name, truth in EXPECTED["books"].items():
        book = kept.filter(kept["id"] == f"books/{name.split('/')[-1]}#0").row(0, named=True)
        lines = {line.strip() for line in book["text"].split("\n")}
        furniture = {f.strip() for page in truth["furniture_lines_per_page"] for f in page}
        assert not furniture & lines, (name, furniture & lines)
        assert "\f" not in book["text"] and book["removed_spans"]


def test_planted_duplicates_are_found(sample_run):
    _, kept, dropped = sample_run["dedup"]
    kept_ids, dropped_ids = set(kept["id"]), set(dropped["id"])
    urls = dict(zip(sample_run["clean"][1]["url"], sample_run["clean"][1]["id"], strict=True))
    for group in EXPECTED["exact_duplicate_groups"] + EXPECTED["near_duplicate_groups"]:
        members = {urls.get(doc_id(m), doc_id(m)) for m in group["members"]}
        assert len(members & kept_ids) == 1 and len(members & dropped_ids) == len(members) - 1, group["id"]
    assert set(dropped["drop_reason"]) == {"exact_duplicate", "near_duplicate"}


def test_the_deduplicated_documents_become_verified_token_shards(sample_run):
    from fonderie.tokens.manifest import read_manifest, verify_tokens

    (tokenizer, tokenize), tokens = sample_run["tokens"]
    assert (tokenizer["name"], tokenize["name"]) == ("tokenizer", "tokenize")
    assert tokenize["read"] == tokenize["kept"] == sample_run["dedup"][0]["kept"]
    manifest = read_manifest(tokens)
    assert manifest["totals"]["documents"] == tokenize["kept"]
    errors, _ = verify_tokens(tokens)
    assert errors == []
    from fonderie.pipeline.stats import pipeline_status

    measures = pipeline_status(tokens.parents[1])["stages"][3]["measures"]  # what `fonderie status` shows
    assert 1.0 < measures["fertility_fr"] < 3.0 and measures["bytes_per_token_fr"] > 2.0


def test_make_demo_ends_with_a_checkpoint_and_a_sample(sample_run):
    run = sample_run["pretrain"] / "run"
    assert (run / "checkpoint" / "model.safetensors").exists() and (run / "tokenizer").is_dir()
    last = json.loads((run / "metrics.jsonl").read_text().splitlines()[-1])
    assert last["step"] == 200 and last["val_bpb"] > 0
    from fonderie.pipeline.stats import funnel

    assert funnel(sample_run["pretrain"])["measures"]["val_bpb"] == last["val_bpb"]  # shown by `fonderie status`
    sample = (sample_run["pretrain"] / "sample.txt").read_text()
    assert sample.startswith("Le village") and len(sample) > len("Le village")
