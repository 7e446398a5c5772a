from __future__ import annotations

from datatrove.data import Document
from datatrove.pipeline.filters.fineweb_quality_filter import FineWebQualityFilter
from datatrove.pipeline.filters.gopher_repetition_filter import find_duplicates
from datatrove.pipeline.writers.disk_base import DiskWriter
from datatrove.utils.text import TERMINAL_PUNCTUATION, split_into_words

from fonderie.pipeline.documents import is_book
from fonderie.text.paragraphs import paragraph_view
from fonderie.text.words import word_tokenizer

EMPTY_DOC = "fineweb_empty_doc"
TOO_FEW_PUNCTUATED_LINES = "fineweb_too_few_punctuated_lines"
TOO_MANY_SHORT_LINES = "fineweb_too_many_short_lines"
TOO_MANY_DUPLICATE_LINE_CHARS = "fineweb_too_many_duplicate_line_chars"
TOO_MANY_LINE_BREAKS = "fineweb_too_many_line_breaks"
# repeated paragraphs a book may hold (a refrain, a chorus, a litany: 3% of a Loti chapter); Gopher's repetition
# limits (20% of the characters in duplicated lines) still catch a book made of copies
BOOK_CHAR_DUPLICATES_RATIO = 0.1
# datatrove's terminal marks (159 scripts' full stops), plus French closing guillemets and quotes, and the ellipsis
STOP_CHARS = tuple(sorted(TERMINAL_PUNCTUATION | {"»", "”", "’", '"', "…"}))


class MultilingualFineWebQualityFilter(FineWebQualityFilter):
    """FineWeb's line-level rules (Penedo et al. 2024, via datatrove), adapted to French typography.

    Same four rules as datatrove's filter, same thresholds, with three changes:
    - lines ending with `»`, `”`, `’`, `"` or `…` count as punctuated (`« Tu viens ? »`), and trailing spaces are
      ignored (datatrove counts `fin.  ` as unpunctuated): on French novel chunks, datatrove's rule drops 0.5%;
    - the list rule counts line breaks between lines of text, not newline characters: blank lines between
      paragraphs (books, HTML extraction leaving several) are not list items;
    - words come from `fonderie.text.words` (no spaCy), shared with the other quality filters through
      datatrove's `split_into_words` cache;
    - a document the run knows is a book (`_book`: an input's `kind: book`, or pages found by page furniture) is
      judged by its paragraphs, not its printed lines (`fonderie.text.paragraphs`: a hard-wrapped line ends
      without punctuation, a paragraph does; its last one counts as ended: a page or a chunk cuts it), and may
      repeat `book_char_duplicates_ratio` of its characters in duplicated paragraphs (a song's refrain sung nine
      times), not FineWeb's 1%.
    Input: documents.
    Output: the documents that pass, unchanged.
    Drops (lines are the non-blank lines):
        `fineweb_empty_doc`: no non-blank line
        `fineweb_too_few_punctuated_lines`: fewer than `line_punct_thr` of the lines end with terminal punctuation
            (menus, link lists, tag clouds); with `line_punct_exclude_zero`, a document with none passes this rule
        `fineweb_too_many_short_lines`: more than `short_line_thr` of the lines have `short_line_length` characters
            or fewer (navigation, buttons)
        `fineweb_too_many_duplicate_line_chars`: lines that occur earlier in the document hold more than
            `char_duplicates_ratio` of its characters (repeated boilerplate: "Répondre", "Partager"); for a book,
            paragraphs and `book_char_duplicates_ratio`
        `fineweb_too_many_line_breaks`: more than `new_line_ratio` lines per word (lists, tables, one word per line)
    Metadata added: none.

    Args:
        line_punct_thr, line_punct_exclude_zero, short_line_thr, short_line_length, char_duplicates_ratio,
            new_line_ratio: FineWeb's rules and thresholds
        stop_chars: line endings that count as punctuated; default `STOP_CHARS`
        book_char_duplicates_ratio: `char_duplicates_ratio` for books
        exclusion_writer: where dropped documents are written
    """

    name = "🍷 FineWeb quality (multilingual)"

    def __init__(
        self,
        line_punct_thr: float = 0.12,
        line_punct_exclude_zero: bool = False,
        stop_chars: tuple[str, ...] | None = None,
        short_line_thr: float = 0.67,
        short_line_length: int = 30,
        char_duplicates_ratio: float = 0.01,
        new_line_ratio: float = 0.3,
        book_char_duplicates_ratio: float = BOOK_CHAR_DUPLICATES_RATIO,
        exclusion_writer: DiskWriter | None = None,
    ):
        for name, value in (
            ("line_punct_thr", line_punct_thr),
            ("short_line_thr", short_line_thr),
            ("char_duplicates_ratio", char_duplicates_ratio),
            ("book_char_duplicates_ratio", book_char_duplicates_ratio),
        ):
            if not 0 <= value <= 1:
                raise ValueError(f"{name}={value!r} must be in [0, 1]")
        if short_line_length < 0:
            raise ValueError(f"short_line_length={short_line_length!r} must be >= 0 characters")
        if new_line_ratio <= 0:
            raise ValueError(f"new_line_ratio={new_line_ratio!r} must be > 0 lines per word")
        super().__init__(
            exclusion_writer=exclusion_writer,
            line_punct_thr=line_punct_thr,
            line_punct_exclude_zero=line_punct_exclude_zero,
            stop_chars=STOP_CHARS if stop_chars is None else tuple(stop_chars),
            short_line_thr=short_line_thr,
            short_line_length=short_line_length,
            char_duplicates_ratio=char_duplicates_ratio,
            new_line_ratio=new_line_ratio,
        )
        self.language = word_tokenizer()
        self.book_char_duplicates_ratio = book_char_duplicates_ratio

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        book = is_book(doc)
        text = paragraph_view(doc.text) if book else doc.text
        lines = [line.rstrip() for line in text.split("\n")]
        lines = [line for line in lines if line]
        if not lines:
            return False, EMPTY_DOC
        ended = sum(1 for line in lines if line.endswith(self.stop_chars))
        if book and not lines[-1].endswith(self.stop_chars):
            ended += 1  # a book's last paragraph is cut where its page or chunk ends, not where its author stopped
        ratio = ended / len(lines)
        if ratio < self.line_punct_thr and not (ratio == 0 and self.line_punct_exclude_zero):
            return False, TOO_FEW_PUNCTUATED_LINES

        ratio = sum(1 for line in lines if len(line) <= self.short_line_length) / len(lines)
        if ratio > self.short_line_threshold:
            return False, TOO_MANY_SHORT_LINES

        ratio = find_duplicates(lines)[1] / max(len(text) - text.count("\n"), 1)
        if ratio > (self.book_char_duplicates_ratio if book else self.char_duplicates_ratio):
            return False, TOO_MANY_DUPLICATE_LINE_CHARS

        words = split_into_words(text, self.language)
        if len(lines) - 1 > self.new_line_ratio * len(words):
            return False, TOO_MANY_LINE_BREAKS
        return True
