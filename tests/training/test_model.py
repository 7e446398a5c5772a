"""The Llama-style model: shapes, causality, preset sizes, grouped-query attention, init, sampling."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from fonderie.errors import ConfigError, InputError  # noqa: E402
from fonderie.training.kv_cache import KVCache  # noqa: E402
from fonderie.training.model import GPT, PRESETS, ModelConfig, config_from_preset  # noqa: E402

# tiny matrices: one torch thread (tests/conftest.py)
pytestmark = pytest.mark.usefixtures("one_torch_thread")


def tiny(**overrides) -> GPT:
    torch.manual_seed(0)
    return GPT(config_from_preset("tiny", vocab_size=97, **overrides))


def test_forward_shapes_and_loss():
    model = tiny()
    idx = torch.randint(0, 97, (3, 16))
    logits, loss = model(idx)
    assert logits.shape == (3, 16, 97) and loss is None
    logits, loss = model(idx, targets=torch.randint(0, 97, (3, 16)))
    assert loss.ndim == 0
    # at init every token is about equally likely: the loss on random targets is close to ln(vocab)
    assert abs(loss.item() - torch.log(torch.tensor(97.0)).item()) < 0.3


def test_ignored_targets_and_sum_reduction():
    model = tiny()
    idx = torch.randint(0, 97, (2, 8))
    targets = idx.clone()
    targets[:, :4] = -1
    _, mean = model(idx, targets)
    _, total = model(idx, targets, reduction="sum")
    assert torch.allclose(total, mean * 8, rtol=1e-5)


def test_causal():
    model = tiny()
    idx = torch.randint(0, 97, (1, 20))
    changed = idx.clone()
    changed[0, 12] = (idx[0, 12] + 1) % 97
    before, _ = model(idx)
    after, _ = model(changed)
    assert torch.allclose(before[:, :12], after[:, :12], atol=1e-6)
    assert not torch.allclose(before[:, 12:], after[:, 12:])


def test_block_size_enforced():
    model = tiny()
    with pytest.raises(InputError, match="longer than block_size=64"):
        model(torch.zeros(1, 65, dtype=torch.long))


@pytest.mark.parametrize("name,expected", [("10m", 10e6), ("50m", 50e6), ("125m", 125e6)])
def test_preset_sizes_match_their_names(name, expected):
    with torch.device("meta"):  # no memory, no init time: only the shapes count
        model = GPT(config_from_preset(name))
    n = model.num_params()
    assert abs(n - expected) / expected <= 0.15, f"{name}: {n:,} parameters"


def test_presets_are_valid_and_tied():
    for name in PRESETS:
        with torch.device("meta"):
            model = GPT(config_from_preset(name))
        assert model.lm_head.weight is model.embed_tokens.weight


def test_grouped_query_attention():
    model = tiny()  # tiny: 4 query heads share 2 key/value heads
    attn = model.layers[0].self_attn
    assert attn.k_proj.weight.shape == (2 * 16, 64) and attn.q_proj.weight.shape == (64, 64)
    idx = torch.randint(0, 97, (2, 10))
    logits, _ = model(idx)
    # GQA equals multi-head attention whose k/v heads are the shared ones repeated for their query heads
    mha = GPT(config_from_preset("tiny", vocab_size=97, n_kv_head=4))
    state = model.state_dict()
    for key, value in list(state.items()):
        if key.endswith(("k_proj.weight", "v_proj.weight")):
            state[key] = value.view(2, 16, 64).repeat_interleave(2, dim=0).reshape(64, 64)
    mha.load_state_dict(state)
    assert torch.allclose(mha(idx)[0], logits, atol=1e-5)


def test_bad_configs_rejected():
    with pytest.raises(ConfigError, match="n_head=4 is not a multiple of n_kv_head=3"):
        ModelConfig(n_head=4, n_kv_head=3, n_embd=64)
    with pytest.raises(ConfigError, match="n_embd=64 is not a multiple of n_head=5"):
        ModelConfig(n_head=5, n_kv_head=5, n_embd=64)
    with pytest.raises(ConfigError, match="head dimension must be even"):
        ModelConfig(n_head=4, n_kv_head=4, n_embd=36)
    with pytest.raises(ConfigError, match="no such model preset"):
        config_from_preset("huge")
    with pytest.raises(ConfigError, match="unknown model setting"):
        config_from_preset("tiny", n_layers=3)


def test_residual_projections_scaled_at_init():
    model = GPT(config_from_preset("10m", vocab_size=512))
    std = model.layers[0].mlp.down_proj.weight.std().item()
    assert abs(std - 0.02 / (2 * 4) ** 0.5) < 1e-3
    assert abs(model.layers[0].mlp.up_proj.weight.std().item() - 0.02) < 1e-3


def test_optimizer_groups():
    model = tiny()
    opt = model.configure_optimizers(weight_decay=0.1, learning_rate=1e-3, betas=(0.9, 0.95))
    decay, no_decay = opt.param_groups
    assert decay["weight_decay"] == 0.1 and no_decay["weight_decay"] == 0.0
    assert any(p is model.embed_tokens.weight for p in no_decay["params"])
    n = sum(p.numel() for g in opt.param_groups for p in g["params"])
    assert n == model.num_params()


def test_generate_is_seeded_and_greedy_is_deterministic():
    model = tiny()
    idx = torch.tensor([[1, 2, 3]])
    a = model.generate(idx, 5, temperature=1.0, top_k=10, top_p=0.9, generator=torch.Generator().manual_seed(1))
    b = model.generate(idx, 5, temperature=1.0, top_k=10, top_p=0.9, generator=torch.Generator().manual_seed(1))
    assert a.shape == (1, 8) and torch.equal(a, b)
    greedy = model.generate(idx, 4, temperature=0)
    expected = idx
    for _ in range(4):
        expected = torch.cat((expected, model(expected)[0][:, -1].argmax(-1, keepdim=True)), dim=1)
    assert torch.equal(greedy, expected)


def test_cached_forward_gives_the_full_forward_logits():
    model = tiny().eval()
    idx = torch.randint(0, 97, (2, 20))
    full, _ = model(idx)
    cache = KVCache(model.config.n_layer, model.config.block_size)
    parts = [model(idx[:, :7], cache=cache)[0], model(idx[:, 7:8], cache=cache)[0], model(idx[:, 8:], cache=cache)[0]]
    assert cache.pos == 20
    assert torch.allclose(torch.cat(parts, dim=1), full, atol=1e-5)  # prefill, one token, several after a past
    with pytest.raises(InputError, match="longer than block_size=64"):
        model(torch.zeros(2, 45, dtype=torch.long), cache=cache)


@pytest.mark.parametrize("max_new_tokens", [10, 70])  # 70: past block_size=64, where each step recomputes
def test_greedy_is_the_same_with_and_without_the_cache(max_new_tokens):
    model = tiny().eval()
    idx = torch.randint(0, 97, (3, 6))
    cached = model.generate(idx, max_new_tokens, temperature=0)
    plain = model.generate(idx, max_new_tokens, temperature=0, use_cache=False)
    assert cached.shape == (3, 6 + max_new_tokens) and torch.equal(cached, plain)


def test_a_row_with_its_own_generator_does_not_depend_on_its_batch():
    model = tiny().eval()
    idx = torch.tensor([[1, 2, 3]])

    def sample(seeds):
        gens = [torch.Generator().manual_seed(s) for s in seeds]
        return model.generate(idx.repeat(len(seeds), 1), 8, temperature=1.0, top_k=20, generator=gens)

    alone, batched = sample([5]), sample([7, 5, 9])
    assert torch.equal(alone[0], batched[1])
    assert not torch.equal(batched[0], batched[1])
