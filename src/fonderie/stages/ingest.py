"""`ingest`: every input of the pipeline into Parquet document shards."""

from __future__ import annotations

import json

from fonderie.config import IngestStage, PipelineConfig
from fonderie.documents import document_schema
from fonderie.stages.base import Phase, StagePlan, absolute, document_pipeline, excluded_writer
from fonderie.steps.filters.html_extract import HtmlExtractFilter
from fonderie.steps.readers import READERS


def build_ingest(stage: IngestStage, cfg: PipelineConfig, folder: str, tasks: int, previous: StagePlan | None):
    schema = document_schema()
    readers = []
    for inp in cfg.inputs:
        kwargs = {"encoding": inp.encoding} if inp.format == "text" else {}
        reader = READERS[inp.format](
            absolute(inp.path), inp.source, license=inp.license, language=inp.language, text_key=inp.text_key, **kwargs
        )
        readers.append(reader)
    steps = []
    if any(inp.format == "warc" for inp in cfg.inputs):
        extract = HtmlExtractFilter(
            stage.extractor, stage.extraction_timeout, exclusion_writer=excluded_writer(folder, schema, "html")
        )
        steps.append(extract)
    inputs = [json.loads(i.model_dump_json()) | {"path": absolute(i.path)} for i in cfg.inputs]
    phase = Phase("", document_pipeline(folder, readers, steps, schema), tasks, folder)
    return [phase], schema, inputs
