"""Exports a trained run as a Hugging Face Llama checkpoint: `AutoModelForCausalLM.from_pretrained(OUT)` loads it.

    fonderie export runs/sample hf/sample

OUT gets config.json (LlamaForCausalLM), model.safetensors, the tokenizer files and, last, fonderie_export.json
(the run, its step, the files written): that marker is how a later export knows OUT as its own. OUT must be new,
empty or an earlier export; a folder holding anything else is refused unless `force`, and even then only the
export's files are written there, nothing else removed. Each file is written in a fresh hidden folder inside OUT
and moved into place (a crash leaves no half-written file under an export's name), with ordinary permissions
(safetensors writes 0600: read-only to its owner on a shared machine). Our module names are HF
Llama's, so the weights only gain the `model.` prefix; our rotary embedding already pairs the two halves of a head
(HF's rotate_half), so q_proj and k_proj need no permutation (Meta's original checkpoints do: HF's
convert_llama_weights_to_hf.py permutes them). The tied head is not stored: tie_word_embeddings restores it.
Nothing here imports transformers; the tests check that it loads and gives our logits.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

from fonderie.errors import RunStateError
from fonderie.folders import refuse_foreign
from fonderie.tokens import BOS, EOS
from fonderie.tokens.files import TOKENIZER_DIR, TOKENIZER_FILES
from fonderie.training.checkpoint import CHECKPOINT_DIR, WEIGHTS, ordinary_permissions

MARKER = "fonderie_export.json"
EXPORT_FILES = ("config.json", "model.safetensors", *TOKENIZER_FILES, MARKER)  # all that an export ever writes


def hf_config(model: dict, eos_id: int | None, bos_id: int | None) -> dict:
    """LlamaConfig fields from our ModelConfig (as saved in a checkpoint's config.json)."""
    from fonderie.training.model import ModelConfig

    mc = ModelConfig(**model)
    return {
        "architectures": ["LlamaForCausalLM"],
        "model_type": "llama",
        "vocab_size": mc.vocab_size,
        "hidden_size": mc.n_embd,
        "intermediate_size": mc.hidden_dim,
        "num_hidden_layers": mc.n_layer,
        "num_attention_heads": mc.n_head,
        "num_key_value_heads": mc.n_kv_head,
        "head_dim": mc.head_dim,
        "max_position_embeddings": mc.block_size,
        "rms_norm_eps": mc.norm_eps,
        # transformers >= 5 reads rope_parameters, earlier versions rope_theta
        "rope_parameters": {"rope_type": "default", "rope_theta": mc.rope_theta},
        "rope_theta": mc.rope_theta,
        "hidden_act": "silu",
        "attention_bias": False,
        "mlp_bias": False,
        "tie_word_embeddings": True,
        "initializer_range": mc.init_std,
        "bos_token_id": bos_id,
        "eos_token_id": eos_id,
        "torch_dtype": "float32",
    }


def previous_export(out: Path) -> list[str] | None:
    """The files an earlier export wrote in `out` (by its marker), None when `out` holds no export."""
    try:
        marker = json.loads((out / MARKER).read_text())
    except (OSError, ValueError):
        return None
    files = marker.get("files") if isinstance(marker, dict) else None
    return [name for name in files if name in EXPORT_FILES] if isinstance(files, list) else None


def export(run: str | Path, out: str | Path, force: bool = False) -> Path:
    """The run's checkpoint as a Hugging Face Llama folder in `out`; `force` writes it into a folder that holds
    other files (left as they are)."""
    from safetensors.torch import load_file, save_file

    run, out = Path(run), Path(out)
    ckpt = run / CHECKPOINT_DIR
    if not (ckpt / WEIGHTS).is_file():
        raise RunStateError(f"{ckpt}: no {WEIGHTS}; has the run written a checkpoint yet?")
    if out.resolve() == run.resolve():  # its config.json is the run's own: never replaced, even with --force
        raise RunStateError(f"{out} is the run folder itself; export to another folder")
    previous = previous_export(out) if out.is_dir() else None
    instead = "another folder, or --force to write the export's files there beside the others"
    refuse_foreign(out, ours=lambda _: previous is not None, force=force, holds=f"no export (no {MARKER})",
                   instead=instead)  # fmt: skip
    config = json.loads((ckpt / "config.json").read_text())
    step = json.loads((ckpt / "state.json").read_text())["step"]
    weights = load_file(ckpt / WEIGHTS)
    hf = {f"model.{name}": tensor for name, tensor in weights.items()}  # lm_head is tied, not stored
    tokenizer = json.loads((run / TOKENIZER_DIR / "tokenizer.json").read_text(encoding="utf-8"))
    special = {t["content"]: t["id"] for t in tokenizer.get("added_tokens", [])}
    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".fonderie-export-", dir=out))  # a fresh name: nothing of the user's
    try:
        save_file(hf, tmp / "model.safetensors", metadata={"format": "pt"})  # transformers wants the format key
        hf_cfg = hf_config(config["model"], special.get(EOS), special.get(BOS))
        (tmp / "config.json").write_text(json.dumps(hf_cfg, indent=2))
        for name in TOKENIZER_FILES:
            if (run / TOKENIZER_DIR / name).is_file():
                shutil.copyfile(run / TOKENIZER_DIR / name, tmp / name)
        written = sorted(p.name for p in tmp.iterdir())
        marker = {"run": str(run.resolve()), "step": step, "files": [*written, MARKER]}
        (tmp / MARKER).write_text(json.dumps(marker, indent=2))
        for name in [*written, MARKER]:  # the marker last: it describes files already in place
            ordinary_permissions(tmp / name)
            os.replace(tmp / name, out / name)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    for name in set(previous or []) - {*written, MARKER}:  # the earlier export's own files this one lacks
        (out / name).unlink(missing_ok=True)
    return out
