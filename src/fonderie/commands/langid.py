from __future__ import annotations

import codecs
import os
import sys

CHUNK_BYTES = 1 << 16  # read what stdin has, up to this much, label those lines, then flush


def register(sub) -> None:
    p = sub.add_parser(
        "langid",
        help="print the language and score of each line of a file or stdin (fastText lid.176)",
        description=(
            "Read lines from FILE (or stdin) and print `language<TAB>score` for each, in order, as soon as they "
            "arrive. Codes are lid.176's (ISO 639-1 where one exists: fr, en, de); the score is the model's "
            "probability with 4 decimals. A line with no letter (empty, blank, digits or symbols only) prints "
            "`und<TAB>0.0000`."
        ),
    )
    p.add_argument("file", nargs="?", default="-", metavar="FILE", help="a text file; `-` or none: stdin")
    p.set_defaults(func=main)


def label_lines(stream, out) -> int:
    """Writes the label of each line of a binary stream (UTF-8, bad bytes replaced) to `out`; returns how many."""
    from fonderie.text.langid import predict

    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    tail, count = "", 0
    while True:
        chunk = stream.read1(CHUNK_BYTES)  # returns what is there (blocking only while there is nothing)
        text = tail + decoder.decode(chunk, final=not chunk)
        lines = text.split("\n")  # only "\n" ends a line: str.splitlines() would also split on \f, \x1c, U+2028...
        tail = lines.pop() if chunk else ""
        if not chunk and lines == [""]:  # input ended with a newline (or was empty): no line left
            lines = []
        if lines:
            out.write("".join(f"{lang}\t{score:.4f}\n" for lang, score in map(predict, lines)))
            out.flush()
            count += len(lines)
        if not chunk:
            return count


def main(args) -> int:
    from fonderie.errors import InputError

    try:
        if args.file == "-":
            label_lines(sys.stdin.buffer, sys.stdout)
        else:
            try:
                stream = open(args.file, "rb")  # buffered: read1() returns what a read gives, like stdin's
            except OSError as e:
                raise InputError(f"{args.file}: cannot read ({e.strerror})") from None
            with stream:
                label_lines(stream, sys.stdout)
    except BrokenPipeError:  # the reader went away (`| head`): not an error; keep Python from complaining at exit
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0
