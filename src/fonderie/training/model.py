"""A compact Llama-style decoder, in the spirit of nanoGPT's model.py, for pretraining on fonderie token shards.

Notable features:
- RMSNorm before attention and MLP (pre-norm), no biases anywhere (Llama, https://arxiv.org/abs/2302.13971)
- rotary position embeddings applied the Hugging Face way (rotate_half on the two halves of a head), so our
  weights load into `transformers.LlamaForCausalLM` with no permutation of q/k (see export.py)
- SwiGLU MLP (https://arxiv.org/abs/2002.05202) with a hidden size of 8/3 * n_embd rounded up to a multiple of 64
- grouped-query attention (https://arxiv.org/abs/2305.13245): n_kv_head <= n_head key/value heads, each shared
  by n_head // n_kv_head query heads, through `F.scaled_dot_product_attention` (flash kernels on CUDA)
- tied input embedding and output head (https://arxiv.org/abs/1608.05859): fewer parameters at small scale
- module names are Hugging Face Llama's (`embed_tokens`, `self_attn.q_proj`, `mlp.gate_proj`, ...) so the export
  is a plain prefix rename
- a KV cache for sampling (kv_cache.py): the prompt is read once, then each step feeds one token
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace

import torch
import torch.nn as nn
from torch.nn import functional as F

from fonderie.errors import ConfigError, InputError
from fonderie.training.kv_cache import KVCache

# ---------------------------------------------------------------------------------------------------------------------
# Config


@dataclass(frozen=True)
class ModelConfig:
    vocab_size: int = 32768  # of the tokenizer; the trainer sets it from the token manifest
    block_size: int = 1024  # longest sequence (context length) the model is trained on, in tokens
    n_layer: int = 12  # transformer blocks
    n_head: int = 12  # query heads; head_dim = n_embd // n_head
    n_kv_head: int = 4  # key/value heads (GQA); n_head must be a multiple of it; = n_head is plain multi-head
    n_embd: int = 768  # width of the residual stream
    intermediate_size: int = 0  # hidden width of the SwiGLU MLP; 0: 8/3 * n_embd rounded up to a multiple of 64
    rope_theta: float = 10000.0  # base of the rotary frequencies (Llama 2 uses 10,000; Llama 3 500,000)
    norm_eps: float = 1e-5  # epsilon of RMSNorm, inside the square root
    init_std: float = 0.02  # std of the normal init of every weight matrix (GPT-2)

    def __post_init__(self):
        for name in ("vocab_size", "block_size", "n_layer", "n_head", "n_kv_head", "n_embd"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name}={getattr(self, name)} must be at least 1")
        if self.n_embd % self.n_head:
            raise ConfigError(f"n_embd={self.n_embd} is not a multiple of n_head={self.n_head}")
        if (self.n_embd // self.n_head) % 2:
            raise ConfigError(f"n_embd={self.n_embd} / n_head={self.n_head} = {self.head_dim}: the head dimension "
                              "must be even for rotary embeddings")  # fmt: skip
        if self.n_head % self.n_kv_head:
            raise ConfigError(f"n_head={self.n_head} is not a multiple of n_kv_head={self.n_kv_head}")

    @property
    def head_dim(self) -> int:
        return self.n_embd // self.n_head

    @property
    def hidden_dim(self) -> int:
        if self.intermediate_size:
            return self.intermediate_size
        return 64 * math.ceil(8 * self.n_embd / 3 / 64)  # same compute as a 4x GELU MLP (SwiGLU paper, §2)


# Named sizes; the names are parameter counts with the default 32,768-token vocabulary, embedding counted once.
# `tiny` exists for CPU tests; `shakespeare` is nanoGPT's CPU baby model (README "I only have a macbook"), its
# SwiGLU 344 wide so that its blocks hold the parameters of nanoGPT's (3 x 128 x 344 = 2 x 128 x 512, + 0.8%).
PRESETS = {
    "tiny": dict(n_layer=2, n_head=4, n_kv_head=2, n_embd=64, block_size=64),
    "shakespeare": dict(n_layer=4, n_head=4, n_kv_head=4, n_embd=128, block_size=64, intermediate_size=344),
    "10m": dict(n_layer=4, n_head=4, n_kv_head=2, n_embd=256, block_size=512),
    "50m": dict(n_layer=10, n_head=8, n_kv_head=4, n_embd=512, block_size=1024),
    "125m": dict(n_layer=16, n_head=12, n_kv_head=4, n_embd=768, block_size=1024),
}


def config_from_preset(name: str, **overrides) -> ModelConfig:
    if name not in PRESETS:
        raise ConfigError(f"preset={name!r}: no such model preset; known: {', '.join(PRESETS)}")
    known = {f.name for f in fields(ModelConfig)}
    unknown = set(overrides) - known
    if unknown:
        raise ConfigError(f"unknown model setting(s) {sorted(unknown)}; known: {sorted(known)}")
    return replace(ModelConfig(**PRESETS[name]), **overrides)


# ---------------------------------------------------------------------------------------------------------------------
# Layers


class RMSNorm(nn.Module):
    """x / rms(x) * weight (https://arxiv.org/abs/1910.07467), computed in float32 like HF's LlamaRMSNorm."""

    def __init__(self, dim: int, eps: float):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x):
        dtype = x.dtype
        x = x.float()
        x = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps)
        return self.weight * x.to(dtype)


def rope_cache(config: ModelConfig, device=None) -> tuple[torch.Tensor, torch.Tensor]:
    """cos and sin of every (position, frequency), each (block_size, head_dim), in HF Llama's layout: the
    frequencies are repeated for the two halves of a head (`torch.cat((freqs, freqs), -1)`)."""
    hd = config.head_dim
    inv_freq = 1.0 / (config.rope_theta ** (torch.arange(0, hd, 2, dtype=torch.float32, device=device) / hd))
    t = torch.arange(config.block_size, dtype=torch.float32, device=device)
    freqs = torch.outer(t, inv_freq)  # (T, hd/2)
    emb = torch.cat((freqs, freqs), dim=-1)  # (T, hd)
    return emb.cos(), emb.sin()


def apply_rope(x, cos, sin):
    """Rotate pairs (x[i], x[i + hd/2]) by position-dependent angles (RoFormer, https://arxiv.org/abs/2104.09864).
    The original pairs adjacent dimensions; HF Llama pairs the two halves, and so do we (no permutation)."""
    x1, x2 = x.chunk(2, dim=-1)
    rotated = torch.cat((-x2, x1), dim=-1)  # rotate_half
    return x * cos + rotated * sin


class Attention(nn.Module):
    def __init__(self, config: ModelConfig):
        super().__init__()
        self.n_head, self.n_kv_head, self.head_dim = config.n_head, config.n_kv_head, config.head_dim
        C, kv = config.n_embd, config.n_kv_head * config.head_dim
        self.q_proj = nn.Linear(C, C, bias=False)
        self.k_proj = nn.Linear(C, kv, bias=False)
        self.v_proj = nn.Linear(C, kv, bias=False)
        self.o_proj = nn.Linear(C, C, bias=False)

    def forward(self, x, cos, sin, cache: KVCache | None = None, layer: int = 0):
        B, T, C = x.size()
        q = self.q_proj(x).view(B, T, self.n_head, self.head_dim).transpose(1, 2)  # (B, nh, T, hd)
        k = self.k_proj(x).view(B, T, self.n_kv_head, self.head_dim).transpose(1, 2)  # (B, nkv, T, hd)
        v = self.v_proj(x).view(B, T, self.n_kv_head, self.head_dim).transpose(1, 2)  # (B, nkv, T, hd)
        q, k = apply_rope(q, cos, sin), apply_rope(k, cos, sin)
        past = cache.pos if cache is not None else 0  # tokens before these T, whose k and v are cached
        if cache is not None:
            k, v = cache.update(layer, k, v)  # (B, nkv, past + T, hd) each
        if past and T == 1:
            # one new token sees every cached one, no mask: the n_rep query heads of a kv head become n_rep "rows"
            # of one attention over that head's keys, so the cache is read in place, never copied per query head
            n_rep = self.n_head // self.n_kv_head
            y = F.scaled_dot_product_attention(q.view(B, self.n_kv_head, n_rep, self.head_dim), k, v)  # (B,nkv,rep,hd)
            return self.o_proj(y.reshape(B, 1, C))  # query heads side by side, in order: (B, 1, C)
        if self.n_kv_head != self.n_head:
            # each kv head serves n_rep consecutive query heads (HF's repeat_kv); enable_gqa=True does the same
            # without the copy, but not every SDPA backend takes it, and the copy is small next to the matmuls
            n_rep = self.n_head // self.n_kv_head
            k = k.repeat_interleave(n_rep, dim=1)  # (B, nh, past + T, hd)
            v = v.repeat_interleave(n_rep, dim=1)  # (B, nh, past + T, hd)
        if past == 0:  # training, or a cache's prefill: plain causal attention
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True)  # (B, nh, T, hd)
        else:  # several new tokens after a cached past: is_causal would align the mask top-left, so spell it out
            mask = torch.ones(T, past + T, dtype=torch.bool, device=x.device).tril(diagonal=past)  # (T, past + T)
            y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)  # (B, nh, T, hd)
        y = y.transpose(1, 2).contiguous().view(B, T, C)  # (B, T, C): heads side by side again
        return self.o_proj(y)


class MLP(nn.Module):
    """SwiGLU: down(silu(gate(x)) * up(x))."""

    def __init__(self, config: ModelConfig):
        super().__init__()
        C, H = config.n_embd, config.hidden_dim
        self.gate_proj = nn.Linear(C, H, bias=False)
        self.up_proj = nn.Linear(C, H, bias=False)
        self.down_proj = nn.Linear(H, C, bias=False)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))  # (B, T, H) in the middle


class Block(nn.Module):
    def __init__(self, config: ModelConfig):
        super().__init__()
        self.input_layernorm = RMSNorm(config.n_embd, config.norm_eps)
        self.self_attn = Attention(config)
        self.post_attention_layernorm = RMSNorm(config.n_embd, config.norm_eps)
        self.mlp = MLP(config)

    def forward(self, x, cos, sin, cache: KVCache | None = None, layer: int = 0):
        x = x + self.self_attn(self.input_layernorm(x), cos, sin, cache, layer)
        x = x + self.mlp(self.post_attention_layernorm(x))
        return x


# ---------------------------------------------------------------------------------------------------------------------
# The model


class GPT(nn.Module):
    def __init__(self, config: ModelConfig):
        super().__init__()
        self.config = config
        self.embed_tokens = nn.Embedding(config.vocab_size, config.n_embd)
        self.layers = nn.ModuleList(Block(config) for _ in range(config.n_layer))
        self.norm = RMSNorm(config.n_embd, config.norm_eps)
        self.lm_head = nn.Linear(config.n_embd, config.vocab_size, bias=False)
        self.lm_head.weight = self.embed_tokens.weight  # weight tying (https://paperswithcode.com/method/weight-tying)
        # not persistent: recomputed from the config, so checkpoints hold weights only
        cos, sin = rope_cache(config)
        self.register_buffer("rope_cos", cos, persistent=False)
        self.register_buffer("rope_sin", sin, persistent=False)
        self.apply(self._init_weights)
        # GPT-2 scales the projections that write into the residual stream by 1/sqrt(2 * n_layer): each block adds
        # two of them, and without it the residual's variance grows with depth (GPT-2 paper, §2.3; nanoGPT)
        for name, p in self.named_parameters():
            if name.endswith(("o_proj.weight", "down_proj.weight")):
                nn.init.normal_(p, mean=0.0, std=config.init_std / math.sqrt(2 * config.n_layer))

    def _init_weights(self, module):
        if isinstance(module, (nn.Linear, nn.Embedding)):  # RMSNorm gains start at one (RMSNorm.__init__)
            nn.init.normal_(module.weight, mean=0.0, std=self.config.init_std)

    def num_params(self) -> int:
        """Parameters, the tied embedding counted once (`parameters()` already yields a shared tensor once)."""
        return sum(p.numel() for p in self.parameters())

    def forward(self, idx, targets=None, reduction: str = "mean", cache: KVCache | None = None):
        """idx (B, T) token ids -> (logits (B, T, vocab), loss or None). Targets equal to -1 are ignored;
        reduction="sum" returns the summed loss in nats (evaluation: bits per byte). With a cache, idx follows the
        cache.pos tokens already in it (their positions come first) and is added to it."""
        B, T = idx.size()
        past = cache.pos if cache is not None else 0
        if past + T > self.config.block_size:
            raise InputError(f"a sequence of {past + T} tokens is longer than block_size={self.config.block_size}")
        cos, sin = self.rope_cos[past : past + T], self.rope_sin[past : past + T]  # (T, hd); already on the device
        x = self.embed_tokens(idx)  # (B, T, C)
        for i, block in enumerate(self.layers):
            x = block(x, cos, sin, cache, i)
        if cache is not None:
            cache.pos += T
        x = self.norm(x)
        logits = self.lm_head(x)  # (B, T, vocab)
        loss = None
        if targets is not None:
            # the loss in float32 even under bf16 autocast: a log-softmax over 32k classes loses precision in bf16
            loss = F.cross_entropy(
                logits.float().view(-1, logits.size(-1)), targets.view(-1), ignore_index=-1, reduction=reduction
            )
        return logits, loss

    # -----------------------------------------------------------------------------------------------------------------
    # Training helpers

    def configure_optimizers(self, weight_decay: float, learning_rate: float, betas: tuple[float, float], fused=False):
        """AdamW with two groups: weight decay on the matrices of the blocks, none on the norms' gains nor on the
        (tied) embedding, which decay would pull towards zero for rare tokens (nanoGPT decays every >= 2-D tensor,
        embedding included; OLMo and nanochat leave the embedding alone, as we do)."""
        embedding = self.embed_tokens.weight
        decay = [p for p in self.parameters() if p.dim() >= 2 and p is not embedding]
        no_decay = [p for p in self.parameters() if p.dim() < 2 or p is embedding]
        groups = [
            {"params": decay, "weight_decay": weight_decay},
            {"params": no_decay, "weight_decay": 0.0},
        ]
        return torch.optim.AdamW(groups, lr=learning_rate, betas=betas, fused=fused)

    def flops_per_token(self) -> float:
        """Training FLOPs per token: 6 per parameter (forward 2, backward 4) for the matmuls, the embedding lookup
        excluded but the tied head included, plus attention's scores and mix, 6 * 2 * n_layer * T * C (the
        PaLM paper's appendix B; nanoGPT's estimate_mfu)."""
        c = self.config
        n = self.num_params() - sum(p.numel() for n, p in self.named_parameters() if "norm" in n)
        return 6 * n + 12 * c.n_layer * c.block_size * c.n_embd

    @torch.no_grad()
    def generate(self, idx, max_new_tokens: int, temperature: float = 1.0, top_k: int | None = None,
                 top_p: float | None = None, eos_id: int | None = None, generator=None,
                 use_cache: bool = True):  # fmt: skip
        """Samples max_new_tokens after idx (B, T). With the KV cache the prompt is read once and each step feeds
        only the new token; once the sequence outgrows block_size, each step recomputes the last block_size tokens
        (nanoGPT's cropped context, which is what use_cache=False does throughout). Stops early once every row has
        produced eos_id (rows that did keep sampling until then; the caller cuts them at their first EOS).
        `generator`: one torch.Generator, or a list of one per row, so that a row's tokens depend on its own seed
        only, not on which rows are batched with it."""
        block = self.config.block_size
        done = torch.zeros(idx.size(0), dtype=torch.bool, device=idx.device)  # (B,)
        cache = KVCache(self.config.n_layer, block) if use_cache and idx.size(1) < block else None
        for step in range(max_new_tokens):
            if cache is not None and idx.size(1) <= block:
                # the whole prompt on the first step (prefill), then the one token sampled last
                logits, _ = self(idx if step == 0 else idx[:, -1:], cache=cache)
            else:
                logits, _ = self(idx[:, -block:])
            logits = logits[:, -1, :].float()  # (B, vocab)
            if temperature <= 0:
                next_id = logits.argmax(dim=-1, keepdim=True)  # greedy
            else:
                next_id = sample(logits / temperature, top_k, top_p, generator)  # (B, 1)
            idx = torch.cat((idx, next_id), dim=1)
            if eos_id is not None:
                done |= next_id[:, 0] == eos_id
                if bool(done.all()):
                    break
        return idx


def sample(logits, top_k: int | None, top_p: float | None, generator=None):
    """One token per row of logits (B, vocab), among the top_k, then within the top_p mass. With top_k the
    candidates are the k values topk returns sorted, so nucleus and softmax work on (B, k), not the vocabulary:
    sorting and sampling 32k entries per token cost more than a small model's forward. `generator`: one
    torch.Generator, or a list of one per row (a row then depends on its own seed only)."""
    if top_k is not None and 0 < top_k < logits.size(-1):
        logits, order = torch.topk(logits, top_k)  # (B, k), sorted descending
    else:
        logits, order = torch.sort(logits, descending=True)  # (B, vocab)
    if top_p is not None and 0 < top_p < 1:
        # nucleus sampling (https://arxiv.org/abs/1904.09751): keep the smallest set of tokens whose probabilities
        # sum to top_p; the most likely token always stays
        probs = logits.softmax(dim=-1)
        drop = probs.cumsum(dim=-1) - probs > top_p  # the mass before each token
        logits = logits.masked_fill(drop, -float("inf"))
    probs = F.softmax(logits, dim=-1)
    if isinstance(generator, (list, tuple)):  # (B, 1) either way
        choice = torch.stack([torch.multinomial(p, 1, generator=g) for p, g in zip(probs, generator, strict=True)])
    else:
        choice = torch.multinomial(probs, num_samples=1, generator=generator)  # (B, 1)
    return order.gather(-1, choice)  # (B, 1): back to token ids
