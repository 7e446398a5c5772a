"""Sampling from a trained run, and its export as a Hugging Face Llama checkpoint that gives our logits."""

from __future__ import annotations

import json

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("safetensors")

from tokens.token_texts import documents, temporary_folder, write_token_folder  # noqa: E402
from training.runs import train  # noqa: E402

from fonderie.cli import main as cli  # noqa: E402
from fonderie.errors import RunStateError  # noqa: E402
from fonderie.training.checkpoint import load_run  # noqa: E402
from fonderie.training.export import export  # noqa: E402
from fonderie.training.generate import generate, load_tokenizer  # noqa: E402


@pytest.fixture(scope="module")
def run():
    """A tiny model (GQA: 4 query heads, 2 kv heads) trained for a few steps on a hermetic token folder."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny matrices: threads only add contention
    folder = temporary_folder()
    tokens = write_token_folder(folder, documents(120), val_fraction=0.1, row_group_tokens=400)
    train(tokens, folder / "run", ["block_size=32", "batch_size=4", "max_steps=6", "warmup_steps=2",
                                   "eval_every=6", "eval_batches=2", "learning_rate=3e-3"])  # fmt: skip
    yield folder / "run"
    torch.set_num_threads(n)


def test_generate_is_seeded(run):
    a = generate(run, "Le boulanger du village", max_new_tokens=12, seed=3, num_samples=2)
    b = generate(run, "Le boulanger du village", max_new_tokens=12, seed=3, num_samples=2)
    assert a == b and len(a) == 2
    assert all(t.startswith("Le boulanger du village") for t in a)
    assert generate(run, "Le boulanger du village", max_new_tokens=12, seed=4, num_samples=2) != a  # another seed
    greedy = [generate(run, "Le boulanger du village", max_new_tokens=8, temperature=0, seed=s)[0] for s in (1, 2)]
    assert greedy[0] == greedy[1]  # argmax: the seed plays no part


def test_generate_command(run, capsys):
    assert cli(["generate", str(run), "--prompt", "La rivière", "--max-new-tokens", "5", "--top-p", "0.9"]) == 0
    assert capsys.readouterr().out.startswith("La rivière")


def test_missing_checkpoint_is_a_clear_error(tmp_path):
    with pytest.raises(RunStateError, match="no model.safetensors"):
        load_run(tmp_path)


def test_export_loads_in_transformers_with_our_logits(run, tmp_path):
    transformers = pytest.importorskip("transformers")
    out = tmp_path / "hf"
    assert cli(["export", str(run), str(out)]) == 0
    config = json.loads((out / "config.json").read_text())
    assert config["num_key_value_heads"] == 2 and config["num_attention_heads"] == 4
    hf = transformers.AutoModelForCausalLM.from_pretrained(out).eval()
    ours, _ = load_run(run)
    text = "Qu'il pleuve ou qu'il vente, l'association organise une marche."
    ids = load_tokenizer(run).encode(text).ids
    hf_tokenizer = transformers.AutoTokenizer.from_pretrained(out)
    assert hf_tokenizer(text, add_special_tokens=False).input_ids == ids
    idx = torch.tensor([ids[:32]])  # the block size
    with torch.no_grad():
        expected = ours(idx)[0]
        got = hf(idx).logits
    assert got.shape == expected.shape
    assert torch.allclose(got, expected, atol=1e-4), (got - expected).abs().max()
    # the tied head survived: changing the embedding changes the output layer too
    assert hf.lm_head.weight.data_ptr() == hf.model.embed_tokens.weight.data_ptr()


def test_export_again_replaces_its_own_files_only(run, tmp_path):
    out = tmp_path / "hf"
    export(run, out)
    (out / "notes.txt").write_text("mine")
    export(run, out)  # an earlier export: replaced without --force, the user's file kept, no temporary left
    assert {p.name for p in out.iterdir()} == {"config.json", "model.safetensors", "tokenizer.json",
                                               "tokenizer_config.json", "special_tokens_map.json",
                                               "fonderie_export.json", "notes.txt"}  # fmt: skip
    assert {p.name for p in tmp_path.iterdir()} == {"hf"}
