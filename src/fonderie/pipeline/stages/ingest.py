"""`ingest`: every input of the pipeline into Parquet document shards."""

from __future__ import annotations

import json

from fonderie.config.pipeline import PipelineConfig
from fonderie.config.stages import IngestStage
from fonderie.errors import ConfigError
from fonderie.pipeline.documents import document_schema
from fonderie.pipeline.stages.base import Phase, StagePlan, absolute, document_pipeline, excluded_writer
from fonderie.steps.filters.html_extract import HtmlExtractFilter
from fonderie.steps.readers import READERS


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
    return [phase], schema, inputs
