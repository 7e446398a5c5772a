from __future__ import annotations

import json


def register(sub) -> None:
    p = sub.add_parser(
        "status",
        help="per-stage funnel of a run: read, kept, dropped by reason, bytes, time",
        description="Print the funnel of every stage of an output directory.",
    )
    p.add_argument("output_dir", help="the pipeline's `output` directory")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    p.set_defaults(func=main)


def main(args) -> int:
    from fonderie.pipeline.stats import pipeline_status

    status = pipeline_status(args.output_dir)
    if args.json:
        print(json.dumps(status, indent=2))
        return 0
    from humanize import naturalsize
    from rich.console import Console
    from rich.table import Table

    table = Table("stage", "tasks", "read", "kept", "dropped", "in", "out", "seconds")
    for s in status["stages"]:
        tasks = f"{s['tasks_completed']}/{s['tasks']}" if s["tasks"] else str(s["tasks_completed"])
        dropped = sum(s["dropped"].values())
        counts = [f"{s['read']:,}", f"{s['kept']:,}", f"{dropped:,}", naturalsize(s["bytes_in"]),
                  naturalsize(s["bytes_out"])] if s["documents"] else ["–"] * 5  # a model stage  # fmt: skip
        table.add_row(s["folder"], tasks, *counts, f"{s['seconds']:,.1f}")
    console = Console()
    console.print(table)
    for s in status["stages"]:
        if s["dropped"]:
            reasons = ", ".join(f"{n:,} {r}" for r, n in s["dropped"].items())
            # one line per stage however many reasons: rich would break it at the console width (80 in a pipe),
            # between a count and its reason; the terminal wraps it instead, and `grep` gets the whole line
            console.print(f"{s['folder']} dropped: {reasons}", soft_wrap=True)
        languages = sorted(k.removeprefix("fertility_") for k in s.get("measures", {}) if k.startswith("fertility_"))
        if languages:
            from fonderie.tokens.train import MIN_HELDOUT_DOCUMENTS

            m = s["measures"]
            parts = []
            for lang in languages:
                figure = f"{lang} {m[f'fertility_{lang}']:.2f} ({m.get(f'bytes_per_token_{lang}', 0):.2f} bytes/token"
                held = m.get(f"heldout_documents_{lang}")
                if held is not None and held < MIN_HELDOUT_DOCUMENTS:  # one author's style more than the language's
                    figure += f"; {int(held)} documents: too few to trust"
                parts.append(figure + ")")
            figures = ", ".join(parts)
            console.print(f"{s['folder']} tokens per word on held-back text: {figures}")
        if "val_bpb" in s.get("measures", {}):
            m = s["measures"]
            console.print(
                f"{s['folder']} validation: {m['val_bpb']:.3f} bits per byte (loss {m.get('val_loss', 0):.3f}), "
                f"{m.get('tokens_per_second', 0):,.0f} tokens/s"
            )
        if s["read"] != s["kept"] + sum(s["dropped"].values()) and s["tasks_completed"] == s["tasks"]:
            console.print(f"[red]{s['folder']}: read != kept + dropped; please report this as a bug[/]")
    return 0
