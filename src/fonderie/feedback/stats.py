"""What a project's feedback says: how much there is, whether the model gets better, whether annotators agree.

- events per kind, per round and per annotator (every event, superseded and undone ones included);
- per round, from the decisions in force: the yes-rate of thumbs (round after round, does the model get better?)
  and the mean word-level edit distance of corrections (how much operators had to fix: PRELUDE/CIPHER's measure
  of learning from edits, arXiv 2404.15269);
- agreement between annotators on shared items, raw and Cohen's kappa (scikit-learn's `cohen_kappa_score`):
  thumbs on the same candidate; choices on the same prompt and the same set of candidates (whatever order each
  annotator saw them in), where picking either of two identical candidates is the same choice. With more than two
  annotators, kappa is the mean over the pairs that share items (the report says so and how many pairs), and the
  raw agreement is pooled over every shared item of every pair.

Kappa corrects raw agreement for chance: 0 is chance, 1 full agreement. It is undefined (None) when the two
annotators of a pair used one and the same label on every shared item: chance then explains everything.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from itertools import combinations
from pathlib import Path

from fonderie.feedback import store
from fonderie.feedback.export import Snapshot, open_store


def stats(project_dir: str | Path) -> dict:
    """The summary `fonderie feedback stats` prints; plain JSON types only."""
    db = open_store(project_dir)
    try:
        snap = Snapshot.load(db)
        every = db.execute("SELECT * FROM events ORDER BY id").fetchall()
        current = store.current_events(db)
    finally:
        db.close()
    return {
        "events": len(every),
        "per_kind": dict(Counter(e["kind"] for e in every)),
        "per_annotator": dict(Counter(e["annotator"] for e in every)),
        "rounds": _rounds(every, current, snap),
        "agreement": {
            "thumbs": agreement(_thumbs_labels(current)),
            "choice": agreement(_choice_labels(current, snap)),
        },
    }


def _rounds(every: list, current: list, snap: Snapshot) -> list[dict]:
    from rapidfuzz.distance import Levenshtein

    events = Counter(snap.event_round(e) for e in every)
    yes, thumbs, edits = Counter(), Counter(), defaultdict(list)
    for e in current:
        round_id, payload = snap.event_round(e), json.loads(e["payload"])
        if e["kind"] == "thumbs" and isinstance(payload.get("label"), bool):
            thumbs[round_id] += 1
            yes[round_id] += payload["label"]
        elif e["kind"] == "correction" and isinstance(payload.get("text"), str) and e["candidate_ids"] != "[]":
            original = snap.candidates[json.loads(e["candidate_ids"])[0]]["text"]
            edits[round_id].append(Levenshtein.distance(original.split(), payload["text"].split()))
    return [{"round": r, "model": row["model"], "events": events[r], "thumbs": thumbs[r], "yes": yes[r],
             "yes_rate": yes[r] / thumbs[r] if thumbs[r] else None, "corrections": len(edits[r]),
             "mean_words_edited": sum(edits[r]) / len(edits[r]) if edits[r] else None}
            for r, row in sorted(snap.rounds.items())]  # fmt: skip


def _thumbs_labels(current: list) -> dict[str, dict]:
    labels: dict[str, dict] = defaultdict(dict)
    for e in current:
        payload = json.loads(e["payload"])
        if e["kind"] == "thumbs" and isinstance(payload.get("label"), bool):
            labels[e["annotator"]][json.loads(e["candidate_ids"])[0]] = "yes" if payload["label"] else "no"
    return labels


def _choice_labels(current: list, snap: Snapshot) -> dict[str, dict]:
    def same_answer(candidate_id):
        # two identical candidates of a prompt are one answer: choosing either is the same choice
        candidate = snap.candidates.get(candidate_id)
        return candidate["duplicate_of"] or candidate_id if candidate else candidate_id

    labels: dict[str, dict] = defaultdict(dict)
    for e in current:  # in event order: the latest of an annotator's choices on one set (shown twice) wins
        if e["kind"] != "choice":
            continue
        best = json.loads(e["payload"]).get("best")
        item = (e["prompt_id"], frozenset(json.loads(e["candidate_ids"])))
        labels[e["annotator"]][item] = str(same_answer(best) if isinstance(best, int) else best)
    return labels


def agreement(labels: dict[str, dict]) -> dict:
    """Raw agreement and Cohen's kappa between annotators, from {annotator: {item: label}}; labels are strings."""
    from sklearn.metrics import cohen_kappa_score

    pairs = []
    for a, b in combinations(sorted(labels), 2):
        shared = [item for item in labels[a] if item in labels[b]]
        if not shared:
            continue
        first, second = [labels[a][i] for i in shared], [labels[b][i] for i in shared]
        agreed = sum(x == y for x, y in zip(first, second, strict=True))
        # one label on both sides: expected agreement is 1 and kappa 0/0 (sklearn would warn and return nan)
        kappa = None if len(set(first) | set(second)) == 1 else float(cohen_kappa_score(first, second))
        pairs.append({"annotators": [a, b], "items": len(shared), "agreed": agreed,
                      "agreement": agreed / len(shared), "kappa": kappa})  # fmt: skip
    kappas = [p["kappa"] for p in pairs if p["kappa"] is not None]
    shared_items = sum(p["items"] for p in pairs)
    if len(pairs) > 1:
        method = f"mean of pairwise Cohen's kappa over {len(kappas)} annotator pairs"
    else:
        method = "Cohen's kappa"
    return {"pairs": pairs, "items": shared_items,
            "agreement": sum(p["agreed"] for p in pairs) / shared_items if shared_items else None,
            "kappa": sum(kappas) / len(kappas) if kappas else None, "kappa_method": method}  # fmt: skip


def print_stats(summary: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    def share(x) -> str:
        return "-" if x is None else f"{x:.0%}"

    def number(x) -> str:
        return "-" if x is None else f"{x:.2f}"

    console = Console()
    counts = Table(title=f"{summary['events']} events")
    counts.add_column("by")
    counts.add_column("")
    counts.add_column("events", justify="right")
    for by, key in (("kind", "per_kind"), ("annotator", "per_annotator")):
        for name, n in sorted(summary[key].items()):
            counts.add_row(by, name, str(n))
    console.print(counts)

    rounds = Table(title="rounds (decisions in force): does the model get better?")
    for column in ("round", "model", "events", "thumbs", "yes-rate", "corrections", "words edited (mean)"):
        rounds.add_column(column, justify="left" if column == "model" else "right", overflow="fold")
    for r in summary["rounds"]:
        rounds.add_row(str(r["round"]), r["model"], str(r["events"]), str(r["thumbs"]), share(r["yes_rate"]),
                       str(r["corrections"]), number(r["mean_words_edited"]))  # fmt: skip
    console.print(rounds)

    agree = Table(title="agreement between annotators on shared items")
    for column in ("kind", "annotators", "shared items", "raw agreement", "kappa"):
        agree.add_column(column, justify="left" if column in ("kind", "annotators") else "right")
    for kind, a in summary["agreement"].items():
        if not a["pairs"]:
            agree.add_row(kind, "no item judged by two annotators", "0", "-", "-")
            continue
        for p in a["pairs"]:
            agree.add_row(kind, " / ".join(p["annotators"]), str(p["items"]), share(p["agreement"]),
                          number(p["kappa"]))  # fmt: skip
        if len(a["pairs"]) > 1:
            agree.add_row(kind, "all pairs", str(a["items"]), share(a["agreement"]), number(a["kappa"]))
    console.print(agree)
    methods = {a["kappa_method"] for a in summary["agreement"].values() if len(a["pairs"]) > 1}
    for method in sorted(methods):
        console.print(f"kappa of all pairs: {method}; raw agreement pooled over their shared items")
