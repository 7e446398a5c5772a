"""Typed models of the `stages` of a pipeline file: one pydantic model per stage kind, told apart by `kind`.

Every field has a comment saying what it does; unknown keys are rejected (a typo is an error, not a no-op).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class _Strict(BaseModel):
    # unknown keys are typos until proven otherwise: reject them
    model_config = ConfigDict(extra="forbid")


class _StageBase(_Strict):
    name: str | None = Field(None, pattern=r"^[a-z0-9_]+$")  # folder name `NN_<name>`; defaults to `kind`
    tasks: int | None = Field(None, ge=1)  # overrides executor.tasks for this stage

    @property
    def stage_name(self) -> str:
        return self.name or self.kind  # type: ignore[attr-defined]


class IngestStage(_StageBase):
    """Reads every input into Parquet document shards (the first stage of every pipeline)."""

    kind: Literal["ingest"]
    extractor: Literal["trafilatura", "resiliparse"] = "trafilatura"  # HTML -> text for WARC responses
    # seconds per page (and for the extractor's process to start) before the page is dropped as
    # `html_extraction_timeout`; 10 leaves room for a loaded machine, a page takes ~16 ms with trafilatura
    extraction_timeout: float = Field(10.0, gt=0)


class PageFurnitureSettings(_Strict):
    enabled: bool = True  # remove page numbers, running heads, signature marks; rejoin hyphenated words
    sources: list[str] | None = None  # only documents of these inputs (e.g. [books]); None: every document
    # (text without pages comes back unchanged, but for form feeds and words hyphenated at a line end)
    record_spans: bool = False  # keep each removed line in a `removed_spans` column, for audit
    inline_heads: Literal["auto"] | bool = "auto"  # heads at the start of a long line (OCR pages flattened to one
    # line): "auto" cuts them when pages are form feeds or heads are in capitals; true always; false never
    join_hyphens: bool = True  # rejoin words hyphenated across a line or page break
    languages: list[str] = ["fr", "en"]  # pyspellchecker word lists that vouch for a rejoined word (fr, en, de, es,
    # it, nl, pt, ru, ar, eu, fa, lv); the document's own vocabulary always does


class LanguageSettings(_Strict):
    enabled: bool = True  # fastText lid.176: labels `language` and `language_score` (quality filters use them)
    languages: list[str] = []  # languages kept (lid.176 codes: fr, en, de, ...); empty: keep all, label only
    min_score: float | dict[str, float] | None = None  # None: the calibrated default; or a score per language
    paragraph_shares: bool = False  # per-paragraph language shares in `language_shares` (mixed documents)


# each quality filter: true (defaults), false (off), or a mapping of its thresholds (see the filter's docstring)
QualityFilterSetting = bool | dict[str, Any]


class QualitySettings(_Strict):
    default_language: str = "fr"  # stop words used when a document has no `language`
    gopher_quality: QualityFilterSetting = True  # length, word length, symbols, stop words, capitals, mojibake
    gopher_repetition: QualityFilterSetting = True  # repeated lines, paragraphs and n-grams
    c4: QualityFilterSetting = True  # removes boilerplate lines; drops lorem ipsum, code, too few sentences
    fineweb: QualityFilterSetting = True  # unpunctuated lines, short lines, duplicated characters, list-like
    ocr: QualityFilterSetting = True  # books only: drops unreadable OCR (too few known words, `ocr_unreadable`)


class CleanStage(_StageBase):
    """Unicode repair -> page furniture -> language ID -> long s -> quality filters, on the previous stage's
    documents. Books (an input's `kind: book`, or pages found by page furniture) are judged by their paragraphs."""

    kind: Literal["clean"]
    unicode: bool = True  # ftfy mojibake repair, NFC, control characters removed
    page_furniture: PageFurnitureSettings = PageFurnitureSettings()
    language: LanguageSettings = LanguageSettings()
    long_s: bool = True  # books only: OCR's `{`, `ſ` and dictionary-checked `f` read back as `s` (`long_s_repairs`)
    quality: QualitySettings = QualitySettings()


class DedupStage(_StageBase):
    """Exact then MinHash near-duplicate removal across every input, in phases: signatures, then (exact verification)
    candidates and shingles, then clusters, then filter."""

    kind: Literal["dedup"]
    exact: bool = True  # drop copies whose text is equal after NFKC and whitespace collapsing
    near: bool = True  # drop MinHash near duplicates (word 5-grams)
    num_perm: int = Field(112, ge=1)  # hash values per signature
    bands: int | None = Field(None, ge=1)  # LSH bands (rows = num_perm // bands); default 14 (x 8 rows) or, given
    # `threshold`, datasketch's optimizer weighted for `verify` (exact: recall first, 16 x 7 at 0.8; LSH_WEIGHTS)
    threshold: float | None = Field(None, gt=0, le=1)  # Jaccard at which documents are duplicates; None: the
    # S-curve midpoint of the bands (0.72 for 14 x 8)
    # how candidate pairs are checked against the threshold: "exact" Jaccard of their shingle sets (one more pass
    # over the documents in a pair), the signatures' "estimate" (SD ~0.04 at 112 permutations), or "none"
    verify: Literal["exact", "estimate", "none"] = "exact"
    source_priority: list[str] = []  # in a cluster, documents of these sources are kept first, in this order


class TokenizerStage(_StageBase):
    """Trains a byte-level BPE (HF tokenizers) on a stratified sample of the previous stage's documents (1 task)."""

    kind: Literal["tokenizer"]
    vocab_size: int = Field(32768, ge=512, le=1 << 20)  # tokens, the 256 bytes and special tokens included;
    # <= 65,536 stores ids as uint16
    sample_bytes: int = Field(1_000_000_000, ge=1)  # UTF-8 bytes of text trained on, shared among strata
    balance: float = Field(0.5, ge=0, le=1)  # stratum (source, language) weight = size**balance: 1 as in the
    # corpus, 0 the same for all
    heldout_fraction: float = Field(0.01, ge=0, lt=1)  # documents (by id hash) kept out of training, to measure
    heldout_bytes: int = Field(2_000_000, ge=0)  # held-back text measured per language, at most
    min_frequency: int = Field(2, ge=1)  # a pair seen fewer times is never merged
    extra_special_tokens: list[str] = []  # after <|bos|> <|eos|> <|pad|> <|system|> <|user|> <|assistant|> <|end|>
    seed: int = 0  # salt of the sampling hash: another seed, another sample


class TokenizeStage(_StageBase):
    """Encodes the documents into Parquet token shards (train / val) with a manifest, written last."""

    kind: Literal["tokenize"]
    tokenizer: str | None = None  # a folder with tokenizer.json; None: the pipeline's `tokenizer` stage
    val_fraction: float = Field(0.005, ge=0, lt=1)  # documents with no input `split:` (by id hash) written to val/
    shard_tokens: int = Field(100_000_000, ge=1)  # a shard rolls over past this many tokens (~200 MB as uint16)
    row_group_tokens: int = Field(1 << 20, ge=1)  # rows are written in row groups of about this many tokens
    threads: int = Field(1, ge=1)  # encoding threads per task (tasks are processes: workers x threads <= cores)
    shuffle_seed: int | None = None  # an int: documents globally shuffled with this seed (two more phases)
    shuffle_buckets: int = Field(16, ge=1)  # shuffle tasks; each holds 1/buckets of a split's tokens in memory


class PretrainStage(_StageBase):
    """Pretrains a compact model on the token shards (one task) and writes a generated sample."""

    kind: Literal["pretrain"]
    tokens: str | None = None  # a token folder (with manifest.json); None: the pipeline's `tokenize` stage
    preset: str = "tiny"  # model size: tiny, shakespeare, 10m, 50m, 125m (fonderie.training.model.PRESETS)
    max_steps: int = Field(200, ge=1)  # optimizer steps
    batch_size: int = Field(8, ge=1)  # sequences per step
    learning_rate: float = Field(1e-3, gt=0)  # peak, after warmup
    set: dict[str, Any] = {}  # any other TrainConfig or ModelConfig field (see `fonderie train --help`)
    prompt: str = "Le village"  # the generated sample (sample.txt) continues this


# one entry per stage kind; later stages (feedback, publishing) join this union
StageConfig = Annotated[
    IngestStage | CleanStage | DedupStage | TokenizerStage | TokenizeStage | PretrainStage,
    Field(discriminator="kind"),
]
