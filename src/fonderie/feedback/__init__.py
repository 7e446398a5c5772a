"""Human feedback on a model, collected and kept: operators ask, the model answers N times, operators say yes/no,
pick the best, or correct an answer; every decision is an event in an append-only SQLite store.

    store.py      the database: rounds, prompts, candidates, append-only events (WAL, BEGIN IMMEDIATE)
    project.py    a project folder: project.yaml (model, prompt template, sampling defaults) + feedback.sqlite
    generate.py   candidates from a fonderie run (KV cache) or a local transformers folder
    server.py     the annotation page (Starlette + Jinja, assets served from the package)
    export.py     SFT / DPO / KTO / events Parquet out, TRL and HH-RLHF in; stats.py: rates and agreement

Imports neither torch nor datatrove at module level: the server's request path never loads torch.
"""
