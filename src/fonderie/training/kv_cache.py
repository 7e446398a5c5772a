"""Keys and values of the tokens already seen, kept per layer so that sampling feeds the model one token a step.

Without it, each new token recomputes attention over the whole context: O(T^2) work per token instead of O(T).
The tensors are allocated once, at the first write, to `max_len` positions (the model's block_size) in the dtype
the keys come in (bf16 under autocast), so a step copies one position in and never reallocates.
"""

from __future__ import annotations

import torch


class KVCache:
    def __init__(self, n_layer: int, max_len: int):
        self.n_layer, self.max_len = n_layer, max_len
        self.k: torch.Tensor | None = None  # (n_layer, B, nkv, max_len, hd)
        self.v: torch.Tensor | None = None  # (n_layer, B, nkv, max_len, hd)
        self.pos = 0  # positions filled, the same in every layer; the model advances it after its last layer

    def update(self, layer: int, k: torch.Tensor, v: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Store k, v (B, nkv, T, hd) at positions pos..pos+T of `layer`; returns the layer's keys and values up to
        there, (B, nkv, pos + T, hd) each."""
        B, nkv, T, hd = k.shape
        if self.pos + T > self.max_len:
            raise ValueError(f"the cache holds {self.max_len} positions; {self.pos} + {T} do not fit")
        if self.k is None:
            shape = (self.n_layer, B, nkv, self.max_len, hd)
            self.k = torch.empty(shape, dtype=k.dtype, device=k.device)
            self.v = torch.empty(shape, dtype=v.dtype, device=v.device)
        end = self.pos + T
        self.k[layer, :, :, self.pos : end] = k
        self.v[layer, :, :, self.pos : end] = v
        return self.k[layer, :, :, :end], self.v[layer, :, :, :end]
