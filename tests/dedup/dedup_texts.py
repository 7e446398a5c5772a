"""Short French texts written for these tests, and edits that make near duplicates of them."""

from __future__ import annotations

import random

TEXTS = [
    "Le boulanger du village ouvre sa boutique à six heures du matin. Les habitants viennent chercher leur pain "
    "chaud avant de partir au travail, et les enfants achètent des croissants en allant à l'école. Le samedi, "
    "la file d'attente s'étire jusqu'à la fontaine de la place, où les anciens commentent les nouvelles.",
    "La rivière a débordé cette nuit après trois jours de pluie continue ; la mairie a fermé le pont de pierre et "
    "demandé aux riverains de monter leurs meubles à l'étage. Les pompiers ont installé des barrières le long du "
    "quai, et l'école restera fermée jusqu'à ce que l'eau redescende sous le niveau d'alerte.",
    "Au marché du samedi, on trouve des fromages de chèvre affinés dans les caves du plateau, des pommes du verger "
    "voisin et du miel de lavande récolté en juillet. Les maraîchers arrivent avant l'aube pour installer leurs "
    "étals, et les premiers clients repartent avec des paniers pleins avant huit heures.",
    "L'association organise chaque dimanche une marche de dix kilomètres autour du lac, qu'il pleuve ou qu'il "
    "vente. Les nouveaux venus sont accueillis au parking de l'église, on partage le café au retour, et ceux qui "
    "le souhaitent restent pour aider à entretenir les sentiers balisés de la commune.",
    "Le musée expose cet hiver des outils anciens prêtés par les familles de la vallée : faux, fléaux, rouets et "
    "barattes, accompagnés de photographies des années trente. Une salle entière est consacrée aux métiers du "
    "bois, avec l'atelier reconstitué d'un sabotier dont les descendants habitent encore le hameau.",
    "La bibliothèque municipale a rouvert lundi après une année de travaux sur la toiture et la salle de lecture. "
    "Les rayonnages ont été refaits, un coin des enfants a été aménagé sous la verrière, et les horaires "
    "d'ouverture sont élargis le mercredi et le samedi pour accueillir les familles et les lycéens.",
]


def edit(text: str, seed: int, typos: int = 0, drop: int = 0, boilerplate: str = "") -> str:
    """A near copy: `typos` words altered, `drop` words removed, optional boilerplate appended, lines reflowed."""
    rng = random.Random(seed)
    words = text.split()
    for _ in range(typos):
        i = rng.randrange(len(words))
        words[i] = words[i] + "x"
    for _ in range(drop):
        del words[rng.randrange(len(words))]
    lines, line = [], []
    for w in words:
        line.append(w)
        if len(line) == rng.randint(6, 12):
            lines.append(" ".join(line))
            line = []
    lines.append(" ".join(line))
    return "\n".join(lines) + (("\n\n" + boilerplate) if boilerplate else "")


def unique_words(n: int, seed: int = 0) -> list[str]:
    """n distinct letter-only words (digits would all normalize to 0)."""
    rng = random.Random(seed)
    out: set[str] = set()
    while len(out) < n:
        out.add("".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(7)))
    return sorted(out)


# words of a copy replaced so that the estimated Jaccard (112 permutations, seed 1) is on the wrong side of 0.8:
# true 0.759 but estimated 0.857, and true 0.802 but estimated 0.750 (`replaced` says how the texts are made)
OVERESTIMATED, UNDERESTIMATED = (47, 64, 75, 127), (18, 56, 57, 133)


def replaced(positions: tuple[int, ...]) -> list[str]:
    """A text of 150 distinct words, and a copy with the words at `positions` replaced by others."""
    words = unique_words(400)
    copy = words[:150]
    for p in positions:
        copy[p] = words[200 + p]
    return [" ".join(words[:150]), " ".join(copy)]


def annotated_corpus() -> list[dict]:
    """Six JSONL records for `fonderie dedup`: b and a are exact duplicates (spacing only), 7 and c near duplicates,
    d unique, e empty; kept in input order, they cluster as b, 7, b, 7, d, e."""
    long = [f"{t} {TEXTS[(i + 1) % len(TEXTS)]}" for i, t in enumerate(TEXTS)]
    return [
        {"id": "b", "text": long[0], "url": "https://x.fr/b"},
        {"id": 7, "text": long[1]},
        {"id": "a", "text": long[0].replace(" ", "\n  ")},
        {"id": "c", "text": edit(long[1], 1, typos=1)},
        {"id": "d", "text": long[2]},
        {"id": "e", "text": ""},
    ]
