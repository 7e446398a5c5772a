"""`fonderie verify`: exit 0 on intact token shards; 1, naming the shard, on a flipped byte."""

import shutil

import pytest
from tokens.token_texts import documents, temporary_folder, write_token_folder

from fonderie.cli import main


@pytest.fixture(scope="module")
def tokens():
    return write_token_folder(temporary_folder(), documents(80), tasks=2, val_fraction=0.2, shard_tokens=1500)


def test_intact_shards_pass(tokens, capsys):
    assert main(["verify", str(tokens.parent)]) == 0  # the stage folder works too: its tokens/ is found
    out = capsys.readouterr().out
    assert out.startswith(f"{tokens}: ok,") and "80 documents" in out


def test_a_flipped_byte_fails_naming_the_shard(tokens, tmp_path, capsys):
    copy = shutil.copytree(tokens, tmp_path / "tokens")
    shard = sorted((copy / "val").glob("*.parquet"))[0]
    data = bytearray(shard.read_bytes())
    data[100] ^= 0x80
    shard.write_bytes(bytes(data))
    assert main(["verify", str(copy)]) == 1
    err = capsys.readouterr().err
    assert f"{copy}/val/{shard.name}: sha256" in err and "problem(s)" in err


def test_a_folder_without_manifest_is_a_clear_error(tmp_path, capsys):
    assert main(["verify", str(tmp_path)]) == 2
    assert "no manifest.json" in capsys.readouterr().err
