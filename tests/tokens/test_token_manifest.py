"""manifest.json: totals are sums over the shards; verify_tokens finds every kind of tampering, naming the file."""

import json

import polars as pl
import pytest
from tokens.token_texts import documents, temporary_folder, write_token_folder

from fonderie.tokens.manifest import read_manifest, verify_tokens


@pytest.fixture(scope="module")
def clean_folder():
    return write_token_folder(temporary_folder(), documents(200), tasks=2, val_fraction=0.2, shard_tokens=2000)


@pytest.fixture
def folder(clean_folder, tmp_path):
    import shutil

    return shutil.copytree(clean_folder, tmp_path / "tokens")


def test_manifest_totals_are_the_sums_over_its_shards_and_the_files(clean_folder):
    m = read_manifest(clean_folder)
    assert m["totals"]["shards"] == len(m["shards"]) > 2 and m["dtype"] == "uint16"
    for split in ("train", "val"):
        shards = [s for s in m["shards"] if s["split"] == split]
        assert m["splits"][split]["tokens"] == sum(s["tokens"] for s in shards)
        assert m["splits"][split]["documents"] == sum(s["rows"] for s in shards)
        df = pl.read_parquet(clean_folder / split)
        assert (df.height, df["n_tokens"].sum()) == (m["splits"][split]["documents"], m["splits"][split]["tokens"])
        by_source = df.group_by("source").agg(pl.len(), pl.col("n_tokens").sum()).sort("source").rows()
        assert by_source == [(k, v["documents"], v["tokens"]) for k, v in m["splits"][split]["sources"].items()]
    assert m["totals"]["documents"] == 200 and m["splits"]["val"]["documents"] > 20
    assert (clean_folder / "tokenizer" / "tokenizer.json").is_file() and m["tokenizer"]["eos_id"] == 1
    assert m["encoder"] == {"fast": True, "hf_fallback_documents": 0}
    assert verify_tokens(clean_folder) == ([], {"shards": m["totals"]["shards"], "documents": 200,
                                                "tokens": m["totals"]["tokens"]})  # fmt: skip


def test_one_flipped_byte_is_found_and_named(folder):
    shard = folder / read_manifest(folder)["shards"][1]["path"]
    data = bytearray(shard.read_bytes())
    data[len(data) // 2] ^= 0x01
    shard.write_bytes(bytes(data))
    errors, _ = verify_tokens(folder)
    name = shard.relative_to(folder).as_posix()
    assert errors and all(e.startswith(name) for e in errors) and any("sha256" in e for e in errors)


def test_missing_extra_and_renamed_shards(folder):
    shards = read_manifest(folder)["shards"]
    (folder / shards[0]["path"]).unlink()
    (folder / "train" / "shard-00099-00000.parquet").write_bytes(b"stray")
    errors, _ = verify_tokens(folder)
    assert f"{shards[0]['path']}: missing" in errors
    assert "train/shard-00099-00000.parquet: a shard file that the manifest does not list" in errors


def test_a_swapped_tokenizer_and_wrong_totals_are_found(folder):
    (folder / "tokenizer" / "tokenizer.json").write_text("{}")
    m = json.loads((folder / "manifest.json").read_text())
    m["totals"]["tokens"] += 1
    m["shards"][0]["rows"] += 1
    (folder / "manifest.json").write_text(json.dumps(m))
    errors, _ = verify_tokens(folder)
    assert any(e.startswith("tokenizer/tokenizer.json: sha256") for e in errors)
    assert any(e.startswith("manifest.json: totals") for e in errors)
    assert any(e.startswith(f"{m['shards'][0]['path']}: rows") for e in errors)
