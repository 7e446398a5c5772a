"""`fonderie feedback init | ask | serve | export | import | stats`: human feedback on a model, round after round.

A project folder holds project.yaml (the model, the prompt template, sampling defaults) and feedback.sqlite (every
prompt, candidate and operator decision; nothing overwritten). A round is one model: `ask` generates N candidates
per question, `serve` opens the annotation page, `export` writes SFT, DPO and KTO Parquet files for tuning.
"""

from __future__ import annotations

import json


def register(sub) -> None:
    p = sub.add_parser(
        "feedback",
        help="collect human feedback on a model: ask, annotate in a browser, export SFT/DPO/KTO data",
        description=__doc__.split("\n\n")[1],
    )
    cmds = p.add_subparsers(dest="feedback_command", required=True, metavar="SUBCOMMAND")

    init = cmds.add_parser(
        "init", help="create a project folder for a model (a fonderie run or a transformers folder)"
    )
    init.add_argument("dir", help="the project folder to create (new or empty)")
    init.add_argument("--model", required=True, help="a fonderie run folder, or a local transformers causal-LM folder")
    init.add_argument("--template", help="how a question is shown to the model; {prompt} is the question "
                      "(default: 'Question : {prompt}\\nRéponse :')")  # fmt: skip
    _sampling(init)
    init.set_defaults(func=main_init)

    ask = cmds.add_parser("ask", help="generate N candidate answers per question (reruns skip what is done)")
    ask.add_argument("dir", help="a project folder")
    ask.add_argument("--prompts", help="questions: a text file (one per line) or JSONL (`prompt`, optional `id`); "
                     "none: the project's questions that have no candidates in this round yet")  # fmt: skip
    ask.add_argument("--model", help="start the next round with this model (default: the current round's)")
    ask.add_argument("--seed", type=int, default=0, help="the same seed gives the same candidates")
    ask.add_argument("--prompt-ids", type=_ids, help="generate only for these prompt ids (comma-separated), if they "
                     "have no candidates in this round yet (the annotation server's questions)")  # fmt: skip
    _sampling(ask)
    ask.set_defaults(func=main_ask)

    serve = cmds.add_parser("serve", help="the annotation page: yes/no, best of N, corrections, keyboard first")
    serve.add_argument("dir", help="a project folder")
    serve.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (another than loopback needs --token)"
    )
    serve.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    serve.add_argument("--token", help="a shared secret every request must carry (required off loopback)")
    serve.set_defaults(func=main_serve)

    export = cmds.add_parser("export", help="sft.parquet, dpo.parquet, kto.parquet and events.parquet for tuning")
    export.add_argument("dir", help="a project folder")
    export.add_argument("-o", "--output", required=True, help="the folder to write (new, empty, or an earlier export)")
    export.add_argument("--round", type=int, help="only this round")
    export.add_argument("--annotator", help="only this annotator's events")
    export.add_argument("--source", help="only prompts of this source (ask, web, import:hh-rlhf, ...)")
    export.add_argument("--force", action="store_true", help="write into a folder holding other files")
    export.set_defaults(func=main_export)

    imp = cmds.add_parser("import", help="SFT, DPO or KTO Parquet/JSONL, or Anthropic HH-RLHF JSONL, into the store")
    imp.add_argument("dir", help="a project folder")
    imp.add_argument("file", help="a .parquet or .jsonl file")
    imp.add_argument("--format", choices=["sft", "dpo", "kto", "hh-rlhf"], help="default: from the columns")
    imp.set_defaults(func=main_import)

    stats = cmds.add_parser("stats", help="events per kind, round and annotator; yes-rate per round; agreement")
    stats.add_argument("dir", help="a project folder")
    stats.add_argument("--json", action="store_true", help="print one JSON object")
    stats.set_defaults(func=main_stats)


def _ids(value: str) -> list[int]:
    import argparse

    try:
        return [int(v) for v in value.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r}: expected prompt ids separated by commas, e.g. 3,5") from None


def _sampling(p) -> None:
    p.add_argument("--n", type=int, help="candidates per question (project default: 4)")
    p.add_argument("--temperature", type=float, help="sampling temperature (project default: 0.8)")
    p.add_argument("--top-p", type=float, help="nucleus sampling mass (project default: 0.95)")
    p.add_argument("--top-k", type=int, help="sample among the k most likely tokens (project default: 50)")
    p.add_argument("--max-new-tokens", type=int, help="tokens per answer at most (project default: 128)")


def _sampling_args(args) -> dict:
    keys = ("n", "temperature", "top_p", "top_k", "max_new_tokens")
    return {k: getattr(args, k) for k in keys if getattr(args, k) is not None}


def main_init(args) -> int:
    from fonderie.feedback.project import init_project

    project = init_project(args.dir, args.model, template=args.template, sampling=_sampling_args(args))
    print(f"{project.dir}: project for {project.config['model']} (round 1); next: fonderie feedback ask "
          f"{args.dir} --prompts QUESTIONS.txt")  # fmt: skip
    return 0


def main_ask(args) -> int:
    from fonderie.feedback.generate import ask

    counts = ask(args.dir, prompts_file=args.prompts, model=args.model, seed=args.seed,
                 sampling=_sampling_args(args), prompt_ids=args.prompt_ids)  # fmt: skip
    print(json.dumps(counts))
    return 0


def main_serve(args) -> int:
    from fonderie.feedback.server import serve

    serve(args.dir, host=args.host, port=args.port, token=args.token)
    return 0


def main_export(args) -> int:
    from fonderie.feedback.export import export

    counts = export(args.dir, args.output, round_id=args.round, annotator=args.annotator, source=args.source,
                    force=args.force)  # fmt: skip
    print(json.dumps(counts))
    return 0


def main_import(args) -> int:
    from fonderie.feedback.export import import_file

    print(json.dumps(import_file(args.dir, args.file, fmt=args.format)))
    return 0


def main_stats(args) -> int:
    from fonderie.feedback.stats import print_stats, stats

    summary = stats(args.dir)
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        print_stats(summary)
    return 0
