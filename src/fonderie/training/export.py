"""Exports a trained run as a Hugging Face Llama checkpoint: `AutoModelForCausalLM.from_pretrained(OUT)` loads it.

    fonderie export runs/sample hf/sample

OUT gets config.json (LlamaForCausalLM), model.safetensors and the tokenizer files. Our module names are HF
Llama's, so the weights only gain the `model.` prefix; our rotary embedding already pairs the two halves of a head
(HF's rotate_half), so q_proj and k_proj need no permutation (Meta's original checkpoints do: HF's
convert_llama_weights_to_hf.py permutes them). The tied head is not stored: tie_word_embeddings restores it.
Nothing here imports transformers; the tests check that it loads and gives our logits.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from fonderie.errors import RunStateError
from fonderie.tokens import BOS, EOS
from fonderie.tokens.files import TOKENIZER_DIR, TOKENIZER_FILES
from fonderie.training.checkpoint import CHECKPOINT_DIR, WEIGHTS


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


def export(run: str | Path, out: str | Path) -> Path:
    from safetensors.torch import load_file, save_file

    run, out = Path(run), Path(out)
    ckpt = run / CHECKPOINT_DIR
    if not (ckpt / WEIGHTS).is_file():
        raise RunStateError(f"{ckpt}: no {WEIGHTS}; has the run written a checkpoint yet?")
    config = json.loads((ckpt / "config.json").read_text())
    weights = load_file(ckpt / WEIGHTS)
    hf = {f"model.{name}": tensor for name, tensor in weights.items()}  # lm_head is tied, not stored
    tokenizer = json.loads((run / TOKENIZER_DIR / "tokenizer.json").read_text(encoding="utf-8"))
    special = {t["content"]: t["id"] for t in tokenizer.get("added_tokens", [])}
    tmp = out.with_name(out.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    save_file(hf, tmp / "model.safetensors", metadata={"format": "pt"})  # transformers wants the format key
    hf_cfg = hf_config(config["model"], special.get(EOS), special.get(BOS))
    (tmp / "config.json").write_text(json.dumps(hf_cfg, indent=2))
    for name in TOKENIZER_FILES:
        if (run / TOKENIZER_DIR / name).is_file():
            shutil.copy2(run / TOKENIZER_DIR / name, tmp / name)
    if out.exists():
        shutil.rmtree(out)
    os.replace(tmp, out)
    return out
