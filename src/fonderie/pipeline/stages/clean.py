"""`clean`: Unicode repair -> books marked -> page furniture -> language ID -> long s -> quality filters, on the
previous stage's shards.

The order matters: page furniture is found on repaired text (form feeds kept by the repair) and marks the
documents it finds pages in as books, as the inputs' `kind: book` does; the long-s repair and the quality filters
pick their word lists and stop words by the `language` that language ID just wrote, and judge books by their
paragraphs; the OCR-quality filter reads the text after its long s was repaired.
"""

from __future__ import annotations

import pyarrow as pa

from fonderie.config.pipeline import PipelineConfig
from fonderie.config.stages import CleanStage
from fonderie.config.suggest import check_names
from fonderie.errors import ConfigError
from fonderie.pipeline.stages.base import (
    Phase,
    StagePlan,
    document_pipeline,
    excluded_writer,
    previous_shards,
    with_columns,
)
from fonderie.steps.filters.c4_quality import MultilingualC4QualityFilter
from fonderie.steps.filters.fineweb_quality import MultilingualFineWebQualityFilter
from fonderie.steps.filters.gopher_quality import MultilingualGopherQualityFilter
from fonderie.steps.filters.gopher_repetition import MultilingualGopherRepetitionFilter
from fonderie.steps.filters.language import FastTextLanguageFilter
from fonderie.steps.filters.ocr_quality import OcrQualityFilter
from fonderie.steps.formatters.book_marker import BookMarker
from fonderie.steps.formatters.long_s_repair import LongSRepairFormatter
from fonderie.steps.formatters.page_furniture import PageFurnitureFormatter
from fonderie.steps.formatters.unicode_repair import UnicodeRepairFormatter

LANGUAGE_SHARES = pa.list_(pa.struct([("language", pa.string()), ("share", pa.float64())]))
REMOVED_SPANS = pa.list_(pa.struct([("line", pa.int64()), ("reason", pa.string()), ("text", pa.string())]))
# clearest and cheapest first: unreadable OCR drops as ocr_unreadable (books only) rather than as too-short words,
# a tiny document as gopher_short_doc before anything counts its n-grams
QUALITY_FILTERS = {
    "ocr": OcrQualityFilter,  # books only
    "gopher_quality": MultilingualGopherQualityFilter,
    "gopher_repetition": MultilingualGopherRepetitionFilter,
    "c4": MultilingualC4QualityFilter,
    "fineweb": MultilingualFineWebQualityFilter,
}


def _build(where: str, cls, **kwargs):
    """A step from user settings; a wrong threshold name or value becomes a config error naming the key."""
    try:
        return cls(**kwargs)
    except (TypeError, ValueError) as e:
        raise ConfigError(f"{where}: {e}") from None


def build_clean(stage: CleanStage, cfg: PipelineConfig, folder: str, tasks: int, previous: StagePlan | None):
    columns = []
    if stage.page_furniture.enabled and stage.page_furniture.record_spans:
        columns.append(("removed_spans", REMOVED_SPANS))
    if stage.language.enabled:
        columns.append(("language_score", pa.float64()))
        if stage.language.paragraph_shares:
            columns.append(("language_shares", LANGUAGE_SHARES))
    if stage.long_s:
        columns.append(("long_s_repairs", pa.int64()))
    schema = with_columns(previous.schema, columns)
    where = f"stages.{stage.stage_name}"

    steps = []
    if stage.unicode:
        steps.append(UnicodeRepairFormatter())
    books = [inp.source for inp in cfg.inputs if inp.kind == "book"]
    web = [inp.source for inp in cfg.inputs if inp.kind == "web"]
    if books or web:
        steps.append(BookMarker(book_sources=books, web_sources=web))
    if stage.page_furniture.enabled:
        pf = stage.page_furniture
        steps.append(_build(f"{where}.page_furniture", PageFurnitureFormatter, record_spans=pf.record_spans,
                            sources=pf.sources, inline_heads=pf.inline_heads, join_hyphens=pf.join_hyphens,
                            languages=tuple(pf.languages)))  # fmt: skip
    if stage.language.enabled:
        lang = stage.language
        kwargs = {"min_score": lang.min_score} if lang.min_score is not None else {}
        writer = excluded_writer(folder, schema, "language")
        steps.append(
            _build(f"{where}.language", FastTextLanguageFilter, languages=lang.languages,
                   paragraph_shares=lang.paragraph_shares, exclusion_writer=writer, **kwargs)
        )  # fmt: skip
    if stage.long_s:
        steps.append(_build(f"{where}.long_s", LongSRepairFormatter,
                            default_language=stage.quality.default_language))  # fmt: skip
    for key, cls in QUALITY_FILTERS.items():
        setting = getattr(stage.quality, key)
        if setting is False:
            continue
        kwargs = setting if isinstance(setting, dict) else {}
        check_names(f"{where}.quality.{key}", kwargs, cls, "threshold")  # a typo lists the valid names
        if key in ("gopher_quality", "ocr"):
            kwargs = {"default_language": stage.quality.default_language} | kwargs
        writer = excluded_writer(folder, schema, key)
        steps.append(_build(f"{where}.quality.{key}", cls, exclusion_writer=writer, **kwargs))
    phase = Phase("", document_pipeline(folder, previous_shards(previous), steps, schema), tasks, folder)
    return [phase], schema, previous.dirname
