"""Which lines at the edges of the pages are furniture, given the pages and their numbers (`pages_layout`)."""

from __future__ import annotations

from collections import Counter

from fonderie.text.pages.debris import Words, edge_debris, head_debris, leader
from fonderie.text.pages.heads import (
    HeadCand,
    cluster_heads,
    cluster_parity,
    expected_pages,
    head_key,
    matches_head,
    medoid,
    ratio,
    roman_tag,
)
from fonderie.text.pages.inline import LONG_LINE, match_prefix
from fonderie.text.pages.layout import SHORT_LINE, Pages, rescue, zone
from fonderie.text.pages.marks import find_marks
from fonderie.text.pages.numbers import NumberCand, fuzzy_number
from fonderie.text.pages.view import REASON, PageView, _bare, _keys, _prose, _upper_share


class Decision(PageView):
    """Furniture of one document (see PageView for what it holds)."""

    def __init__(self, pages: Pages, clean: list[str], inline: str | bool, languages: tuple[str, ...] = ("fr", "en")):
        super().__init__(pages, clean)
        self.inline = inline if pages.mode != "form_feed" or inline is False else True
        self.words = Words(clean, languages)  # counted, and its word list loaded, only if a line needs them
        if pages.mode == "none":
            return
        self._numbers()
        clusters = self._clusters()
        self.members = {c.line for m in clusters for c in m}  # each cluster decides about its own lines
        self.headings |= self.whole_titles(clusters)
        for members in clusters:
            self._apply(members)
        self._slots(clusters)
        self._number_heads()
        if pages.breaks:
            self._heads_at_breaks(clusters)
        edge_debris(self, clusters, self.words)
        taken = set(self.removed) | set(self.cuts)
        self.removed.update(find_marks(self._sheets(), clean, taken, 3 if self.n >= 8 else 2, self.words.known))

    def _numbers(self) -> None:
        for c in [*self.pages.numbers.values(), *self.pages.twins]:
            self.numbered[c.line] = c
            if c.where == "whole":
                self.removed[c.line] = "page_number"
        for p, nb in enumerate(self.pages.lines):
            want = self.pages.expected.get(p)
            if p in self.pages.numbers or want is None:
                continue
            for i in zone(nb):
                where = rescue(self.clean[i], want)
                if where:
                    self.numbered[i] = NumberCand(i, want, "arabic", where, p)
                    if where == "whole":
                        self.removed[i] = "page_number"
                    break

    def _cands(self) -> list[HeadCand]:
        """Lines at the edges of the pages, and, for inferred pages, where an unnumbered page should start."""
        cands = []
        for p in range(self.n):
            top = self._edges(p, "top")
            edges = [(i, "top", rank) for rank, i in enumerate(top)]
            edges += [(i, "bottom", rank) for rank, i in enumerate(self._edges(p, "bottom")) if i not in top]
            if self.pages.breaks:
                taken = {i for i, _, _ in edges}
                edges += [(i, "top", 1) for i in self._break_lines(p) if i not in taken]
            for i, where, rank in edges:
                if i in self.removed:
                    continue
                text = self.clean[i]
                if len(text) > LONG_LINE:
                    c = self.numbered.get(i)
                    if where == "top" and rank == 0 and c is not None and c.where == "inline" and c.head:
                        end = c.end if c.extra["k"] else c.extra["head_end"]
                        cands.append(HeadCand(p, i, where, head_key(c.head), end, True, odd=self.odd[p]))
                elif len(text) <= SHORT_LINE and not _prose(text) and not leader(text):
                    key, tag = head_key(text), roman_tag(text)
                    if len(key) >= 2 or tag:
                        cands.append(HeadCand(p, i, where, key, None, i in self.numbered, tag, self.odd[p]))
        return cands

    def _clusters(self) -> list[list[HeadCand]]:
        cands = self._cands()
        edge = {c.line for c in cands}
        body: Counter | None = None
        longest = max((len(self.clean[c.line]) for c in cands if c.end is None), default=0) + 5

        def in_body(key: str) -> int:
            nonlocal body
            if body is None:  # only lines as short as the candidates can share their key; heads of unnumbered
                # inferred pages, where a page should start, do not count as body
                body = Counter(
                    head_key(t)
                    for i, t in enumerate(self.clean)
                    if t and len(t) <= longest and i not in edge and self.near_break(i) is None
                )
            return body.get(key, 0)

        clusters = []
        min_pages = 3 if self.n >= 6 else 2
        for members in cluster_heads(cands, min_pages, in_body):
            # heads run along pages of text: a word repeated on title pages (`PARIS`) is not one
            if self.n >= 6 and len({c.page for c in members if self._full(c.page)}) < min_pages:
                continue
            if any(c.end is not None for c in members):
                texts = [self.clean[c.line][: c.end] for c in members if c.end is not None]
                if self.inline is False or self.inline == "auto" and _upper_share(texts) < 0.7:
                    members = [c for c in members if c.end is None]
            if members:
                clusters.append(members)
        return clusters

    def _slots(self, clusters: list[list[HeadCand]]) -> None:
        """Heads seen once (the title of a chapter one or two pages long) where the other pages carry one.

        When many pages of one parity carry a head at an edge that changes along the book (chapter titles), the
        line at that edge of the remaining pages of that parity is a head too if it looks like one: short, in
        capitals like the known heads, not opening a chapter.
        """
        for where in ("top", "bottom"):
            hits = {c.page: k for k, m in enumerate(clusters) for c in m if c.zone == where and c.line in self.removed}
            texts = [self.clean[c.line] for m in clusters for c in m if c.zone == where and c.line in self.removed]
            if len(hits) < 4 or _upper_share(texts) < 0.8:
                continue
            full = [p for p in range(self.n) if len(self.pages.lines[p]) >= 0.5 * self.median_lines]
            rate = [0.0, 0.0]
            for parity in (0, 1):
                pages = [p for p in full if self.odd[p] == parity]
                rate[parity] = sum(p in hits for p in pages) / len(pages) if pages else 0.0
            for parity in (0, 1):
                heads: list[str] = []  # the distinct heads of this slot, misspellings of one head counted once
                for k in {k for p, k in hits.items() if self.odd[p] == parity}:
                    key = medoid(clusters[k])
                    if all(ratio(key, h) < 0.8 for h in heads):
                        heads.append(key)
                if len(heads) < 3 or rate[parity] < 0.3 and rate[1 - parity] < 0.6:
                    continue  # a slot holding one head (the book's title) is not one whose head changes
                for p in full:
                    edge = self._edges(p, where, 1)
                    if self.odd[p] != parity or p in hits or not edge or edge[0] in self.headings:
                        continue
                    if where == "top" and (self._opening(p) or self._between_paragraphs(edge[0])):
                        continue  # a title, not a head
                    text = self.clean[edge[0]]
                    if len(text) <= 60 and _upper_share([text]) >= 0.8 and not text.endswith(("!", "?", "»", ",")):
                        self.removed[edge[0]] = REASON[where]

    def _remove(self, c: HeadCand) -> None:
        if c.end is None:
            self.removed[c.line] = REASON[c.zone]
        else:
            self.cuts[c.line] = (c.end, REASON[c.zone])

    def _apply(self, members: list[HeadCand]) -> None:
        best = medoid(members)
        head = {
            "key": best,
            "where": members[0].zone,
            "share": sum(c.numbered for c in members) / len(members),
            # the parity of the pages after the first, which may be the chapter's own title on the other parity
            "parity": cluster_parity(members[1:]) if len({c.page for c in members}) >= 3 else -1,
            "removed_pages": set(),
            # a head on most pages of the whole book is the book's (title, author), not one chapter's
            "book_wide": len({c.page for c in members}) >= 0.6 * self.n,
        }
        where = head["where"]
        for n, c in enumerate(sorted(members, key=lambda c: c.page)):
            if c.line in self.headings:
                continue
            if n == 0 and self._chapter_heading(c.line, c.numbered, head):  # a chapter has one title: the first
                self.headings.add(c.line)
            else:
                self._remove(c)
                head["removed_pages"].add(c.page)
        first = next(c for c in members if c.key == best)
        text = self.clean[first.line][: first.end] if first.end else self.clean[first.line]
        upper = _upper_share([text]) >= 0.8
        seen = {c.page for c in members}
        for p in sorted(expected_pages(members, self.odd) - seen):
            edge = self.edge_line(p, where)
            if not edge:
                continue
            i, want = edge[0], self.pages.expected.get(p)
            if i in self.members:
                continue
            line = self.clean[i]
            if len(line) > LONG_LINE:
                end = match_prefix(line, text, want) if where == "top" and self.inline else None
                if end:
                    self.cuts[i] = (end, REASON[where])
                continue
            holds = i in self.numbered or want is not None and any(fuzzy_number(w, want) for w in line.split())
            if len(line) > SHORT_LINE or roman_tag(line) != first.tag:
                continue
            if line.endswith(("!", "?", "»")):
                continue  # a sentence, not a head
            # the head may be followed by OCR debris of the number (`BourancER rég`): try the first words alone too
            key = max(_keys(line), key=lambda k: ratio(k, best))
            case_ok = holds or not upper or _upper_share([line]) >= 0.5 or ratio(key, best) >= 0.55
            title = p < members[0].page and self._chapter_heading(i, holds, head)
            if case_ok and matches_head(key, best, holds) and not title:
                self.removed[i] = REASON[where]
                continue
            # extractors sometimes print a page's head after its text: the same head, word for word, at the other edge
            other = [j for j in self._edges(p, "bottom" if where == "top" else "top", 2) if j not in self.members]
            for j in other:
                if len(self.clean[j]) <= SHORT_LINE and ratio(head_key(self.clean[j]), best) >= 0.95:
                    self.removed[j] = REASON[where]

    def _number_heads(self) -> None:
        """Lines holding the page number and a head that no cluster took (a head seen once or twice)."""
        for i, c in self.numbered.items():
            if i in self.removed or i in self.cuts:
                continue
            text = self.clean[i]
            where = "top" if i in self.upper_half else "bottom"
            if c.where in ("start", "end") and len(text) <= SHORT_LINE:
                words = text.split()
                head = c.head or " ".join(words[1:] if c.where == "start" else words[:-1])
                first = head.lstrip(" -—.,;:*")[:1]
                if not first.isalpha() or first.isupper():
                    self.removed[i] = REASON[where]
            elif c.where == "inline" and self.inline:
                end = c.end if c.extra["k"] else c.extra.get("head_end", c.end)
                words = text[:end].split()
                if self.inline is True or (_upper_share(words) >= 0.7 and len(words) <= 8 and c.head):
                    self.cuts[i] = (end, REASON["top"])

    def _sheets(self) -> list[list[int]]:
        """The pages as printed: inferred pages cut again where a head was found where an unnumbered page starts (so
        that the line above it ends a page, where marks are, and the line under it starts one, a catchword's word)."""
        starts = {i for i in self._break_lines() if self.removed.get(i) == "running_header"}
        if not starts:
            return self.pages.lines
        sheets = []
        for nb in self.pages.lines:
            sheets.append([])
            for i in nb:
                if i in starts and sheets[-1]:
                    sheets.append([])
                sheets[-1].append(i)
        return sheets

    def _heads_at_breaks(self, clusters: list[list[HeadCand]]) -> None:
        """Inferred pages whose number was not found: their head and number, where the page should start."""
        inline = [m for m in clusters if any(c.end is not None for c in m)]
        if inline and self.inline:  # pages flattened into one line: the head starts the line
            texts = [next(self.clean[c.line][: c.end] for c in m if c.key == medoid(m)) for m in inline]
            for i, text in enumerate(self.clean):
                want = self.near_break(i) if len(text) > LONG_LINE and i not in self.cuts else None
                ends = [e for e in (match_prefix(text, t, want) for t in texts) if e] if want is not None else []
                if ends:
                    self.cuts[i] = (max(ends), "running_header")
        heads = [(medoid(m), min(c.line for c in m)) for m in clusters if all(c.end is None for c in m)]
        for i in self._break_lines():
            text = self.clean[i]
            if i in self.removed:
                continue
            want = self.near_break(i)
            if want is None:
                continue
            words = text.split()
            if rescue(text, want) == "whole":
                self.removed[i] = "page_number"
                continue
            holds = any(fuzzy_number(w, want) for w in {words[0], words[-1]})
            keys = _keys(text)
            close = [h for h in heads if any(0.6 * len(h[0]) <= len(k) <= 1.7 * len(h[0]) for k in keys)]
            best, (head, first) = max(((ratio(k, h[0]), h) for k in keys for h in close), default=(0.0, ("", 0)))
            if i in self.headings or not holds and i <= first and _bare(text, head) or leader(text):
                continue  # the chapter's own title, before the running heads that repeat it; a table of contents
            upper = _upper_share([text]) >= 0.5
            if best >= 0.8 or best >= 0.6 and upper or holds and best >= 0.4:
                self.removed[i] = "running_header"
            else:  # a number alone, with no head misread beside it, is a page's only right where one starts (`viij`)
                at = want if len(words) > 1 or i in self._break_lines(self.page_of[i]) else None
                if head_debris(text, [h for h, _ in close], self.words, keys, at):
                    self.removed[i] = "running_header"
