from __future__ import annotations

import re
from collections import Counter

from datatrove.data import Document
from datatrove.pipeline.filters.c4_filters import CITATION_REGEX, POLICY_SUBSTRINGS, C4QualityFilter
from datatrove.pipeline.writers.disk_base import DiskWriter

from fonderie.pipeline.documents import is_book
from fonderie.text.paragraphs import paragraph_blocks
from fonderie.text.words import word_tokenizer

LOREM_IPSUM = "c4_lorem_ipsum"
CURLY_BRACKET = "c4_curly_bracket"
TOO_FEW_SENTENCES = "c4_too_few_sentences"
NO_LINE_LEFT = "c4_no_line_left"

# C4's terminal marks, plus French closing guillemets, closing curly quotes and the ellipsis character
END_PUNCTUATION = (".", "?", "!", '"', "'", "»", "”", "’", "…")
_CLOSING_BRACKETS = ")]"
# C4's citation marks (`[12]`, `[edit]`, `[citation needed]`) with the spaces before them: `mot [12], mot` becomes
# `mot, mot`, not `mot , mot`
_CITATION = re.compile(r"[^\S\n]*(?:" + CITATION_REGEX.pattern + ")", CITATION_REGEX.flags)
# C4's cookie and terms-of-use phrases (English), the same notices in French, German, Spanish and Italian, and
# copyright lines; matched in the lowercased line with `'` for `’`
POLICY_PHRASES = (
    *POLICY_SUBSTRINGS,
    *"""politique de confidentialité|politique de cookies|politique des cookies|politique relative aux cookies
    |utilise des cookies|utilisons des cookies|utilisation des cookies|utilisation de cookies|dépôt de cookies
    |gestion des cookies|accepter les cookies|paramètres des cookies|paramétrer les cookies
    |conditions générales d'utilisation|conditions d'utilisation|mentions légales|données personnelles
    |tous droits réservés|toute reproduction|all rights reserved|alle rechte vorbehalten|todos los derechos reservados
    |tutti i diritti riservati
    |datenschutzerklärung|verwendet cookies|verwenden cookies|nutzungsbedingungen|cookie-richtlinie
    |política de privacidad|política de cookies|utiliza cookies|utilizamos cookies|aviso legal|términos de uso
    |informativa sulla privacy|utilizza i cookie|utilizziamo i cookie|uso dei cookie|termini di utilizzo""".split("|"),
)
_POLICY = re.compile("|".join(re.escape(p.strip()) for p in POLICY_PHRASES))


class MultilingualC4QualityFilter(C4QualityFilter):
    """C4's line and page rules (Raffel et al. 2020, via datatrove) for French and other European languages.

    C4 removes lines (mentioning javascript, cookie and terms-of-use notices, without terminal punctuation, of too
    few words) and drops pages (lorem ipsum, a curly bracket, too few sentences left). datatrove's loop is kept; what
    was English-only is adapted:
    - terminal punctuation includes `»`, `”`, `’` and `…` (also before a closing bracket: `(voir plus haut.)`);
      lines ending in an ellipsis count as ended, French prose ends sentences with one (C4 removed them);
    - the cookie and terms-of-use phrases include their French, German, Spanish and Italian forms
      (`politique de confidentialité`, `mentions légales`, `utilise des cookies`, `Datenschutzerklärung`...),
      and copyright lines (`tous droits réservés`, `all rights reserved`), boilerplate of the same kind;
    - sentences are counted with `fonderie.text.words` (French punctuation and abbreviations, no NLTK download);
    - a line of fewer than `min_words_per_line` words is kept when it ends with terminal punctuation: in French
      dialogue (`— Oui.`, `Merci !`) it is a sentence; menu items (`Accueil`, `Se connecter`) have none.
    - a document the run knows is a book (`_book`: an input's `kind: book`, or pages found by page furniture) is
      judged by its paragraphs (`fonderie.text.paragraphs`: wrapped lines rejoined), written back as printed; the
      rules aimed at code and web pages (lorem ipsum, javascript, curly bracket, policy) do not apply to it: OCR
      reads the long s as `{`, and a novel may say "conditions d'utilisation";
    - a citation mark is removed with the spaces before it (`mot [12], mot` -> `mot, mot`).
    As in FineWeb, `filter_no_terminal_punct` is off by default: it removes every hard-wrapped line of a book and
    most lines of lists and recipes. Line removals are counted per document (`line-filter-*` stats).
    Input: documents.
    Output: the documents that pass, without the removed lines and citation marks (`[1]`, `[edit]`); lines are
        stripped, and paragraphs stay separated by one blank line (C4 joined all lines with one newline).
    Drops:
        `c4_lorem_ipsum`: a kept line contains "lorem ipsum" (placeholder text); not for books
        `c4_curly_bracket`: a kept line contains `{` (code, templates, JSON); not for books
        `c4_too_few_sentences`: the kept lines hold fewer than `min_num_sentences` sentences
        `c4_no_line_left`: every line was removed (only reachable with `min_num_sentences=-1`)
    Metadata added: none.

    Args:
        split_paragraph: rules apply to lines (True, C4) or to sentences (False)
        remove_citations: remove Wikipedia-style citation marks
        filter_no_terminal_punct: remove lines that do not end with terminal punctuation
        min_num_sentences: sentences the kept lines must hold; -1 disables. 2, not C4's 5: a short news item or
            forum answer of two or three sentences is good text
        min_words_per_line: lines of fewer words, without terminal punctuation, are removed; -1 disables
        max_word_length: lines with a longer word are removed; -1 disables
        filter_lorem_ipsum, filter_javascript, filter_curly_bracket, filter_policy: C4's switches
        exclusion_writer: where dropped documents are written
    """

    name = "⛰ C4 quality (multilingual)"

    def __init__(
        self,
        split_paragraph: bool = True,
        remove_citations: bool = True,
        filter_no_terminal_punct: bool = False,
        min_num_sentences: int = 2,
        min_words_per_line: int = 3,
        max_word_length: int = 1000,
        filter_lorem_ipsum: bool = True,
        filter_javascript: bool = True,
        filter_curly_bracket: bool = True,
        filter_policy: bool = True,
        exclusion_writer: DiskWriter | None = None,
    ):
        for name, value in (
            ("min_num_sentences", min_num_sentences),
            ("min_words_per_line", min_words_per_line),
            ("max_word_length", max_word_length),
        ):
            if value != -1 and value < 1:
                raise ValueError(f"{name}={value!r} must be >= 1, or -1 to disable the rule")
        super().__init__(
            exclusion_writer=exclusion_writer,
            split_paragraph=split_paragraph,
            remove_citations=remove_citations,
            filter_no_terminal_punct=filter_no_terminal_punct,
            min_num_sentences=min_num_sentences,
            min_words_per_line=min_words_per_line,
            max_word_length=max_word_length,
            filter_lorem_ipsum=filter_lorem_ipsum,
            filter_javascript=filter_javascript,
            filter_curly_bracket=filter_curly_bracket,
            filter_policy=filter_policy,
        )
        self.language = word_tokenizer()

    def _units(self, doc: Document, book: bool) -> list[tuple[list[str], bool]]:
        """What the line rules judge, each with its printed lines and whether a blank line came before it: lines of
        a web page; paragraphs of a book (judged as one line, written back as printed); sentences without
        `split_paragraph`."""
        if book and self.split_paragraph:
            return [(lines, True) for lines in paragraph_blocks(doc.text)]
        if not self.split_paragraph:
            return [([s.strip()], False) for s in self.language.sent_tokenize(doc.text) if s.strip()]
        units, blank_before = [], False
        for line in doc.text.splitlines():
            if line := line.strip():
                units.append(([line], blank_before))
            blank_before = not line
        return units

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        tokenizer = self.language
        book = is_book(doc)
        code_rules = not book  # a book's `{` is a misread long s, its `javascript` a word in a sentence
        counts = Counter()
        num_sentences = 0
        kept_lines = []
        try:
            for printed, blank_before in self._units(doc, book):
                counts["line-total"] += 1
                if self.remove_citations and any("[" in p for p in printed):
                    printed = [_CITATION.sub("", p).strip() for p in printed]
                line = " ".join(printed)
                words = line.split()
                if self.max_word_length != -1 and any(len(word) > self.max_word_length for word in words):
                    counts["line-filter-too_long_word"] += 1
                    continue
                ended = line.rstrip(_CLOSING_BRACKETS).endswith(END_PUNCTUATION)
                if self.filter_no_terminal_punct and not ended:
                    counts["line-filter-no_terminal_punc"] += 1
                    continue
                if len(words) < self.min_words_per_line and not ended:
                    counts["line-filter-too_few_words"] += 1
                    continue
                line_l = line.lower()
                if code_rules and self.filter_lorem_ipsum and "lorem ipsum" in line_l:
                    return False, LOREM_IPSUM
                if code_rules and self.filter_javascript and "javascript" in line_l:
                    counts["line-filter-javascript"] += 1
                    continue
                if code_rules and self.filter_curly_bracket and "{" in line:
                    return False, CURLY_BRACKET
                if code_rules and self.filter_policy and _POLICY.search(line_l.replace("’", "'")):
                    counts["line-filter-policy"] += 1
                    continue
                if num_sentences < self.min_num_sentences:  # counting stops once there are enough
                    num_sentences += len(tokenizer.span_tokenize(line)) if self.split_paragraph else 1
                if blank_before and kept_lines:
                    kept_lines.append("")
                kept_lines.extend(p for p in printed if p)
                counts["line-kept"] += 1
        finally:
            for key, n in counts.items():
                self.stat_update(key, value=n)
        if num_sentences < self.min_num_sentences:
            return False, TOO_FEW_SENTENCES
        if not kept_lines:
            return False, NO_LINE_LEFT
        doc.text = ("\n" if self.split_paragraph else " ").join(kept_lines).strip()
        return True
