"""What one training run is told: `TrainConfig` (the loop) and `RunSettings` (the fields a user set, typed).

A user sets fields by name, whichever config holds them: `fonderie train --set max_steps=2000 --set n_layer=6`, or
a pipeline's pretrain stage (`max_steps: 200`, `set: {n_layer: 6}`). Both become one `RunSettings`: each name
checked against `TrainConfig` and `ModelConfig` (a typo is refused with the names it may have meant), each value
checked against the field's type. The trainer receives that object, never `key=value` strings; the strings of
`--set` are read by the package's one override parser (`fonderie.config.overrides`).
"""

from __future__ import annotations

import typing
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

from fonderie.config.overrides import parse_override
from fonderie.config.suggest import did_you_mean
from fonderie.errors import ConfigError
from fonderie.training.model import ModelConfig, config_from_preset


@dataclass(frozen=True)
class TrainConfig:
    preset: str = "tiny"  # model size, a key of model.PRESETS; model fields can be overridden with --set too
    batch_size: int = 8  # sequences per micro-batch per rank
    grad_accum: int = 1  # micro-batches per optimizer step: global batch = batch_size * grad_accum * world_size
    max_steps: int = 1000  # optimizer steps of the whole run (the cosine schedule ends there)
    run_steps: int = 0  # stop this invocation after this many steps (0: at max_steps); for time-limited jobs
    learning_rate: float = 1e-3  # peak, after warmup
    min_lr_ratio: float = 0.1  # the cosine decays to learning_rate * this (Chinchilla decays 10x)
    warmup_steps: int = 100  # linear warmup from 0 (nanoGPT); < max_steps (unset: a tenth of a shorter run)
    weight_decay: float = 0.1  # on matrices only (model.configure_optimizers)
    beta1: float = 0.9
    beta2: float = 0.95  # 0.95 rather than 0.999: steadier with large batches (GPT-3, Llama)
    grad_clip: float = 1.0  # global gradient norm; 0 disables
    eval_every: int = 100  # steps between evaluations on the val split (and at the last step)
    eval_batches: int = 20  # micro-batches per rank per evaluation, 0: the whole val split
    log_every: int = 10  # steps between metrics lines
    checkpoint_every: int = 500  # steps between checkpoints (and at the last step)
    seed: int = 1337  # weights init and data order
    num_workers: int = 0  # DataLoader workers per rank reading shards (0: in the training process)
    compile: bool = False  # torch.compile the model (slow to start; worth it on GPU for long runs)
    device: str = "auto"  # auto | cpu | cuda
    threads: int = 0  # torch CPU threads (0: torch's default, every core); 1 where other work shares the cores

    def __post_init__(self):
        positive = ("batch_size", "grad_accum", "max_steps", "eval_every", "log_every", "checkpoint_every")
        for name in positive:
            if getattr(self, name) < 1:
                raise ConfigError(f"{name}={getattr(self, name)} must be at least 1")
        for name in ("run_steps", "warmup_steps", "eval_batches", "num_workers", "threads"):
            if getattr(self, name) < 0:
                raise ConfigError(f"{name}={getattr(self, name)} must be 0 or more")
        if self.learning_rate <= 0:
            raise ConfigError(f"learning_rate={self.learning_rate} must be positive")
        if self.warmup_steps >= self.max_steps:  # lr_at would never leave the warmup: no decay, no end of schedule
            raise ConfigError(f"warmup_steps={self.warmup_steps} must be less than max_steps={self.max_steps}")
        if self.device not in ("auto", "cpu", "cuda"):
            raise ConfigError(f"device={self.device!r}: expected auto, cpu or cuda")


# the fields that set the learning-rate curve: a resumed run that changes one no longer follows its own curve
SCHEDULE_FIELDS = ("max_steps", "warmup_steps", "learning_rate", "min_lr_ratio")
WARMUP_SHARE = 10  # the default warmup, when it does not fit a short run, becomes max_steps // WARMUP_SHARE

TRAIN_FIELDS = {f.name for f in fields(TrainConfig)}
MODEL_FIELDS = {f.name for f in fields(ModelConfig)}


def _typed(name: str, value: Any, kind: type) -> Any:
    """value as the field's type: an int is a float too, `3e-3` (a string to YAML 1.1) a float; nothing else is
    converted (`max_steps=1.5` is a mistake, not 1)."""
    if kind is float and isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            pass
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, kind) and not (kind is int and isinstance(value, bool)):
        return value
    raise ConfigError(f"{name}={value!r}: expected {kind.__name__}")


_TYPES = {**typing.get_type_hints(ModelConfig), **typing.get_type_hints(TrainConfig)}


@dataclass(frozen=True)
class RunSettings:
    """The TrainConfig and ModelConfig fields set for a run, by name (unset fields keep the preset's or the
    checkpoint's value)."""

    train: dict[str, Any] = field(default_factory=dict)  # TrainConfig fields, typed
    model: dict[str, Any] = field(default_factory=dict)  # ModelConfig fields, typed

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> RunSettings:
        """Fields by name from either config; an unknown name, a value of the wrong type or a model shape that
        cannot be built is a ConfigError naming the field."""
        train, model = {}, {}
        for name, value in values.items():
            if name not in TRAIN_FIELDS | MODEL_FIELDS:
                hint = did_you_mean(name, TRAIN_FIELDS | MODEL_FIELDS)
                raise ConfigError(f"{name}: no such training or model setting; {hint}")
            (train if name in TRAIN_FIELDS else model)[name] = _typed(name, value, _TYPES[name])
        settings = cls(train, model)
        settings.train_config()  # a value out of range, a preset or a shape that does not exist fails now
        settings.model_config()
        return settings

    @classmethod
    def from_overrides(cls, items: list[str]) -> RunSettings:
        """`--set key=value` items (one key each, no dots): the CLI's way in."""
        values = {}
        for item in items:
            path, value = parse_override(item)
            if len(path) != 1:
                raise ConfigError(f"--set {item!r}: a training setting has no dots (max_steps=2000, n_layer=6)")
            values[path[0]] = value
        try:
            return cls.from_mapping(values)
        except ConfigError as e:
            raise ConfigError(f"--set {e}") from None

    def train_config(self, saved: Mapping[str, Any] | None = None) -> TrainConfig:
        """TrainConfig: defaults < `saved` (a resumed run's) < these settings. The default warmup (nobody set
        warmup_steps) is shortened to a tenth of a run too short for it (see `warmup_clamped`); a warmup set
        explicitly that does not fit is refused."""
        values = {**(saved or {}), **self.train}
        if self.warmup_clamped(saved):
            values["warmup_steps"] = values["max_steps"] // WARMUP_SHARE
        return replace(TrainConfig(), **values)

    def warmup_clamped(self, saved: Mapping[str, Any] | None = None) -> str | None:
        """The note to print when the default warmup_steps is too long for max_steps, None when it fits."""
        values = {**(saved or {}), **self.train}
        max_steps = values.get("max_steps", TrainConfig.max_steps)
        if "warmup_steps" in values or TrainConfig.warmup_steps < max_steps:
            return None
        return (f"warmup_steps: the default {TrainConfig.warmup_steps} is not below max_steps={max_steps}; "
                f"warming up over {max_steps // WARMUP_SHARE} step(s) (set warmup_steps to choose)")  # fmt: skip

    def model_config(self, saved: Mapping[str, Any] | None = None, vocab_size: int | None = None) -> ModelConfig:
        """ModelConfig: the preset < the token folder's vocab_size < `saved` (a resumed run's) < these settings."""
        preset = self.train.get("preset", TrainConfig.preset)
        base = {"vocab_size": vocab_size} if vocab_size is not None else {}
        return config_from_preset(preset, **{**base, **(saved or {}), **self.model})
