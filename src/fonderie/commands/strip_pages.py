from __future__ import annotations

import sys

_INLINE = {"auto": "auto", "always": True, "never": False}


def register(sub) -> None:
    p = sub.add_parser(
        "strip-pages",
        help="remove page numbers, running heads and printers' marks from a book's text (prints it cleaned)",
        description="Remove the page furniture of a PDF or OCR text and print the cleaned text on stdout.",
    )
    p.add_argument("file", help="text file (UTF-8; form feeds mark pages when the extractor wrote them), - for stdin")
    p.add_argument(
        "--explain",
        action="store_true",
        help="print one line per change on stderr: LINE<TAB>REASON<TAB>TEXT, LINE the 1-based input line; a "
        "rejoined hyphenated word is reported as `hyphen_join` on the line that ended with the hyphen",
    )
    p.add_argument(
        "--inline-heads",
        choices=list(_INLINE),
        default="auto",
        help="heads at the start of a long line (OCR pages flattened to one line): auto (default), always, never",
    )
    p.add_argument("--no-join", action="store_true", help="keep words hyphenated at a line end as they are")
    p.set_defaults(func=main)


def main(args) -> int:
    from fonderie.text.pages.furniture import strip_page_furniture

    if args.file == "-":
        text = sys.stdin.read()
    else:
        with open(args.file, encoding="utf-8", errors="replace", newline="") as f:
            text = f.read()
    result = strip_page_furniture(text, inline_heads=_INLINE[args.inline_heads], join_hyphens=not args.no_join)
    sys.stdout.write(result.text)
    if args.explain:
        for r in result.removals:
            print(f"{r.line}\t{r.reason}\t{r.text}", file=sys.stderr)
    return 0
