"""Language ID on labelled sentences: fonderie.text.langid.predict against the raw lid.176 model, same model file.

    python benchmarks/langid.py --data ../shared/data

- Accuracy per language on the Tatoeba sentences of shared/data (langid/tatoeba_laser112.tsv, ISO 639-3 labels mapped
  to lid.176's codes; languages lid.176 does not know are left out and listed). "raw" is `model.predict(line)` with
  only the newline handling fastText requires; "fonderie" adds fonderie's preprocessing. No language may lose.
- Throughput, one call per line for both, best of 3 runs.
- Calibration of FastTextLanguageFilter's threshold: how much French it keeps (Tatoeba French sentences, ELTeC novel
  paragraphs in french_corpus/) and how many non-French lines it lets through, for a range of thresholds.
Prints tables, then one JSON object on the last line.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from bench_results import add_out_argument, write_result

# Tatoeba (ISO 639-3) -> lid.176 label; lid.176 uses ISO 639-1 where there is one, else Wikipedia's code
TO_LID176 = {
    "afr": "af", "amh": "am", "ara": "ar", "arz": "arz", "ast": "ast", "aze": "az", "bel": "be", "ben": "bn",
    "bos": "bs", "bre": "br", "bul": "bg", "cat": "ca", "cbk": "cbk", "ceb": "ceb", "ces": "cs", "cmn": "zh",
    "cor": "kw", "cym": "cy", "dan": "da", "deu": "de", "dsb": "dsb", "ell": "el", "eng": "en", "epo": "eo",
    "est": "et", "eus": "eu", "fin": "fi", "fra": "fr", "fry": "fy", "gla": "gd", "gle": "ga", "glg": "gl",
    "gsw": "als", "heb": "he", "hin": "hi", "hrv": "hr", "hsb": "hsb", "hun": "hu", "hye": "hy", "ido": "io",
    "ile": "ie", "ina": "ia", "ind": "id", "isl": "is", "ita": "it", "jav": "jv", "jpn": "ja", "kat": "ka",
    "kaz": "kk", "khm": "km", "kor": "ko", "kur": "ku", "lat": "la", "lit": "lt", "lvs": "lv", "mal": "ml",
    "mar": "mr", "mhr": "mhr", "mkd": "mk", "mon": "mn", "nds": "nds", "nld": "nl", "nno": "nn", "nob": "no",
    "oci": "oc", "pam": "pam", "pes": "fa", "pms": "pms", "pol": "pl", "por": "pt", "ron": "ro", "rus": "ru",
    "slk": "sk", "slv": "sl", "spa": "es", "sqi": "sq", "srp": "sr", "swe": "sv", "swh": "sw", "tam": "ta",
    "tat": "tt", "tel": "te", "tgl": "tl", "tha": "th", "tuk": "tk", "tur": "tr", "uig": "ug", "ukr": "uk",
    "urd": "ur", "uzb": "uz", "vie": "vi", "war": "war", "wuu": "wuu", "yid": "yi", "yue": "yue", "zsm": "ms",
}  # fmt: skip
THRESHOLDS = (0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5, 0.65, 0.75)
SHORT = 50  # characters: "short" ELTeC paragraphs (dialogue lines, headings)


def read_tatoeba(path: Path) -> list[tuple[str, str]]:
    with open(path, encoding="utf-8") as f:
        assert f.readline().rstrip("\n") == "lang\ttext", f"{path}: expected the header `lang<TAB>text`"
        return [tuple(line.rstrip("\n").split("\t", 1)) for line in f]


def read_paragraphs(folder: Path) -> list[str]:
    from fonderie.text.langid import paragraphs

    return [p for path in sorted(folder.glob("*.txt")) for p in paragraphs(path.read_text())]


def timed(fn, *args) -> tuple[list, float]:
    start = time.perf_counter()
    result = fn(*args)
    return result, time.perf_counter() - start


def raw_predictions(model, lines: list[str]) -> list[tuple[str, float]]:
    out = []
    for line in lines:
        labels, scores = model.predict(line.replace("\n", " "))
        out.append((labels[0].removeprefix("__label__"), min(float(scores[0]), 1.0)))
    return out


def percent(n: int, d: int) -> float:
    return round(100 * n / d, 2) if d else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--data", type=Path, required=True, help="the shared data folder (with langid/ and french_corpus/)"
    )
    add_out_argument(parser, __file__)
    args = parser.parse_args()

    from fonderie.steps.filters.language import DEFAULT_MIN_SCORE
    from fonderie.text import langid

    rows = read_tatoeba(args.data / "langid" / "tatoeba_laser112.tsv")
    lines = [text for _, text in rows]
    model = langid.load_model()
    raw_s = ours_s = float("inf")
    for _ in range(3):  # interleaved, best of 3: on a shared machine, the least disturbed run of each
        raw, seconds = timed(raw_predictions, model, lines)
        raw_s = min(raw_s, seconds)
        ours, seconds = timed(lambda ls: [langid.predict(t) for t in ls], lines)
        ours_s = min(ours_s, seconds)

    known = set(langid.LABELS)
    assert set(TO_LID176.values()) <= known, f"not lid.176 labels: {set(TO_LID176.values()) - known}"
    per_lang: dict[str, list[int]] = {}  # code -> [lines, raw right, ours right]
    for (code, _), (r, _), (o, _) in zip(rows, raw, ours, strict=True):
        if code in TO_LID176:
            c = per_lang.setdefault(code, [0, 0, 0])
            c[0] += 1
            c[1] += r == TO_LID176[code]
            c[2] += o == TO_LID176[code]
    print(f"{'lang':5} {'lid':4} {'lines':>5} {'raw %':>7} {'ours %':>7} {'delta':>6}")
    for code, (n, r, o) in sorted(per_lang.items()):
        delta = percent(o, n) - percent(r, n)
        print(f"{code:5} {TO_LID176[code]:4} {n:5d} {percent(r, n):7.2f} {percent(o, n):7.2f} {delta:+6.2f}")

    # calibration: the filter keeps a line for French when it is labelled `fr` with a score >= the threshold
    fr_lines = [s for (code, _), (lang, s) in zip(rows, ours, strict=True) if code == "fra" and lang == "fr"]
    n_fr = sum(code == "fra" for code, _ in rows)
    other = [s for (code, _), (lang, s) in zip(rows, ours, strict=True) if code != "fra" and lang == "fr"]
    n_other = len(rows) - n_fr
    paras = read_paragraphs(args.data / "french_corpus" / "eltec_fra")
    para_preds = [langid.predict(p) for p in paras]
    para_fr = [(len(p), s) for p, (lang, s) in zip(paras, para_preds, strict=True) if lang == "fr"]
    n_short = sum(len(p) < SHORT for p in paras)
    print(
        f"\nTatoeba: {n_fr} French lines, {len(fr_lines)} labelled fr; {n_other} other lines, {len(other)} labelled fr"
    )
    print(f"ELTeC: {len(paras)} paragraphs ({n_short} under {SHORT} characters), {len(para_fr)} labelled fr")
    print(
        f"{'min_score':>9} {'Tatoeba fr kept %':>18} {'ELTeC <50 kept %':>17} {'ELTeC kept %':>13} {'non-fr kept':>12}"
    )
    calibration = []
    for t in sorted({*THRESHOLDS, DEFAULT_MIN_SCORE}):
        row = {
            "min_score": t,
            "tatoeba_fr_kept_pct": percent(sum(s >= t for s in fr_lines), n_fr),
            "eltec_short_fr_kept_pct": percent(sum(n < SHORT and s >= t for n, s in para_fr), n_short),
            "eltec_fr_kept_pct": percent(sum(s >= t for _, s in para_fr), len(paras)),
            "non_fr_kept": sum(s >= t for s in other),
        }
        calibration.append(row)
        print(f"{t:9} {row['tatoeba_fr_kept_pct']:18.2f} {row['eltec_short_fr_kept_pct']:17.2f} "
              f"{row['eltec_fr_kept_pct']:13.2f} {row['non_fr_kept']:12d}")  # fmt: skip

    mapped = sum(c[0] for c in per_lang.values())
    result = {
        "lines": len(rows),
        "lines_scored": mapped,
        "languages_scored": len(per_lang),
        "languages_unknown_to_lid176": sorted({code for code, _ in rows} - set(TO_LID176)),
        "accuracy": {
            "fonderie": round(sum(c[2] for c in per_lang.values()) / mapped, 4),
            "raw": round(sum(c[1] for c in per_lang.values()) / mapped, 4),
        },
        "languages_worse": sorted(code for code, (_, r, o) in per_lang.items() if o < r),
        "languages_better": sorted(code for code, (_, r, o) in per_lang.items() if o > r),
        "french_accuracy": {"fonderie": round(len(fr_lines) / n_fr, 4)},
        "lines_per_second": {
            "fonderie": round(len(lines) / ours_s),
            "raw": round(len(lines) / raw_s),
        },
        "default_min_score": DEFAULT_MIN_SCORE,
        "calibration_at_default": next(r for r in calibration if r["min_score"] == DEFAULT_MIN_SCORE),
    }
    write_result(result, args.out)


if __name__ == "__main__":
    main()
