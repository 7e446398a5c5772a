from __future__ import annotations

import hashlib
import json

from datatrove.data import DocumentsPipeline
from datatrove.io import DataFolderLike, get_datafolder
from datatrove.pipeline.base import PipelineStep
from datatrove.utils.logging import logger

from fonderie.tokens import EOS
from fonderie.tokens.files import MANIFEST_FILE, PARTS_DIR, TMP_SUFFIX, TOKENIZER_DIR, TOKENIZER_FILES


class ManifestWriter(PipelineStep):
    """The last phase of the tokenize stage (1 task): `tokens/manifest.json`, written once every shard exists.

    Reads the `.parts/*.json` that the shard-writing tasks left (refusing to go on if one is missing or if they
    used different tokenizers), copies the tokenizer files into `tokens/tokenizer/` so the folder decodes on its
    own, checks the copy's sha256 against the fingerprint the tasks encoded with, and writes the manifest
    (fonderie.tokens.manifest) `.tmp` then renamed: a reader that finds `manifest.json` finds every shard. Then it
    deletes the shuffle buckets, if any.
    Input: nothing (documents given are passed through).
    Output: the same documents.
    Drops: none.
    Metadata added: none. Counts `shards`, `documents` and `tokens` of the manifest.

    Args:
        output_folder: the token folder
        tokenizer: the folder of the tokenizer the tasks used (tokenizer.json and, when present, the transformers
            files are copied)
        parts: how many `.parts/*.json` the tasks must have written (tasks of the phase that wrote the shards)
        settings: what the shards depend on, recorded in the manifest (val_fraction, shuffle_seed, ...)
        cleanup: a scratch folder to delete once the manifest is written (the shuffle buckets)
    """

    name = "📒 Token manifest"
    type = "🔢 - TOKENIZER"

    def __init__(
        self,
        output_folder: DataFolderLike,
        tokenizer: str,
        parts: int,
        settings: dict | None = None,
        cleanup: DataFolderLike | None = None,
    ):
        super().__init__()
        if parts < 1:
            raise ValueError(f"parts={parts!r} must be >= 1")
        self.output_folder = get_datafolder(output_folder)
        self.tokenizer = get_datafolder(tokenizer)
        self.parts = parts
        self.settings = dict(settings or {})
        self.cleanup = get_datafolder(cleanup) if cleanup is not None else None

    def _read_parts(self) -> list[dict]:
        names = self.output_folder.list_files(PARTS_DIR, glob_pattern="*.json", recursive=False)
        parts = []
        for name in names:
            with self.output_folder.open(name, "r") as f:
                parts.append(json.load(f))
        missing = sorted(set(range(self.parts)) - {p["rank"] for p in parts})
        if missing:
            raise RuntimeError(f"{self.output_folder.path}: no {PARTS_DIR}/ record of task(s) {missing}; rerun them")
        return parts

    def _copy_tokenizer(self) -> dict:
        """Copies the tokenizer files; returns the manifest's `tokenizer` entry."""
        copy = get_datafolder(self.output_folder.resolve_paths(TOKENIZER_DIR))
        sha256 = None
        for name in TOKENIZER_FILES:
            if not self.tokenizer.isfile(name):
                if name == "tokenizer.json":
                    raise FileNotFoundError(f"{self.tokenizer.path}: no tokenizer.json")
                continue
            with self.tokenizer.open(name, "rb") as f:
                data = f.read()
            if name == "tokenizer.json":
                sha256 = hashlib.sha256(data).hexdigest()
                spec = json.loads(data)
            with copy.open(name + TMP_SUFFIX, "wb") as f:
                f.write(data)
            copy.mv(name + TMP_SUFFIX, name)
        vocab = {t["content"]: t["id"] for t in spec.get("added_tokens", [])} | spec["model"]["vocab"]
        return {
            "sha256": sha256,
            "file": f"{TOKENIZER_DIR}/tokenizer.json",
            "vocab_size": max(vocab.values()) + 1,
            "eos_token": EOS,
            "eos_id": vocab.get(EOS),
            "source": self.tokenizer.path,
        }

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        from fonderie.tokens.manifest import build_manifest

        if data:
            yield from data
        if rank != 0:
            return
        with self.track_time():
            parts = self._read_parts()
            manifest = build_manifest(parts, self._copy_tokenizer(), self.settings)
            with self.output_folder.open(MANIFEST_FILE + TMP_SUFFIX, "w") as f:
                json.dump(manifest, f, indent=1, ensure_ascii=False)
            self.output_folder.mv(MANIFEST_FILE + TMP_SUFFIX, MANIFEST_FILE)
            if self.cleanup is not None and self.cleanup.exists(""):
                self.cleanup.rm("", recursive=True)
        totals = manifest["totals"]
        self.stat_update("shards", value=totals["shards"])
        self.stat_update("documents", value=totals["documents"])
        self.stat_update("tokens", value=totals["tokens"])
        logger.info(
            f"manifest: {totals['shards']} shards, {totals['documents']:,} documents, {totals['tokens']:,} tokens"
        )
