"""`fonderie feedback ask`: N candidate answers per question, from a fonderie run or a local transformers folder.

    fonderie feedback ask feedback/lucie --prompts questions.txt            # one question per line, or JSONL
    fonderie feedback ask feedback/lucie --model runs/lucie-2               # round 2: every question asked again
    fonderie feedback ask feedback/lucie --prompt-ids 12,13                 # the server's questions typed in the page

A question is shown to the model through the project's template (`templated`), the same text for both kinds of
model, and stored with every candidate. Each candidate has its own seed, derived from `--seed`, the prompt's id
and the candidate's index: with a fonderie run, each row of a batch samples from its own generator, so a candidate
is reproduced from its seed alone, whatever it was batched with. transformers' `generate` samples a whole batch from
the global RNG, seeded with the seed of the batch's first candidate (stored in params as `batch_seed`).

Token ids: a prompt is encoded alone (a fonderie run: no BOS, documents were trained without it; a transformers
model: with its tokenizer's special tokens), and a candidate's ids are exactly the ones sampled, up to and
excluding EOS. Tuning does the same: prompt and completion tokenized apart and concatenated (`tuning_ids`), never
the joined text at once, whose BPE merges can cross the boundary (" :" + " Paris" vs " : Paris") and shift the
loss mask by a token, the mismatch TRL users hit when they tokenize prompt + completion together.
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from contextlib import nullcontext
from pathlib import Path

from fonderie.errors import InputError
from fonderie.feedback import store
from fonderie.feedback.project import (
    check_sampling,
    fingerprint,
    model_kind,
    open_project,
    templated,
    write_config,
)

BATCH = 8  # candidates sampled together (of one prompt: same length, no padding)
SEED_BITS = 63  # torch.Generator.manual_seed takes a 64-bit seed; stay positive

__all__ = ["ask", "generate_pending", "templated", "tuning_ids", "candidate_seed", "read_prompts", "load_model"]


def candidate_seed(seed: int, prompt_id: int, index: int) -> int:
    """A seed per candidate, the same on every machine (not Python's salted hash)."""
    digest = hashlib.sha256(f"{seed}/{prompt_id}/{index}".encode()).digest()
    return int.from_bytes(digest[:8], "big") >> (64 - SEED_BITS)


def tuning_ids(model, prompt: str, completion_ids_or_text, template: str) -> list[int]:
    """The token ids tuning trains on: the templated prompt encoded alone, then the completion encoded alone
    (or its stored ids), concatenated. `model` is a loaded model (`load_model`)."""
    completion = completion_ids_or_text
    if isinstance(completion, str):
        completion = model.encode(completion, prompt=False)
    return model.encode(templated(prompt, template), prompt=True) + list(completion)


def read_prompts(path: str | Path) -> list[tuple[str, str | None]]:
    """(question, external id or None) from a text file (one per line, blank lines skipped) or JSONL (`prompt`,
    optional `id`): a file is JSONL when its name ends in .jsonl or its first non-blank line starts with `{`."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such prompts file")
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as e:
        raise InputError(f"{path}: not UTF-8 text ({e.reason} at byte {e.start})") from None
    first = next((line for line in lines if line.strip()), "")
    is_jsonl = path.suffix == ".jsonl" or first.lstrip().startswith("{")
    prompts = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        if not is_jsonl:
            prompts.append((line.strip(), None))
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as e:
            raise InputError(f"{path}:{number}: not JSON ({e.msg})") from None
        if not isinstance(record, dict) or not isinstance(record.get("prompt"), str) or not record["prompt"].strip():
            raise InputError(f"{path}:{number}: expected an object with a non-empty string `prompt`")
        external = record.get("id")
        prompts.append((record["prompt"].strip(), None if external is None else str(external)))
    return prompts


# ---------------------------------------------------------------------------------------------------------------------
# Models: encode, decode, sample(prompt ids, seeds, sampling) -> one list of ids per seed


class FonderieModel:
    def __init__(self, path: Path, device: str):
        from fonderie.tokens import EOS
        from fonderie.training.checkpoint import load_run
        from fonderie.training.generate import load_tokenizer

        self.model, _ = load_run(path, device)
        self.tokenizer = load_tokenizer(path)
        self.eos = self.tokenizer.token_to_id(EOS)
        self.device = device

    def encode(self, text: str, prompt: bool = True) -> list[int]:
        return self.tokenizer.encode(text).ids  # no BOS either way: documents were trained without it

    def decode(self, ids: list[int]) -> str:
        return self.tokenizer.decode(ids, skip_special_tokens=True)

    def sample(self, ids: list[int], seeds: list[int], sampling: dict) -> list[list[int]]:
        import torch

        idx = torch.tensor([ids] * len(seeds), dtype=torch.long, device=self.device)  # (k, T)
        generators = [torch.Generator(device=self.device).manual_seed(s) for s in seeds]
        out = self.model.generate(idx, sampling["max_new_tokens"], temperature=sampling["temperature"],
                                  top_k=sampling["top_k"] or None, top_p=sampling["top_p"], eos_id=self.eos,
                                  generator=generators)  # fmt: skip
        return [cut(row[len(ids) :], {self.eos}) for row in out.tolist()]


class TransformersModel:
    def __init__(self, path: Path, device: str):
        import transformers

        self.tokenizer = transformers.AutoTokenizer.from_pretrained(path, local_files_only=True)
        self.model = transformers.AutoModelForCausalLM.from_pretrained(path, local_files_only=True).to(device).eval()
        eos = self.model.generation_config.eos_token_id
        eos = eos if eos is not None else self.tokenizer.eos_token_id
        self.eos = set(eos) if isinstance(eos, list) else ({eos} if eos is not None else set())
        self.device = device

    def encode(self, text: str, prompt: bool = True) -> list[int]:
        # the model's own special tokens (a BOS for most) before a prompt; none inside a completion
        return self.tokenizer(text, add_special_tokens=prompt).input_ids

    def decode(self, ids: list[int]) -> str:
        return self.tokenizer.decode(ids, skip_special_tokens=True)

    def sample(self, ids: list[int], seeds: list[int], sampling: dict) -> list[list[int]]:
        import torch

        idx = torch.tensor([ids] * len(seeds), dtype=torch.long, device=self.device)  # (k, T)
        greedy = sampling["temperature"] <= 0
        options = {} if greedy else dict(temperature=sampling["temperature"], top_p=sampling["top_p"],
                                         top_k=sampling["top_k"])  # fmt: skip
        pad = self.tokenizer.pad_token_id if self.tokenizer.pad_token_id is not None else min(self.eos, default=0)
        with torch.random.fork_rng(devices=[]), torch.no_grad():  # the caller's RNG state is left as it was
            torch.manual_seed(seeds[0])
            out = self.model.generate(idx, attention_mask=torch.ones_like(idx), do_sample=not greedy,
                                      max_new_tokens=sampling["max_new_tokens"], pad_token_id=pad,
                                      **options)  # fmt: skip
        return [cut(row[len(ids) :], self.eos) for row in out.tolist()]


def cut(row: list[int], eos: set[int]) -> list[int]:
    """A sampled row up to its first EOS (excluded): what follows is another document, or padding."""
    for i, t in enumerate(row):
        if t in eos:
            return row[:i]
    return row


def load_model(path: str | Path, kind: str | None = None, device: str | None = None):
    path = Path(path)
    kind = kind or model_kind(path)
    if device is None:
        import torch

        device = "cuda" if torch.cuda.is_available() else "cpu"
    return FonderieModel(path, device) if kind == "fonderie" else TransformersModel(path, device)


# ---------------------------------------------------------------------------------------------------------------------
# ask


def ask(project_dir: str | Path, prompts_file: str | Path | None = None, model: str | Path | None = None,
        seed: int = 0, sampling: dict | None = None, prompt_ids: list[int] | None = None) -> dict:  # fmt: skip
    """Add the questions of `prompts_file` (those already in the project are not added again), start the next
    round if `model` is not the current round's, then generate for every question without candidates in the
    current round (or only `prompt_ids`). Returns the counts."""
    start = time.time()
    project = open_project(project_dir, check_model=model is None)
    prompts = read_prompts(prompts_file) if prompts_file is not None else []
    sampling = check_sampling(sampling, project.config["sampling"])
    db = project.connect()
    try:
        round_id, round_model = current_round(db)
        if model is not None:
            path = Path(model).expanduser().resolve()
            if str(path) != round_model:
                kind = model_kind(path)
                round_id = store.add_round(db, str(path), fingerprint(path, kind), project.config["template"])
                write_config(project.dir, {**project.config, "model": str(path), "model_kind": kind})
        added, file_ids = 0, []
        for text, external in prompts:
            found = existing_prompt(db, text, external)
            if found is None:
                found = store.add_prompt(db, round_id, text, external_id=external, source="ask")
                added += 1
            file_ids.append(found)
    finally:
        db.close()
    ids = prompt_ids
    if ids is None and prompts_file is not None and model is None:
        ids = file_ids  # a file's questions only; a new round (--model) asks every question again
    counts = generate_pending(project.dir, prompt_ids=ids, seed=seed, sampling=sampling)
    return {"prompts_added": added, **counts, "seconds": round(time.time() - start, 3)}


def current_round(db) -> tuple[int, str]:
    row = db.execute("SELECT id, model FROM rounds ORDER BY id DESC LIMIT 1").fetchone()
    if row is None:
        raise InputError("the feedback store has no round (was it created by fonderie feedback init?)")
    return row["id"], row["model"]


def existing_prompt(db, text: str, external: str | None) -> int | None:
    if external is not None:
        row = db.execute("SELECT id FROM prompts WHERE external_id = ? ORDER BY id LIMIT 1", (external,)).fetchone()
    else:
        row = db.execute("SELECT id FROM prompts WHERE text = ? ORDER BY id LIMIT 1", (text,)).fetchone()
    return row["id"] if row else None


def generate_pending(project_dir: str | Path, prompt_ids: list[int] | None = None, seed: int = 0,
                     sampling: dict | None = None) -> dict:  # fmt: skip
    """Candidates, in the current round, for the project's questions that have none in it yet (or only for
    `prompt_ids`; an unknown id is an InputError). The server runs this in a subprocess (`ask --prompt-ids`), so
    its own process never imports torch. Returns prompts_generated, candidates, duplicates, skipped, round."""
    project = open_project(project_dir)
    sampling = check_sampling(sampling, project.config["sampling"])
    template = project.config["template"]
    db = project.connect()
    try:
        round_id, round_model = current_round(db)
        fp = db.execute("SELECT model_fingerprint FROM rounds WHERE id = ?", (round_id,)).fetchone()[0]
        rows = db.execute("SELECT id, text FROM prompts ORDER BY id").fetchall()
        texts = {r["id"]: r["text"] for r in rows}
        if prompt_ids is not None:
            unknown = [i for i in prompt_ids if i not in texts]
            if unknown:
                raise InputError(f"{project.store}: no prompt with id {', '.join(map(str, unknown))}")
        wanted = list(dict.fromkeys(prompt_ids if prompt_ids is not None else texts))  # in order, once each
        done = {r[0] for r in db.execute("SELECT DISTINCT prompt_id FROM candidates WHERE round = ?", (round_id,))}
        todo = [i for i in wanted if i not in done]
        counts = {"prompts_generated": 0, "candidates": 0, "duplicates": 0, "skipped": len(wanted) - len(todo),
                  "round": round_id}  # fmt: skip
        if not todo:
            return counts
        llm = load_model(round_model, project.config["model_kind"] if round_model == project.config["model"]
                         else None)  # fmt: skip
        with progress(len(todo) * sampling["n"]) as advance:
            for prompt_id in todo:
                text = templated(texts[prompt_id], template)
                ids = llm.encode(text, prompt=True)
                if not ids:
                    raise InputError(f"prompt {prompt_id}: the templated question encodes to no token")
                candidates, common = [], {"templated_prompt": text, "model_fingerprint": fp}
                n = sampling["n"]
                for first in range(0, n, BATCH):
                    seeds = [candidate_seed(seed, prompt_id, i) for i in range(first, min(first + BATCH, n))]
                    candidates += sample_batch(llm, ids, seeds, sampling, common)
                    advance(len(seeds))
                cids = store.add_candidates(db, prompt_id, round_id, candidates)
                counts["prompts_generated"] += 1
                counts["candidates"] += len(cids)
                counts["duplicates"] += db.execute(
                    f"SELECT COUNT(*) FROM candidates WHERE duplicate_of IS NOT NULL AND id IN "
                    f"({', '.join('?' * len(cids))})", cids).fetchone()[0]  # fmt: skip
        return counts
    finally:
        db.close()


def sample_batch(llm, ids: list[int], seeds: list[int], sampling: dict, common: dict) -> list[dict]:
    """Candidate rows (store.add_candidates) for one batch of seeds after the prompt's token ids."""
    params = {k: sampling[k] for k in ("temperature", "top_p", "top_k", "max_new_tokens")}
    if isinstance(llm, TransformersModel):
        params["batch_seed"] = seeds[0]  # its generate seeds the batch, not each row (module docstring)
    t0 = time.time()
    outs = llm.sample(ids, seeds, sampling)
    seconds = round((time.time() - t0) / len(seeds), 4)  # a batch's time, shared by its rows
    return [{"text": llm.decode(out), **common, "params": params, "seed": s, "token_ids": out, "seconds": seconds}
            for s, out in zip(seeds, outs, strict=True)]  # fmt: skip


def progress(total: int):
    """A rich progress bar on a terminal, nothing elsewhere (logs, the server's subprocess); yields advance(k)."""
    if not sys.stderr.isatty():
        return nullcontext(lambda k: None)
    from contextlib import contextmanager

    from rich.progress import Progress

    @contextmanager
    def bar():
        with Progress(transient=True) as p:
            task = p.add_task("candidates", total=total)
            yield lambda k: p.advance(task, k)

    return bar()
