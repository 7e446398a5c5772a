"""`ingest`: every input of the pipeline into Parquet document shards.

While the stage is planned (a run, a `--dry-run`), each local input is checked before any task starts, so a
mistake in the pipeline file is one line, not a traceback in a task log nor a run that reads nothing:
    - its path must name at least one file: `inputs.web.path: 'crawl/*.warc.gz' matches no file` (also a path
      that does not exist, or a folder with no file in it);
    - its files must be the declared format: up to SNIFF_FILES of them, spread over the sorted list, are sniffed
      (`steps/readers/sniff.py`), and when none of them is, the stage is refused naming the first file and what it
      looks like: `inputs.web.format: '/data/crawl.warc.gz' looks like gzip-compressed warc, not jsonl`.
An input where only some files look wrong is not refused: its reader drops each of those as one `wrong_format`
record and logs its name (one stray README must not stop a crawl of thousands of files). URLs (`s3://...`) are
not listed here (that may need credentials only the tasks have); their readers still sniff every file. A
finished ingest is not checked: it does not read its inputs again, which may since have moved.
"""

from __future__ import annotations

import json
import os
from glob import has_magic

from fsspec.implementations.local import LocalFileSystem

from fonderie.config.pipeline import InputConfig, PipelineConfig
from fonderie.config.stages import IngestStage
from fonderie.errors import ConfigError
from fonderie.pipeline.documents import document_schema
from fonderie.pipeline.stages.base import Phase, StagePlan, absolute, document_pipeline, excluded_writer
from fonderie.steps.filters.html_extract import HtmlExtractFilter
from fonderie.steps.readers import READERS
from fonderie.steps.readers.input_base import InputDocumentReader

# files sniffed per input at plan time: enough that a folder of the wrong files is caught, few enough that a crawl
# of 80,000 WARCs on a parallel file system costs a listing and a few opens, not a pass over every file
SNIFF_FILES = 8


def check_input(inp: InputConfig, reader: InputDocumentReader) -> None:
    """ConfigError when a local input names no file, or when none of its sniffed files is the declared format."""
    if not isinstance(reader.data_folder.fs, LocalFileSystem):
        return
    files = reader.input_files()
    where = f"inputs.{inp.source}"
    if not files:
        path = absolute(inp.path)
        if any(has_magic(part) for part in inp.path.split("/")):
            problem = "matches no file"
        elif not os.path.exists(path):
            problem = "does not exist"
        else:
            problem = "is a folder with no file in it"
        # the shipped pipelines name data a clone does not have: say how to point one at one's own files
        hint = f"; point it at your files with --set '{where}.path=/my/files/*'"
        raise ConfigError(f"{where}.path: {inp.path!r} {problem}{hint}")
    step = max(1, len(files) // SNIFF_FILES)
    sample = files[::step][:SNIFF_FILES]
    looks = [reader.format_mismatch(f) for f in sample]
    if all(looks):
        first = reader.data_folder.resolve_paths(sample[0])
        others = f"; so do all {len(sample)} of its files sniffed" if len(sample) > 1 else ""
        fix = f"; set `format: {looks[0].kind}`?" if looks[0].kind in READERS and looks[0].kind != inp.format else ""
        raise ConfigError(f"{where}.format: {first!r} {reader.mismatch(looks[0], sample[0])}{others}{fix}")


def build_ingest(stage: IngestStage, cfg: PipelineConfig, folder: str, tasks: int, previous: StagePlan | None):
    schema = document_schema()
    readers = []
    for inp in cfg.inputs:
        if inp.format == "text":
            kwargs = {"encoding": inp.encoding, "slice": inp.slice, "chunk_chars": inp.chunk_chars}
        else:
            kwargs = {}
            # fractions of characters and line-end chunks mean something only for a file that is one text
            for key in ("slice", "chunk_chars"):
                if getattr(inp, key) is not None:
                    raise ConfigError(f"inputs.{inp.source}.{key}: only for `format: text`, not `{inp.format}`")
        reader = READERS[inp.format](
            absolute(inp.path),
            inp.source,
            license=inp.license,
            language=inp.language,
            text_key=inp.text_key,
            split=inp.split,
            **kwargs,
        )
        readers.append(reader)
    steps = []
    if any(inp.format == "warc" for inp in cfg.inputs):
        extract = HtmlExtractFilter(
            stage.extractor, stage.extraction_timeout, exclusion_writer=excluded_writer(folder, schema, "html")
        )
        steps.append(extract)
    # unset newer keys are left out, so outputs written before they existed still resume (same recorded inputs)
    unset = [{k for k in ("slice", "chunk_chars", "split") if getattr(i, k) is None} for i in cfg.inputs]
    inputs = [
        json.loads(i.model_dump_json(exclude=skip)) | {"path": absolute(i.path)}
        for i, skip in zip(cfg.inputs, unset, strict=True)
    ]
    phase = Phase("", document_pipeline(folder, readers, steps, schema), tasks, folder)
    if not phase.is_complete():
        for inp, reader in zip(cfg.inputs, readers, strict=True):
            check_input(inp, reader)
    return [phase], schema, inputs
