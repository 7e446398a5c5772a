"""The compact model and everything that trains or serves it; imports torch, never datatrove (CI checks it).

model.py       the Llama-style decoder: ModelConfig, presets, GPT.forward(idx, targets)
settings.py    TrainConfig and the typed overrides of a run (`--set` and a pipeline's pretrain stage)
data.py        the token shard loader: EOS packing, rank x worker split, resumable position
checkpoint.py  a run's checkpoint written atomically and read back
pretrain.py    the training loop, top to bottom (`fonderie train`, `torchrun -m fonderie train`)
generate.py    sampling from a run; export.py: a Hugging Face Llama checkpoint from a run
"""
