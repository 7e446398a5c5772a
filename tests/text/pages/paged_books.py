"""Books built for the page furniture tests: pages of prose lines with the furniture each test asks for."""

from __future__ import annotations

import random

WORDS = (
    "le la les un une des du de et à en dans sur sous avec pour par maison jardin rivière village marché école "
    "pain blé moulin farine four boulanger matin soir hiver été chemin pierre route ville champ arbre vent pluie "
    "regardait marchait parlait pensait attendait portait ouvrait fermait disait voyait petit grand vieux jeune "
    "beau doux clair sombre lent rapide lourd léger souvent toujours encore jamais ensuite alors"
).split()


def body_lines(n: int, rng: random.Random) -> list[str]:
    """Prose lines of 7 to 10 words; every fifth line ends a paragraph (a full stop, then a blank line)."""
    lines = []
    for k in range(n):
        words = [rng.choice(WORDS) for _ in range(rng.randint(7, 10))]
        line = " ".join(words)
        lines.append(line[0].upper() + line[1:] + "." if k % 5 == 4 else line)
        if k % 5 == 4 and k < n - 1:
            lines.append("")
    return lines


def book(pages: int = 10, lines: int = 24, top=None, bottom=None, ff: bool = True, seed: int = 0):
    """(text, body lines, furniture lines) of a paged book; `top(n)` / `bottom(n)` give page n's furniture."""
    rng = random.Random(seed)
    out, body, furniture = [], [], []
    for n in range(1, pages + 1):
        page = []
        head = top(n) if top else None
        if head:
            page += [head, ""]
            furniture.append(head)
        text = body_lines(lines, rng)
        page += text
        body += [t for t in text if t]
        foot = bottom(n) if bottom else None
        if foot:
            page += ["", foot]
            furniture.append(foot)
        if n > 1:
            page[0] = ("\f" if ff else "\n") + page[0]
        out += page
    return "\n".join(out) + "\n", body, furniture


def kept_lines(text: str) -> list[str]:
    return [line for line in text.split("\n") if line.strip()]
