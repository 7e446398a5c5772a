#!/usr/bin/env python3
"""Build fonderie's shipped sample corpus, deterministically.

Run from the repository root::

    python sample_corpus/make_sample_corpus.py

Every text in the corpus was written for fonderie (Apache-2.0, like the project). The prose lives in plain
files under ``sample_corpus/_src/`` (one record per ``%% id`` block, ``key: value`` header lines, a blank line,
then the body); this script turns it into the data files, plants the duplicates, junk and bad records, lays the
books out like ``pdftotext -layout`` output and writes the ground truth to ``expected.json``.

Re-running gives byte-identical files: fixed dates and record ids, gzip mtime 0, seeded randomness only.
"""

from __future__ import annotations

import base64
import gzip
import html
import io
import json
import random
import re
import struct
import textwrap
import unicodedata
import uuid
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlsplit

import pyarrow as pa
import pyarrow.parquet as pq
import zstandard
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

ROOT = Path(__file__).resolve().parent
SRC = ROOT / "_src"
NEWS, FORUM, ENCYCLO, ARTICLES = (
    "dumps/news.jsonl",
    "dumps/forum.jsonl.gz",
    "dumps/encyclo.jsonl.zst",
    "dumps/articles.parquet",
)
WARC = "web/crawl.warc.gz"
JSONL_FILES = {NEWS: "news.txt", FORUM: "forum.txt", ENCYCLO: "encyclo.txt"}

# --------------------------------------------------------------------------------------------------------------
# Source records
# --------------------------------------------------------------------------------------------------------------


def read_records(name: str) -> list[dict[str, str]]:
    """Parse a ``_src`` record file: ``%% id`` blocks with ``key: value`` headers, a blank line, then the body."""
    text = (SRC / name).read_text(encoding="utf-8")
    parts = re.split(r"^%% (\S+)$", text, flags=re.M)
    records = []
    for rid, content in zip(parts[1::2], parts[2::2], strict=True):
        head, _, body = content.strip("\n").partition("\n\n")
        rec = dict(line.split(": ", 1) for line in head.splitlines())
        rec["id"] = rid
        rec["body"] = body.strip("\n")
        records.append(rec)
    return records


def plain_text(body: str) -> str:
    """Web-page body (light markup: ``## heading``, ``- item``) as the plain text a reader would get."""
    return "\n".join(line[3:] if line.startswith("## ") else line for line in body.split("\n"))


def replace_once(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, f"edit anchor must occur exactly once: {old!r}"
    return text.replace(old, new)


# Near-duplicate edits: (operation, *arguments), applied in order to the text of the record named in ``derive``.
NEAR_EDITS: dict[str, list[tuple[str, ...]]] = {
    # N1: same article republished by another news site, two sentences edited
    "w01": [
        (
            "replace",
            "Aujourd'hui, les cuves tournent de nouveau chaque matin.",
            "Quatorze mois plus tard, les cuves tournent de nouveau chaque matin, et le magasin ne désemplit pas.",
        ),
        (
            "replace",
            "L'annonce, diffusée dans les écoles d'industrie laitière, a reçu trois réponses.",
            "L'annonce, diffusée dans les écoles d'industrie laitière et sur les réseaux sociaux, "
            "n'a reçu que trois réponses.",
        ),
    ],
    # N2: magazine article pasted into a forum: one line added, one sentence removed, a few typos
    "f05": [
        ("prepend", "Je partage cet article lu ce matin, ça m'a rappelé ma grand-mère :"),
        (
            "replace",
            " Les boîtes à couture ont fini au grenier, et avec elles un savoir-faire transmis de génération en "
            "génération.",
            "",
        ),
        ("replace", "choix raisonnable", "choix raisonable"),
        ("replace", "baisse spectaculaire", "baisse spectaculère"),
        ("replace", "Aujourd'hui, ce savoir", "Aujourdhui, ce savoir"),
        ("replace", "également réparti", "egalement réparti"),
    ],
    # N3: news item syndicated by a weekly: one sentence added, lines hard-wrapped at 72 columns
    "a03": [
        (
            "replace",
            "who will also test it again when it comes back.",
            "who will also test it again when it comes back. Borrowers are asked to return items clean and to "
            "report any fault, however small.",
        ),
        ("reflow", "72"),
    ],
    # N4: blog post syndicated by a magazine with its boilerplate footer appended
    "a07": [
        (
            "append",
            "Cet article a été publié initialement sur le blog Le Carnet du potager. Retrouvez tous nos conseils "
            "de jardinage naturel dans notre newsletter mensuelle : inscription gratuite en bas de page.\n"
            "© 2024 Jardin Naturel Mag – Tous droits réservés. Reproduction interdite sans autorisation.",
        ),
    ],
}


def apply_edits(text: str, edits: list[tuple[str, ...]]) -> str:
    for op, *args in edits:
        if op == "replace":
            text = replace_once(text, args[0], args[1])
        elif op == "prepend":
            text = args[0] + "\n\n" + text
        elif op == "append":
            text = text + "\n\n" + args[0]
        elif op == "reflow":
            width = int(args[0])
            paras = text.split("\n\n")
            text = "\n\n".join(textwrap.fill(p, width, break_long_words=False, break_on_hyphens=False) for p in paras)
        else:
            raise ValueError(op)
    return text


def whitespace_variant(text: str) -> str:
    """Same words, different whitespace: tabs, double spaces, trailing blanks, extra blank lines."""
    paras = ["\t" + p.replace(". ", ".  ") + "  " for p in text.split("\n\n")]
    return "\n" + "\n \n\n".join(paras) + "\n\n"


def mojibake(text: str) -> str:
    """UTF-8 bytes wrongly decoded as Windows-1252 (the classic 'Ã©' for 'é')."""
    return text.encode("utf-8").decode("cp1252")


def base64_blob() -> str:
    rng = random.Random(20240615)
    blob = b"\x89PNG\r\n\x1a\n" + bytes(rng.getrandbits(8) for _ in range(560))
    b64 = base64.b64encode(blob).decode("ascii")
    return "\n".join(b64[i : i + 76] for i in range(0, len(b64), 76))


def symbol_junk() -> str:
    rng = random.Random(1871)
    tokens = "Ã© Ã¨ Ã§ Ãª Ã´ â€™ â€œ Â° Â« Â» ï¿½ \ufffd ### ||| @@ %% && ~~~~ ;;; NULL 0x00 ======== ^^^ Ã‰ Ã€".split(
        " "
    )
    tokens.append("Ã\u00a0")  # 'à' seen through Windows-1252 ends in a no-break space
    lines = []
    for _ in range(14):
        n = rng.randint(6, 16)
        lines.append(rng.choice(["", ";", " "]).join(rng.choice(tokens) for _ in range(n)))
    return "\n".join(lines)


def unicode_variant(kind: str, text: str) -> str:
    """Planted Unicode problems (the repair stage should undo them)."""
    if kind == "nfd":
        out = unicodedata.normalize("NFD", text)
    elif kind == "nbsp":  # French typographic spaces before high punctuation and inside guillemets
        out = text
        for old, new in (
            (" :", "\u00a0:"),
            (" ;", "\u202f;"),
            (" ?", "\u202f?"),
            (" !", "\u202f!"),
            ("« ", "«\u00a0"),
            (" »", "\u00a0»"),
        ):
            out = out.replace(old, new)
    elif kind == "entities":  # HTML entities left in the text by a careless scraper
        out = text
        for old, new in (
            ("é", "&eacute;"),
            ("è", "&egrave;"),
            ("à", "&agrave;"),
            ("ê", "&ecirc;"),
            ("'", "&#39;"),
            ("«", "&laquo;"),
            ("»", "&raquo;"),
        ):
            out = out.replace(old, new)
        assert html.unescape(out) == text
    elif kind == "invisible":  # BOM, soft hyphens and zero-width spaces
        words = text.split(" ")
        long_seen = 0
        for i, word in enumerate(words):
            if len(word) >= 10 and word.isalpha():
                long_seen += 1
                points = hyphen_points(word)
                if long_seen % 2 == 1 and points:
                    words[i] = word[: points[0]] + "\u00ad" + word[points[0] :]
        out = " ".join(words)
        parts = out.split(", ")
        out = "".join(p + (",\u200b " if i in (1, 4, 7) else ", ") for i, p in enumerate(parts[:-1])) + parts[-1]
        out = "\ufeff" + out
        assert re.sub("[\u00ad\u200b\ufeff]", "", out) == text
    elif kind == "mojibake":
        out = mojibake(text)
        assert out.encode("cp1252").decode("utf-8") == text
    else:
        raise ValueError(kind)
    assert out != text
    return out


class Corpus:
    """All source records by id, with their final texts resolved (copies, near-duplicates, junk...)."""

    def __init__(self) -> None:
        self.records: dict[str, dict[str, str]] = {}
        self.order: dict[str, list[str]] = {}
        for out, name in [*JSONL_FILES.items(), (ARTICLES, "articles.txt"), (WARC, "web.txt")]:
            recs = read_records(name)
            self.order[out] = [r["id"] for r in recs]
            for rec in recs:
                assert rec["id"] not in self.records, rec["id"]
                rec["file"] = out
                self.records[rec["id"]] = rec
        self._texts: dict[str, str] = {}

    def base_text(self, rid: str) -> str:
        """Text before any planted Unicode problem (what copies and near-duplicates are made from)."""
        rec = self.records[rid]
        derive = rec.get("derive", "").split()
        if not derive:
            return plain_text(rec["body"]) if rec["file"] == WARC else rec["body"]
        kind, src = derive[0], (derive[1] if len(derive) > 1 else None)
        if kind == "copy":
            return self.base_text(src)
        if kind == "near":
            return apply_edits(self.base_text(src), NEAR_EDITS[rid])
        if kind == "whitespace":
            return whitespace_variant(self.base_text(src))
        if kind == "mojibake":
            return rec["body"]
        if kind == "base64":
            return base64_blob()
        if kind == "symbols":
            return symbol_junk()
        raise ValueError(derive)

    def text(self, rid: str) -> str:
        if rid not in self._texts:
            rec = self.records[rid]
            text = "" if rec.get("bad") == "empty" else self.base_text(rid)
            if "unicode" in rec:
                text = unicode_variant(rec["unicode"], text)
            self._texts[rid] = text
        return self._texts[rid]


# --------------------------------------------------------------------------------------------------------------
# JSONL / Parquet dumps
# --------------------------------------------------------------------------------------------------------------


def jsonl_object(corpus: Corpus, rid: str) -> dict[str, str]:
    rec = corpus.records[rid]
    obj = {"text": corpus.text(rid), "url": rec["url"], "title": rec["title"], "date": rec["date"]}
    if "author" in rec:
        obj["author"] = rec["author"]
    return obj


def jsonl_bytes(corpus: Corpus, out: str, ensure_ascii: bool) -> bytes:
    lines = []
    for rid in corpus.order[out]:
        line = json.dumps(jsonl_object(corpus, rid), ensure_ascii=ensure_ascii)
        if corpus.records[rid].get("bad") == "malformed":
            line = line[: len(line) * 3 // 5]  # truncated mid-record: no closing quote or brace
            try:
                json.loads(line)
            except json.JSONDecodeError:
                pass
            else:
                raise AssertionError("malformed line parses")
        lines.append(line + "\n")
    return "".join(lines).encode("utf-8")


def parquet_bytes(corpus: Corpus) -> bytes:
    rows = [corpus.records[rid] for rid in corpus.order[ARTICLES]]
    table = pa.table(
        {
            "text": pa.array([corpus.text(r["id"]) for r in rows], pa.string()),
            "title": pa.array([r["title"] for r in rows], pa.string()),
            "url": pa.array([r["url"] for r in rows], pa.string()),
            "date": pa.array([r["date"] for r in rows], pa.string()),
            "lang": pa.array([r.get("langhint", r["lang"]) for r in rows], pa.string()),
        }
    )
    sink = io.BytesIO()
    pq.write_table(table, sink, compression="zstd", row_group_size=8)
    return sink.getvalue()


# --------------------------------------------------------------------------------------------------------------
# Web pages and the WARC
# --------------------------------------------------------------------------------------------------------------

MONTHS = {
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
    "en": "January February March April May June July August September October November December",
    "de": "Januar Februar März April Mai Juni Juli August September Oktober November Dezember",
    "es": "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre",
}
LABELS = {
    "fr": {"by": "Par", "on": "Publié le", "share": "Partager :", "home": "Accueil", "search": "Rechercher"},
    "en": {"by": "By", "on": "Published", "share": "Share:", "home": "Home", "search": "Search"},
    "de": {"by": "Von", "on": "Veröffentlicht am", "share": "Teilen:", "home": "Startseite", "search": "Suchen"},
    "es": {"by": "Por", "on": "Publicado el", "share": "Compartir:", "home": "Inicio", "search": "Buscar"},
}

SITES: dict[str, dict] = {
    "echo": {
        "layout": "semantic",
        "name": "L'Écho de la Montagne",
        "tagline": "L'actualité du Haut-Doubs et du Haut-Jura depuis 1946",
        "nav": ["Accueil", "Actualités", "Économie", "Sport", "Culture", "Loisirs", "Petites annonces", "S'abonner"],
        "aside_title": "Les plus lus",
        "aside": [
            "Neige : les stations prolongent la saison jusqu'à Pâques",
            "Le marché couvert rouvre ses portes après huit mois de travaux",
            "Hockey : les Aigles éliminés en demi-finale",
            "Quatre pistes pour économiser l'eau au jardin",
        ],
        "widget": "Recevez chaque matin l'essentiel de l'actualité locale dans votre boîte mail. S'inscrire",
        "cookie": "Avec votre accord, nous et nos partenaires utilisons des cookies ou technologies similaires pour "
        "stocker et accéder à des informations personnelles comme votre visite sur ce site, mesurer l'audience "
        "et personnaliser la publicité.",
        "buttons": ["Accepter", "Refuser", "Paramétrer"],
        "footer": [
            "Mentions légales",
            "Politique de confidentialité",
            "Conditions générales de vente",
            "Gestion des cookies",
            "Nous contacter",
            "Publicité",
        ],
        "legal": "© 2024 L'Écho de la Montagne – Tous droits réservés. Reproduction interdite sans autorisation.",
    },
    "margot": {
        "layout": "wordpress",
        "name": "La Cuisine de Margot",
        "tagline": "Recettes de famille et petits plats du quotidien",
        "nav": ["Accueil", "Recettes", "Desserts", "Plats", "Apéritif", "À propos", "Contact"],
        "aside_title": "Recettes populaires",
        "aside": [
            "Gâteau nantais",
            "Soupe de potimarron au lait de coco",
            "Crêpes de blé noir",
            "Pain d'épices moelleux",
        ],
        "widget": "Bonjour, moi c'est Margot ! Je partage ici les recettes de ma famille, testées et approuvées.",
        "cookie": "Ce site utilise des cookies pour vous offrir la meilleure expérience possible. En poursuivant "
        "votre navigation, vous acceptez leur utilisation.",
        "buttons": ["OK", "En savoir plus"],
        "footer": ["Mentions légales", "Contact", "Plan du site"],
        "legal": "© 2024 La Cuisine de Margot · Tous droits réservés",
        "comments": "Laisser un commentaire",
    },
    "perche": {
        "layout": "semantic",
        "name": "Les Randonneurs du Perche",
        "tagline": "Association de randonnée pédestre",
        "nav": ["Accueil", "Le club", "Calendrier des sorties", "Séjours", "Photos", "Adhésion", "Contact"],
        "aside_title": "Prochaines sorties",
        "aside": [
            "Mardi 13 février : boucle de la Chapelle-Montligeon (9 km)",
            "Jeudi 15 février : forêt de Bellême (20 km)",
            "Dimanche 18 février : autour de Tourouvre (12 km)",
        ],
        "widget": "Permanence le premier samedi du mois, de 10 h à 12 h, salle des associations.",
        "cookie": "Ce site n'utilise que des cookies strictement nécessaires à son fonctionnement.",
        "buttons": ["J'ai compris"],
        "footer": ["Mentions légales", "Plan du site", "Nous écrire"],
        "legal": "Les Randonneurs du Perche – Association loi 1901 – Tous droits réservés",
    },
    "potager": {
        "layout": "wordpress",
        "name": "Le Carnet du potager",
        "tagline": "Jardiner au naturel, sans se prendre la tête",
        "nav": ["Accueil", "Potager", "Verger", "Compost", "Outils", "Qui suis-je ?"],
        "aside_title": "Articles récents",
        "aside": [
            "Semer les tomates en février : trop tôt ?",
            "Mon composteur en palettes, mode d'emploi",
            "Cinq engrais verts pour l'hiver",
            "Tailler les framboisiers sans se tromper",
        ],
        "widget": "Catégories : Potager (42) · Verger (17) · Compost (9) · Outils (12)",
        "cookie": "Nous utilisons des cookies pour mesurer l'audience de ce blog. Vous pouvez les refuser.",
        "buttons": ["Accepter", "Refuser"],
        "footer": ["Mentions légales", "Contact", "Flux RSS"],
        "legal": "© 2024 Le Carnet du potager. Tous droits réservés. Reproduction interdite sans autorisation.",
        "comments": "12 commentaires – Laisser un commentaire",
    },
    "musee": {
        "layout": "semantic",
        "name": "Musée de la Dentelle",
        "tagline": "Musée municipal – Patrimoine textile de la vallée",
        "nav": ["Le musée", "Expositions", "Collections", "Visiter", "Ateliers et médiation", "Boutique", "Contact"],
        "aside_title": "Agenda",
        "aside": [
            "Samedi 13 avril : visite guidée de l'exposition, 15 h",
            "Mercredi 17 avril : atelier enfants « Mon premier fuseau »",
            "Dimanche 5 mai : entrée gratuite",
        ],
        "widget": "Réservation des groupes et des scolaires : service des publics, du lundi au vendredi.",
        "cookie": "Ce site utilise des cookies de mesure d'audience anonymes.",
        "buttons": ["Accepter", "Refuser"],
        "footer": ["Mentions légales", "Accessibilité : partiellement conforme", "Crédits photos", "Presse"],
        "legal": "© 2024 Ville de Valdoise – Musée de la Dentelle. Tous droits réservés.",
    },
    "forum": {
        "layout": "forum",
        "name": "Forum Maison & Bois",
        "tagline": "Entraide autour de la construction, de la rénovation et du chauffage au bois",
        "nav": ["Index du forum", "Chauffage", "Chauffage au bois"],
        "cookie": "Ce forum utilise des cookies pour maintenir votre session et mémoriser les sujets lus.",
        "buttons": ["D'accord"],
        "footer": [
            "Nous contacter",
            "L'équipe du forum",
            "Supprimer les cookies du forum",
            "Fuseau horaire sur UTC+01:00",
        ],
        "legal": "Propulsé par un logiciel de forum libre. © 2024 Maison & Bois – Tous droits réservés.",
    },
    "mairie": {
        "layout": "legacy",
        "name": "Mairie de Saint-Hilaire-du-Bocage",
        "nav": [
            "Accueil",
            "La commune",
            "Vie municipale",
            "Vie scolaire",
            "Associations",
            "Urbanisme",
            "Démarches en ligne",
            "Contact",
        ],
        "aside_title": "Horaires de la mairie",
        "aside": ["Lundi, mardi, jeudi : 9 h - 12 h", "Mercredi : 14 h - 17 h", "Samedi : 9 h - 11 h 30"],
        "footer": ["Mentions légales", "Plan du site", "Contact"],
        "legal": "Mairie de Saint-Hilaire-du-Bocage - 1 place de l'Eglise - Tous droits réservés",
    },
    "tourisme": {
        "layout": "semantic",
        "name": "Office de tourisme de la Côte de Granit",
        "tagline": "Vacances en Bretagne nord",
        "nav": ["Découvrir", "Se loger", "Se restaurer", "Randonnée", "Agenda", "Infos pratiques"],
        "aside_title": "À télécharger",
        "aside": ["Carte des sentiers (PDF)", "Horaires des marées", "Guide des hébergements 2024"],
        "widget": "Nos bureaux d'accueil sont ouverts tous les jours en juillet et août.",
        "cookie": "En poursuivant votre navigation, vous acceptez l'utilisation de cookies pour réaliser des "
        "statistiques de visites et vous proposer des vidéos.",
        "buttons": ["Accepter", "Personnaliser"],
        "footer": ["Mentions légales", "Espace pro", "Presse", "Contact"],
        "legal": "© 2024 Office de tourisme de la Côte de Granit – Tous droits réservés",
    },
    "pratique": {
        "layout": "wordpress",
        "name": "Maison Pratique",
        "tagline": "Astuces et conseils pour la maison",
        "nav": ["Maison", "Entretien", "Cuisine", "Jardin", "Bricolage", "Économies"],
        "aside_title": "À lire aussi",
        "aside": [
            "Nettoyer un four sans produit agressif",
            "Dix gestes pour réduire sa facture d'électricité",
            "Comment enlever une tache de cire sur un tissu",
        ],
        "widget": "Inscrivez-vous à notre newsletter et recevez une astuce par semaine.",
        "cookie": "Nos partenaires et nous utilisons des cookies afin de vous proposer des publicités adaptées "
        "à vos centres d'intérêt.",
        "buttons": ["Tout accepter", "Continuer sans accepter"],
        "footer": ["Qui sommes-nous ?", "Mentions légales", "Charte de confidentialité", "Gérer mes cookies"],
        "legal": "© 2024 Maison Pratique – Tous droits réservés",
        "comments": "Cet article vous a été utile ? Notez-le !",
    },
    "gazette": {
        "layout": "semantic",
        "name": "The Northshore Gazette",
        "tagline": "Independent local news since 1872",
        "nav": ["Home", "News", "Sport", "Business", "Opinion", "What's On", "Property", "Subscribe"],
        "aside_title": "Most read",
        "aside": [
            "Roadworks to close the coast road for three weeks",
            "New owners for the Anchor Inn",
            "Lifeboat crew called out twice in one night",
            "Letters: the car park charges",
        ],
        "widget": "Get the morning briefing in your inbox. Sign up",
        "cookie": "We use cookies to improve your experience, analyse traffic and show personalised advertising.",
        "buttons": ["Accept all", "Reject all", "Manage preferences"],
        "footer": ["About us", "Contact", "Advertise", "Terms and conditions", "Privacy notice", "Cookie settings"],
        "legal": "© 2024 Northshore Gazette Ltd. All rights reserved.",
    },
    "slowloaf": {
        "layout": "wordpress",
        "name": "Slow Loaf",
        "tagline": "Notes from a home baker",
        "nav": ["Home", "Posts", "Recipes", "About"],
        "aside_title": "Recent posts",
        "aside": ["Rye starter from scratch", "Why I stopped using tins", "A very good weekday focaccia"],
        "widget": "Subscribe to get new posts by email. No spam, ever.",
        "cookie": "This site uses a single analytics cookie. Is that OK?",
        "buttons": ["Yes", "No"],
        "footer": ["RSS", "Contact", "Privacy"],
        "legal": "© 2024 Slow Loaf. All rights reserved.",
        "comments": "Leave a reply",
    },
    "library": {
        "layout": "semantic",
        "name": "Eastfield Public Library",
        "tagline": "Free for everyone, every day",
        "nav": ["Home", "Catalogue", "Events", "Services", "Kids & Teens", "Visit us", "Join the library"],
        "aside_title": "Opening hours",
        "aside": ["Monday to Friday: 9am to 7pm", "Saturday: 9am to 4pm", "Sunday: closed"],
        "widget": "Renew your loans online with your card number and PIN.",
        "cookie": "We use essential cookies to make this site work and optional cookies to understand how it is used.",
        "buttons": ["Accept optional cookies", "Reject optional cookies"],
        "footer": ["Accessibility statement", "Privacy", "Freedom of information", "Contact us"],
        "legal": "© 2024 Eastfield Borough Council. All rights reserved.",
    },
    "radio": {
        "layout": "semantic",
        "name": "Harbour FM 104.2",
        "tagline": "Community radio by the sea",
        "nav": ["Listen live", "Schedule", "Shows", "News", "Volunteer", "Donate", "Contact"],
        "aside_title": "On air now",
        "aside": ["Morning Tide with Jo, 7am to 10am", "Next: Local Voices, 10am to 11am"],
        "widget": "Harbour FM is run entirely by volunteers. Support us with a small monthly donation.",
        "cookie": "We use cookies to remember your player settings.",
        "buttons": ["Accept", "Decline"],
        "footer": ["Complaints procedure", "Privacy", "Contact"],
        "legal": "© 2024 Harbour FM Community Radio. All rights reserved.",
    },
    "verein": {
        "layout": "semantic",
        "name": "Gesangverein Lindenau e.V.",
        "tagline": "Singen macht Freude – seit 1892",
        "nav": ["Startseite", "Aktuelles", "Über uns", "Chöre", "Termine", "Galerie", "Kontakt"],
        "aside_title": "Termine",
        "aside": ["Do, 19.30 Uhr: Chorprobe im Gemeindehaus", "13. Juli: Sommerfest", "21. September: Chorfahrt"],
        "widget": "Neue Sängerinnen und Sänger sind jederzeit willkommen!",
        "cookie": "Diese Website verwendet Cookies, um Ihnen die bestmögliche Nutzung zu ermöglichen.",
        "buttons": ["Alle akzeptieren", "Nur notwendige"],
        "footer": ["Impressum", "Datenschutz", "Kontakt"],
        "legal": "© 2024 Gesangverein Lindenau e.V. – Alle Rechte vorbehalten.",
    },
    "rutas": {
        "layout": "semantic",
        "name": "Rutas por la Sierra",
        "tagline": "Senderismo para todos los públicos",
        "nav": ["Inicio", "Rutas", "Rutas fáciles", "Rutas con niños", "Alojamientos", "Contacto"],
        "aside_title": "Rutas relacionadas",
        "aside": ["Subida al mirador del Castillo", "Senda del agua", "Vuelta a la laguna"],
        "widget": "Recibe nuevas rutas cada mes en tu correo.",
        "cookie": "Utilizamos cookies propias y de terceros para mejorar nuestros servicios y mostrarle "
        "publicidad relacionada con sus preferencias.",
        "buttons": ["Aceptar", "Rechazar", "Configurar"],
        "footer": ["Aviso legal", "Política de privacidad", "Política de cookies"],
        "legal": "© 2024 Rutas por la Sierra. Todos los derechos reservados.",
    },
}


def esc(text: str) -> str:
    return html.escape(text, quote=True)


def slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def human_date(iso: str, lang: str) -> str:
    d = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    month = MONTHS[lang].split()[d.month - 1]
    return {"de": f"{d.day}. {month} {d.year}", "es": f"{d.day} de {month} de {d.year}"}.get(
        lang, f"{d.day} {month} {d.year}"
    )


def body_to_html(body: str) -> str:
    out = []
    for block in body.split("\n\n"):
        lines = block.split("\n")
        if block.startswith("## "):
            out.append(f"<h2>{esc(block[3:])}</h2>")
        elif all(line.startswith("- ") for line in lines):
            out.append("<ul>\n" + "\n".join(f"  <li>{esc(line[2:])}</li>" for line in lines) + "\n</ul>")
        elif all(re.match(r"\d+\. ", line) for line in lines):
            items = [re.sub(r"^\d+\. ", "", line) for line in lines]
            out.append("<ol>\n" + "\n".join(f"  <li>{esc(item)}</li>" for item in items) + "\n</ol>")
        elif block.startswith("@post "):
            author, when = lines[0][6:].split(" | ")
            text = "<br>\n".join(esc(line) for line in lines[1:])
            out.append(
                f'<div class="post">\n<p class="author">par <strong>{esc(author)}</strong> » '
                f'<time>{esc(when)}</time></p>\n<div class="postbody">{text}</div>\n</div>'
            )
        else:
            out.append(f"<p>{esc(' '.join(lines))}</p>")
    return "\n".join(out)


def nav_html(site: dict, indent: str = "    ") -> str:
    return "\n".join(f'{indent}<li><a href="/{slug(item)}/">{esc(item)}</a></li>' for item in site["nav"])


def cookie_html(site: dict) -> str:
    buttons = "".join(f'<button type="button">{esc(b)}</button>' for b in site["buttons"])
    return f'<div id="cookie-consent" class="cookie-banner" role="dialog"><p>{esc(site["cookie"])}</p>{buttons}</div>'


def footer_html(site: dict) -> str:
    links = " | ".join(f'<a href="/{slug(x)}/">{esc(x)}</a>' for x in site["footer"])
    return f'<footer class="site-footer">\n<p class="legal-links">{links}</p>\n<p>{esc(site["legal"])}</p>\n</footer>'


def aside_html(site: dict, tag: str = "aside", attrs: str = 'class="sidebar"') -> str:
    items = "\n".join(f'  <li><a href="#">{esc(x)}</a></li>' for x in site["aside"])
    widget = f'\n<div class="widget">{esc(site["widget"])}</div>' if "widget" in site else ""
    return f"<{tag} {attrs}>\n<h3>{esc(site['aside_title'])}</h3>\n<ul>\n{items}\n</ul>{widget}\n</{tag}>"


def head_html(site: dict, title: str, lang: str, charset: str, description: str) -> str:
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="{charset}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(title)}</title>\n"
        f'<meta name="description" content="{esc(description)}">\n'
        f'<meta property="og:site_name" content="{esc(site["name"])}">\n'
        '<link rel="stylesheet" href="/static/css/main.css">\n'
        '<script src="/static/js/consent.js" defer></script>\n</head>\n'
    )


def render_page(rec: dict[str, str], body: str, status: int = 200) -> str:
    """Render one page with its site's chrome; ``status`` 404 renders the chrome around a bare 'not found'."""
    site = SITES[rec["site"]]
    lang = rec["lang"]
    lab = LABELS[lang]
    layout = site["layout"]
    title = rec["title"]
    legacy_charset = rec.get("charset", "utf-8") != "utf-8"  # keep the chrome encodable in ISO-8859-1
    ellipsis, dash, crumb = ("...", "-", ">") if legacy_charset else ("…", "–", "›")
    description = (plain_text(body).split("\n")[0][:150] + ellipsis) if body else title
    if status == 404:
        article = '<h1>Page introuvable</h1>\n<p><a href="/">Retour à l\'accueil</a></p>'
    else:
        byline = f'{lab["on"]} <time datetime="{rec["date"]}">{human_date(rec["date"], lang)}</time>'
        if "author" in rec:
            byline = f'{lab["by"]} <span class="author">{esc(rec["author"])}</span> {dash} ' + byline
        heading = title.split(" - ")[0]
        article = (
            f'<p class="breadcrumb"><a href="/">{lab["home"]}</a> {crumb} {esc(rec.get("section", ""))}</p>\n'
            f'<h1>{esc(heading)}</h1>\n<p class="byline">{byline}</p>\n{body_to_html(body)}\n'
            f'<div class="share">{lab["share"]} <a href="#">Facebook</a> · <a href="#">X</a> · '
            '<a href="#">E-mail</a></div>'
        )
    charset = rec.get("charset", "utf-8")
    head = head_html(site, f"{title} | {site['name']}" if " - " not in title else title, lang, charset, description)
    if layout == "semantic":
        page = (
            f"<body>\n{cookie_html(site)}\n"
            f'<header class="site-header">\n<a class="logo" href="/"><img src="/static/img/logo.png" '
            f'alt="{esc(site["name"])}"></a>\n<p class="tagline">{esc(site["tagline"])}</p>\n'
            f'<form class="search" action="/recherche"><input type="search" name="q" placeholder="{lab["search"]}">'
            "</form>\n</header>\n"
            f'<nav class="main-nav">\n  <ul>\n{nav_html(site)}\n  </ul>\n</nav>\n'
            f'<div class="layout">\n<main id="content">\n<article>\n{article}\n</article>\n</main>\n'
            f"{aside_html(site)}\n</div>\n{footer_html(site)}\n</body>\n</html>\n"
        )
    elif layout == "wordpress":
        sidebar = aside_html(site, "div", 'id="secondary" class="widget-area"')
        comments = ""
        if status == 200:
            comments = (
                f'\n<div id="comments" class="comments-area"><h3 class="comment-reply-title">{esc(site["comments"])}'
                '</h3><form id="commentform"><textarea name="comment"></textarea></form></div>'
            )
        page = (
            f'<body class="post-template-default single single-post">\n<div id="page" class="site">\n'
            f'<header id="masthead" class="site-header">\n<p class="site-title"><a href="/">{esc(site["name"])}'
            f'</a></p>\n<p class="site-description">{esc(site["tagline"])}</p>\n'
            f'<nav id="site-navigation" class="main-navigation">\n<ul id="primary-menu" class="menu">\n'
            f"{nav_html(site, '')}\n</ul>\n</nav>\n</header>\n"
            f'<div id="content" class="site-content">\n<div id="primary" class="content-area">\n'
            f'<main id="main" class="site-main">\n<article class="post type-post status-publish">\n'
            f'<div class="entry-content">\n{article}\n</div>\n</article>{comments}\n</main>\n</div>\n'
            f"{sidebar}\n</div>\n"
            f'<div id="colophon">\n{footer_html(site)}\n</div>\n</div>\n{cookie_html(site)}\n</body>\n</html>\n'
        )
    elif layout == "legacy":
        head = (
            '<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN" '
            '"http://www.w3.org/TR/html4/loose.dtd">\n<html lang="fr">\n<head>\n'
            f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">\n'
            f'<title>{esc(title)}</title>\n<link rel="stylesheet" type="text/css" href="/style.css">\n</head>\n'
        )
        menu = "<br>\n".join(f'<a href="/{slug(x)}.html">{esc(x)}</a>' for x in site["nav"])
        side = "<br>\n".join(esc(x) for x in site["aside"])
        downloads = (
            '<p class="documents">Documents : <a href="/documents/dossier-inscription-cantine.pdf">dossier '
            'd\'inscription (PDF)</a> - <a href="/documents/menu-cantine-juin.pdf">menus du mois (PDF)</a></p>'
        )
        page = (
            f'<body>\n<div id="bandeau"><img src="/images/blason.gif" alt="blason"> {esc(site["name"])}</div>\n'
            '<div id="conteneur">\n'
            f'<div id="menu" style="float:left;width:180px">\n{menu}\n</div>\n'
            f'<div id="contenu" style="margin-left:190px;margin-right:210px">\n{article}\n{downloads}\n</div>\n'
            f'<div id="colonne" style="float:right;width:200px">\n<b>{esc(site["aside_title"])}</b><br>\n'
            f"{side}\n</div>\n"
            f'</div>\n<div id="pied">{esc(site["legal"])} - '
            + " - ".join(f'<a href="/{slug(x)}.html">{esc(x)}</a>' for x in site["footer"])
            + "</div>\n</body>\n</html>\n"
        )
    elif layout == "forum":
        crumbs = " ‹ ".join(f'<a href="#">{esc(x)}</a>' for x in site["nav"])
        page = (
            f'<body id="phpbb" class="section-viewtopic">\n<div id="wrap">\n<div class="headerbar">\n'
            f'<h1 class="sitename">{esc(site["name"])}</h1>\n<p class="sitedesc">{esc(site["tagline"])}</p>\n'
            '<ul class="nav-links"><li><a href="/faq">FAQ</a></li><li><a href="/ucp.php?mode=login">'
            "S'identifier</a></li><li><a href=\"/ucp.php?mode=register\">S'enregistrer</a></li></ul>\n</div>\n"
            f'<div class="navbar"><p class="breadcrumbs">{crumbs}</p></div>\n'
            f'<div id="page-body">\n<h2 class="topic-title">{esc(title.split(" - ")[0])}</h2>\n'
            '<div class="action-bar"><a class="button" href="#">Répondre</a> 4 messages • Page 1 sur 1</div>\n'
            f"{body_to_html(body)}\n</div>\n"
            f'<div class="page-footer">\n{footer_html(site)}\n</div>\n</div>\n{cookie_html(site)}\n</body>\n</html>\n'
        )
    else:
        raise ValueError(layout)
    return head + page


def tiny_png() -> bytes:
    width = height = 16
    raw = b"".join(
        b"\x00" + bytes(v for x in range(width) for v in (x * 16, y * 16, 200 - x * 6)) for y in range(height)
    )

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def tiny_pdf() -> bytes:
    content = b"BT /F1 16 Tf 72 770 Td (Restaurant scolaire - menus de juin 2024) Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> "
        b"/Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, obj)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


@dataclass
class Capture:
    uri: str
    status: int
    reason: str
    content_type: str
    body: bytes
    kind: str  # html | notfound | redirect | image | pdf
    extra_headers: tuple[tuple[str, str], ...] = ()
    page_id: str | None = None


NOT_FOUND_URI = "https://www.echo-montagne.example-fr.org/actualites/2023/11/02/ancien-article-supprime.html"


def build_captures(corpus: Corpus) -> list[Capture]:
    pages = {}
    for rid in corpus.order[WARC]:
        rec = corpus.records[rid]
        body = corpus.base_text(rid) if "derive" in rec else rec["body"]
        charset = rec.get("charset", "utf-8")
        data = render_page(rec, body).encode(charset)  # strict: the ISO-8859-1 page must be pure Latin-1
        pages[rid] = Capture(rec["uri"], 200, "OK", f"text/html; charset={charset}", data, "html", page_id=rid)
    not_found = {"site": "echo", "lang": "fr", "title": "Page introuvable - L'Écho de la Montagne", "date": ""}
    edge = {
        "redirect": Capture(
            "http://echo-montagne.example-fr.org/",
            301,
            "Moved Permanently",
            "text/html; charset=utf-8",
            b"",
            "redirect",
            (("Location", "https://www.echo-montagne.example-fr.org/"),),
        ),
        "png": Capture(
            "https://www.echo-montagne.example-fr.org/static/img/logo.png", 200, "OK", "image/png", tiny_png(), "image"
        ),
        "404": Capture(
            NOT_FOUND_URI,
            404,
            "Not Found",
            "text/html; charset=utf-8",
            render_page(not_found, "", status=404).encode("utf-8"),
            "notfound",
        ),
        "pdf": Capture(
            "https://www.mairie-saint-hilaire.example-fr.org/documents/menu-cantine-juin.pdf",
            200,
            "OK",
            "application/pdf",
            tiny_pdf(),
            "pdf",
        ),
    }
    order = [
        "redirect",
        "w01",
        "png",
        "w08",
        "404",
        "w02",
        "w03",
        "w04",
        "w05",
        "w06",
        "w07",
        "pdf",
        "w09",
        "w10",
        "w11",
        "w12",
        "w13",
        "w14",
        "w15",
        "w16",
    ]
    assert sorted(k for k in order if k.startswith("w")) == sorted(pages)
    return [pages[k] if k in pages else edge[k] for k in order]


BASE_DATE = datetime(2024, 6, 15, 3, 0, 0, tzinfo=timezone.utc)
WARC_NS = uuid.UUID("6f6e6465-7269-6520-7361-6d706c652121")


def record_id(key: str) -> str:
    return f"<urn:uuid:{uuid.uuid5(WARC_NS, key)}>"


def warc_bytes(captures: list[Capture]) -> tuple[bytes, dict[str, int]]:
    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=True)
    counts: dict[str, int] = {}
    clock = iter(BASE_DATE + timedelta(seconds=3 * i) for i in range(1000))

    def write(record) -> None:
        writer.write_record(record)
        counts[record.rec_type] = counts.get(record.rec_type, 0) + 1

    info_id = record_id("warcinfo")
    fields = (
        b"software: fonderie sample_corpus/make_sample_corpus.py (warcio)\r\n"
        b"format: WARC File Format 1.0\r\n"
        b"conformsTo: http://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.0/\r\n"
        b"isPartOf: fonderie-sample-corpus\r\n"
        b"description: Synthetic crawl for fonderie tests; every page was written for the project (Apache-2.0).\r\n"
        b"robots: obey\r\n"
        b"http-header-user-agent: fonderie-sample-crawler/0.1\r\n"
    )
    stamp = next(clock).strftime("%Y-%m-%dT%H:%M:%SZ")
    write(
        writer.create_warc_record(
            "",
            "warcinfo",
            payload=io.BytesIO(fields),
            length=len(fields),
            warc_content_type="application/warc-fields",
            warc_headers_dict={"WARC-Record-ID": info_id, "WARC-Date": stamp, "WARC-Filename": "crawl.warc.gz"},
        )
    )
    for index, cap in enumerate(captures):
        when = next(clock)
        stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ")
        http_date = when.strftime("%a, %d %b %Y %H:%M:%S GMT")
        parts = urlsplit(cap.uri)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        resp_id = record_id(f"response:{index}:{cap.uri}")
        req_headers = [
            ("Host", parts.netloc),
            ("User-Agent", "fonderie-sample-crawler/0.1 (+https://example.org/fonderie)"),
            ("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),
            ("Accept-Language", "fr-FR,fr;q=0.9,en;q=0.8"),
            ("Connection", "close"),
        ]
        request = writer.create_warc_record(
            cap.uri,
            "request",
            http_headers=StatusAndHeaders(f"GET {path} HTTP/1.1", req_headers, is_http_request=True),
            warc_headers_dict={
                "WARC-Record-ID": record_id(f"request:{index}:{cap.uri}"),
                "WARC-Date": stamp,
                "WARC-Warcinfo-ID": info_id,
                "WARC-Concurrent-To": resp_id,
            },
        )
        write(request)
        resp_headers = [
            ("Date", http_date),
            ("Server", "nginx"),
            ("Content-Type", cap.content_type),
            ("Content-Length", str(len(cap.body))),
            *cap.extra_headers,
            ("Connection", "close"),
        ]
        response = writer.create_warc_record(
            cap.uri,
            "response",
            payload=io.BytesIO(cap.body),
            length=len(cap.body),
            http_headers=StatusAndHeaders(f"{cap.status} {cap.reason}", resp_headers, protocol="HTTP/1.1"),
            warc_headers_dict={
                "WARC-Record-ID": resp_id,
                "WARC-Date": stamp,
                "WARC-Warcinfo-ID": info_id,
                "WARC-IP-Address": f"192.0.2.{10 + index}",
            },
        )
        write(response)
        if cap.page_id == "w01":
            meta = (
                b"via: https://www.echo-montagne.example-fr.org/\r\n"
                b"hopsFromSeed: L\r\n"
                b"fetchTimeMs: 184\r\n"
                b"outlink: https://www.echo-montagne.example-fr.org/static/img/logo.png E =EMBED_MISC\r\n"
                b"outlink: https://www.echo-montagne.example-fr.org/sport/2024/05/20/trail-des-cretes.html "
                b"L a/@href\r\n"
            )
            write(
                writer.create_warc_record(
                    cap.uri,
                    "metadata",
                    payload=io.BytesIO(meta),
                    length=len(meta),
                    warc_content_type="application/warc-fields",
                    warc_headers_dict={
                        "WARC-Record-ID": record_id(f"metadata:{index}:{cap.uri}"),
                        "WARC-Date": stamp,
                        "WARC-Concurrent-To": resp_id,
                        "WARC-Warcinfo-ID": info_id,
                    },
                )
            )
    return buf.getvalue(), counts


# --------------------------------------------------------------------------------------------------------------
# Books: pdftotext-like layout with page furniture
# --------------------------------------------------------------------------------------------------------------

VOWELS = set("aeiouyàâäéèêëîïôöùûüÿœæ")
INSEPARABLE = set("bl br ch cl cr dr fl fr gl gn gr ph pl pr th tr vr sh ck qu wh wr".split())
TRAILING_PUNCT = ".,;:!?»)]\"'…"
NBSP = "\u00a0"


def hyphen_points(word: str) -> list[int]:
    """Rough syllable breaks (V-CV and VC-CV), at least three letters on each side."""
    low = word.lower()
    points = []
    for i in range(3, len(low) - 2):
        a, b, c = low[i - 1], low[i], low[i + 1]
        if a in VOWELS and b not in VOWELS and c in VOWELS:
            points.append(i)
        elif a not in VOWELS and b not in VOWELS and low[i - 2] in VOWELS and c in VOWELS and a + b not in INSEPARABLE:
            points.append(i)
    return points


def split_word(word: str, room: int) -> tuple[str, str, str, str] | None:
    """Break ``word`` so that its head (with the hyphen) fits in ``room``: (head, tail, kind, whole word)."""
    if "-" in word.strip("-"):
        cuts = [m.end() for m in re.finditer("-", word) if 3 <= m.end() <= room and m.end() < len(word) - 1]
        return (word[: cuts[-1]], word[cuts[-1] :], "compound", word.rstrip(TRAILING_PUNCT)) if cuts else None
    k = max(word.rfind("’"), word.rfind("'"))
    prefix, core = word[: k + 1], word[k + 1 :]
    stem = core.rstrip(TRAILING_PUNCT)
    if len(stem) < 7 or not stem.isalpha():
        return None
    points = [i for i in hyphen_points(stem) if len(prefix) + i + 1 <= room]
    if not points:
        return None
    i = points[-1]
    return prefix + stem[:i] + "-", stem[i:] + core[len(stem) :], "soft", (prefix + stem).replace(NBSP, " ")


def tie(text: str) -> str:
    """Non-breaking spaces where a typesetter would never break a line (guillemets, French high punctuation)."""
    for old, new in (
        ("« ", "«" + NBSP),
        (" »", NBSP + "»"),
        (" :", NBSP + ":"),
        (" ;", NBSP + ";"),
        (" ?", NBSP + "?"),
        (" !", NBSP + "!"),
        ("— ", "—" + NBSP),
    ):
        text = text.replace(old, new)
    return text


@dataclass
class Line:
    text: str
    kind: str = "text"  # text | blank | heading | title
    para_end: bool = False
    hyph: dict | None = None
    new_page: bool = False
    keep_next: bool = False
    chapter: str = ""


def wrap(text: str, width: int, first_indent: str = "", indent: str = "") -> list[Line]:
    words = [w for w in re.split(r"[ \n]+", tie(text)) if w]
    out: list[Line] = []
    cur = first_indent
    for word in words:
        sep = " " if cur.strip() else ""
        if len(cur) + len(sep) + len(word) <= width:
            cur += sep + word
            continue
        room = width - len(cur) - len(sep)
        split = split_word(word, room) if cur.strip() and width - len(cur) > 6 else None
        if split:
            head, tail, kind, whole = split
            out.append(
                Line(
                    (cur + sep + head).replace(NBSP, " "),
                    hyph={"kind": kind, "head": head, "tail": tail.replace(NBSP, " "), "word": whole},
                )
            )
            cur = indent + tail
        else:
            out.append(Line(cur.replace(NBSP, " ")))
            cur = indent + word
    out.append(Line(cur.replace(NBSP, " "), para_end=True))
    return out


def center(text: str, width: int) -> str:
    return " " * max(0, (width - len(text)) // 2) + text


@dataclass(frozen=True)
class BookSpec:
    src: str
    out: str
    lang: str
    style: str
    width: int
    per_page: int
    running_title: str
    author: str
    title: str


BOOKS = [
    BookSpec(
        "le_vent_des_dunes.txt",
        "books/le_vent_des_dunes.txt",
        "fr",
        "novella",
        66,
        31,
        "LE VENT DES DUNES",
        "Louise Kerhervé",
        "Le Vent des dunes",
    ),
    BookSpec(
        "les_heures_de_l_atelier.txt",
        "books/les_heures_de_l_atelier.txt",
        "fr",
        "memoir",
        70,
        30,
        "LES HEURES DE L’ATELIER",
        "Geneviève Martel",
        "Les Heures de l’atelier",
    ),
    BookSpec(
        "instruction_sur_les_abeilles.txt",
        "books/instruction_sur_les_abeilles.txt",
        "fr",
        "treatise",
        62,
        29,
        "INSTRUCTION SUR LES ABEILLES",
        "M. D***",
        "Instruction familière sur le gouvernement des abeilles",
    ),
    BookSpec(
        "the_ferrymans_ledger.txt",
        "books/the_ferrymans_ledger.txt",
        "en",
        "english",
        72,
        29,
        "The Ferryman's Ledger",
        "Alasdair Penhallow",
        "The Ferryman's Ledger",
    ),
]
INDENTED = {"novella", "treatise"}  # paragraphs marked by a first-line indent, not by blank lines


def book_lines(spec: BookSpec) -> tuple[list[str], list[Line]]:
    """Return (title-page lines, body lines) for a book source."""
    title: list[str] = []
    lines: list[Line] = []
    chapter = ""
    w = spec.width
    blocks = (SRC / "books" / spec.src).read_text(encoding="utf-8").strip("\n").split("\n\n")
    for block in blocks:
        start = len(lines)
        first = block.split("\n")[0]
        if first.startswith("@"):
            title.extend(center(x[2:], w) if len(x) > 1 else "" for x in block.split("\n"))
        elif first == "~~~":
            lines.append(Line("", "blank", new_page=True, keep_next=True))
        elif first.startswith("# "):
            heading = block.split("\n")
            chapter = heading[0][2:].rstrip(".")
            group = [Line("", "blank")] if spec.style != "novella" else [Line("", "blank") for _ in range(3)]
            group.append(Line(center(heading[0][2:], w), "heading"))
            for sub in heading[1:]:
                if spec.style == "novella":
                    group.append(Line("", "blank"))
                group.extend(Line(center(part, w), "heading") for part in textwrap.wrap(sub[3:], w - 8))
            group.extend(Line("", "blank") for _ in range(2 if spec.style == "novella" else 1))
            for ln in group:
                ln.keep_next = True
            if spec.style == "novella":
                group[0].new_page = True
                group[0].kind = "chapter_open"
            lines.extend(group)
        elif first.startswith("= "):
            lines.extend([Line("", "blank"), Line(center(first[2:], w), "heading", para_end=True), Line("", "blank")])
        elif re.match(r"\d+\. ", first):
            lines.extend(wrap(block, w, "", "   "))
            if spec.style not in INDENTED:
                lines.append(Line("", "blank"))
        else:
            lines.extend(wrap(block, w, "   " if spec.style in INDENTED else ""))
            if spec.style not in INDENTED:
                lines.append(Line("", "blank"))
        for ln in lines[start:]:
            ln.chapter = chapter
    return title, lines


def paginate(lines: list[Line], per_page: int) -> list[list[Line]]:
    pages: list[list[Line]] = [[]]
    for ln in lines:
        page = pages[-1]
        if page and (ln.new_page or len(page) >= per_page or (ln.keep_next and len(page) > per_page - 5)):
            pages.append([])
            page = pages[-1]
        if not page and ln.kind == "blank" and not ln.new_page:
            continue
        page.append(ln)
    for page in pages:
        while page and page[-1].kind == "blank":
            page.pop()
    return [p for p in pages if p]


ROMAN = {7: "vij", 8: "viij", 9: "ix", 10: "x"}
OCR_PAGE_LABELS = {10: "[1O]", 12: "[l2]"}
SIGNATURES = {"vij": "a iiij", "9": "B", "11": "B ij", "13": "B iij", "17": "C"}


def layout_book(spec: BookSpec) -> tuple[str, dict]:
    """Lay a book out page by page; return the file text and its ground truth."""
    w = spec.width
    title, lines = book_lines(spec)
    if spec.style == "memoir":  # the title block opens the first text page
        lines = [Line(t, "title") for t in title] + [Line("", "title"), Line("", "title")] + lines
        title = []
    if spec.style == "treatise":  # preliminaries (roman numerals) then the text (arabic, from 9)
        cut = next(i for i, ln in enumerate(lines) if ln.new_page)
        prelim_pages, body_pages = paginate(lines[:cut], spec.per_page), paginate(lines[cut:], spec.per_page)
        text_pages = prelim_pages + body_pages
        labels = [ROMAN[7 + i] for i in range(len(prelim_pages))] + [str(9 + i) for i in range(len(body_pages))]
    else:
        text_pages = paginate(lines, spec.per_page)
        start = {"novella": 6, "memoir": 7, "english": 2}[spec.style]
        labels = [str(start + i) for i in range(len(text_pages))]

    rendered: list[list[str]] = []
    furniture: list[list[str]] = []
    page_labels: list[str | None] = []
    if title:  # unnumbered title page
        rendered.append([""] * 6 + title)
        furniture.append([])
        page_labels.append(None)
    total = len(text_pages) + (1 if title else 0)
    for index, (page, label) in enumerate(zip(text_pages, labels, strict=True)):
        body = [ln.text for ln in page]
        top: list[str] = []
        foot: list[str] = []
        if spec.style == "novella":
            if page[0].kind == "chapter_open":
                foot = ["", "", center(label, w)]
            elif int(label) % 2 == 0:
                top = [label + center(spec.running_title, w)[len(label) :], ""]
            else:
                top = [center(page[0].chapter, w).ljust(w - len(label)) + label, ""]
        elif spec.style == "memoir":
            top = [center(spec.author.upper(), w), ""] if index > 0 else []
            foot = ["", center(f"— {label} —", w)]
        elif spec.style == "treatise":
            number = OCR_PAGE_LABELS.get(int(label), f"[{label}]") if label.isdigit() else label
            top = [center(number, w), ""]
            catch = ""
            if index + 1 < len(text_pages):
                catch = next(ln.text for ln in text_pages[index + 1] if ln.text.strip()).split()[0]
            sig = SIGNATURES.get(label, "")
            if sig or catch:
                foot = ["", (center(sig, w) if sig else "").ljust(w - len(catch)) + catch]
        elif spec.style == "english":
            page_no = f"{int(label)}/{total}"
            foot = ["", spec.running_title.ljust(w - len(page_no)) + page_no]
        rendered.append(top + body + foot)
        furniture.append([x for x in top + foot if x.strip()])
        page_labels.append(label)

    page_texts = ["\n".join(x.rstrip() for x in page) + "\n" for page in rendered]
    if spec.style == "memoir":
        text = "\n\n".join(page_texts)  # no form feeds: pages only separated by blank lines
    else:
        text = "".join(p + "\f" for p in page_texts)

    # ground truth
    hyphenations = []
    splits = []
    words_per_page = []
    for page, label in zip(text_pages, labels, strict=True):
        words_per_page.append(sum(len(ln.text.split()) for ln in page if ln.kind == "text"))
        for pos, ln in enumerate(page):
            if ln.hyph:
                hyphenations.append({"page": label, "end_of_page": pos == len(page) - 1, **ln.hyph})
        last = page[-1]
        if last.kind == "text" and not last.para_end:
            splits.append(label)
    full = [n for n, p in zip(words_per_page, text_pages, strict=True) if len(p) >= spec.per_page - 4]
    assert 8 <= total <= 15, (spec.out, total)
    assert 250 <= sum(full) / len(full) <= 400, (spec.out, words_per_page)
    assert splits, f"{spec.out}: no paragraph runs across a page break"
    assert sum(h["kind"] == "soft" for h in hyphenations) >= 5, spec.out
    truth = {
        "lang": spec.lang,
        "pages": total,
        "form_feeds": spec.style != "memoir",
        "page_labels": page_labels,
        "words_per_page": ([0] if title else []) + words_per_page,
        "furniture_lines_per_page": furniture,
        "hyphenated_line_ends": hyphenations,
        "paragraphs_split_across_pages": splits,
    }
    return text, truth


FURNITURE_STYLES = {
    "novella": {
        "page_separator": "form feed (\\f) after every page",
        "header": "running header with the page number fused to it: even pages '<n>   LE VENT DES DUNES', "
        "odd pages '<CHAPTER>   <n>'; none on chapter-opening pages",
        "footer": "page number centred at the foot of chapter-opening pages only",
        "paragraphs": "first-line indent of 3 spaces, no blank line between paragraphs",
        "title_page": "unnumbered title page first",
        "body_lines_that_look_like_furniture": [
            "1871 (a year alone on a centred line)",
            "numbered list items '1. ... 5.'",
            "chapter headings 'CHAPITRE II', 'CHAPITRE III' in the text",
        ],
    },
    "memoir": {
        "page_separator": "NO form feeds: pages are separated only by blank lines",
        "header": "author name 'GENEVIÈVE MARTEL' centred on top of every page but the first",
        "footer": "page number centred as '— <n> —' alone on the last line of the page",
        "paragraphs": "separated by a blank line",
        "title_page": "none: the title block opens the first page",
    },
    "treatise": {
        "page_separator": "form feed (\\f) after every page",
        "header": "page number centred on top: roman 'vij', 'viij' for the preface, then '[9]', '[10]'...; "
        "OCR-damaged labels '[1O]' (page 10) and '[l2]' (page 12)",
        "footer": "printer's signature mark ('a iiij', 'B', 'B ij', 'B iij') centred and/or the catchword (the first "
        "word of the next page) flush right",
        "paragraphs": "first-line indent of 3 spaces",
        "title_page": "unnumbered title page first",
        "body_ocr_noise": "'l5' for 15 in chapter I (body text, not furniture)",
        "body_lines_that_look_like_furniture": ["'CHAPITRE PREMIER.' ... 'CHAPITRE V.' headings", "'FIN.'"],
    },
    "english": {
        "page_separator": "form feed (\\f) after every page",
        "header": "none",
        "footer": "running footer: the title flush left and '<n>/<total>' flush right",
        "paragraphs": "separated by a blank line",
        "title_page": "unnumbered title page first (page 1 of the total)",
    },
}


# --------------------------------------------------------------------------------------------------------------
# Ground truth
# --------------------------------------------------------------------------------------------------------------


def locator(corpus: Corpus, rid: str) -> dict:
    rec = corpus.records[rid]
    out = rec["file"]
    if out == WARC:
        return {"file": out, "uri": rec["uri"]}
    position = corpus.order[out].index(rid)
    return {"file": out, "row": position} if out == ARTICLES else {"file": out, "line": position}


EXPECTED_EXTRACTION = {
    "html": "the main text (article, recipe, posts...)",
    "notfound": "nothing, or boilerplate only: trafilatura's default returns just the cookie notice (about 30 words), "
    "favor_precision returns None",
    "redirect": "nothing (empty body)",
    "image": "nothing (not HTML)",
    "pdf": "nothing (not HTML)",
}


def ground_truth(corpus: Corpus, warc_counts: dict[str, int], captures: list[Capture], books: dict) -> dict:
    ids = [rid for out in (NEWS, FORUM, ENCYCLO, ARTICLES, WARC) for rid in corpus.order[out]]
    groups: dict[str, list[str]] = {}
    for rid in ids:
        for tag in ("dup", "near"):
            if tag in corpus.records[rid]:
                groups.setdefault(corpus.records[rid][tag], []).append(rid)
    exact_notes = {
        "E1": "verbatim: news item republished by a culture agenda (JSONL -> Parquet)",
        "E2": "verbatim: classified ad cross-posted twice in the same forum dump",
        "E3": "identical words, different whitespace (tabs, double spaces, trailing blanks, blank lines): "
        "exact after whitespace normalisation",
    }
    near_notes = {
        "N1": "same news article on another site's template (WARC page), two sentences edited",
        "N2": "magazine article pasted in a forum: one line added, one sentence removed, four typos",
        "N3": "English news item syndicated: one sentence added, lines hard-wrapped at 72 columns",
        "N4": "blog post syndicated by a magazine with a two-line boilerplate footer appended",
    }
    for key in ("E1", "E2"):
        assert len({corpus.text(r) for r in groups[key]}) == 1, key
    e3 = {" ".join(corpus.text(r).split()) for r in groups["E3"]}
    assert len(e3) == 1 and len({corpus.text(r) for r in groups["E3"]}) == 2
    junk: dict[str, list] = {}
    bad = []
    unicode_cases = []
    documents = []
    for rid in ids:
        rec = corpus.records[rid]
        if "junk" in rec:
            junk.setdefault(rec["junk"].replace("-", "_"), []).append(locator(corpus, rid))
        if "bad" in rec:
            problem = {"malformed": "malformed JSON (line truncated mid-record)", "empty": 'empty "text" ("")'}
            bad.append({**locator(corpus, rid), "problem": problem[rec["bad"]]})
        if "unicode" in rec:
            unicode_cases.append({**locator(corpus, rid), "problem": rec["unicode"]})
        if rec.get("bad") != "malformed":
            tags = [f"{t}:{rec[t]}" for t in ("dup", "near", "junk", "bad", "unicode") if t in rec]
            documents.append(
                {"locator": locator(corpus, rid), "id": rid, "lang": rec["lang"], "title": rec["title"], "tags": tags}
            )
    for cap in captures:
        if cap.kind != "html":
            bad.append(
                {
                    "file": WARC,
                    "uri": cap.uri,
                    "problem": f"not an HTML content page: {cap.kind} (HTTP {cap.status}, {cap.content_type})",
                }
            )
    junk["boilerplate"].append({"file": WARC, "uri": NOT_FOUND_URI})
    for book, truth in books.items():
        documents.append(
            {
                "locator": {"file": book},
                "id": Path(book).stem,
                "lang": truth["lang"],
                "title": truth["title"],
                "tags": ["book"],
            }
        )
    langs: dict[str, int] = {}
    for doc in documents:
        if not any(t.startswith(("junk:", "bad:")) for t in doc["tags"]):
            langs[doc["lang"]] = langs.get(doc["lang"], 0) + 1
    parquet_hint = [
        {
            "file": ARTICLES,
            "row": corpus.order[ARTICLES].index(rid),
            "lang_hint": rec["langhint"],
            "actual": rec["lang"],
        }
        for rid, rec in corpus.records.items()
        if "langhint" in rec
    ]
    return {
        "_about": "Ground truth for fonderie's sample corpus, written by make_sample_corpus.py. JSONL 'line' and "
        "Parquet 'row' indices are 0-based. WARC records are located by WARC-Target-URI.",
        "files": {
            NEWS: {"format": "jsonl", "lines": len(corpus.order[NEWS]), "valid_records": len(corpus.order[NEWS]) - 1},
            FORUM: {
                "format": "jsonl+gzip",
                "lines": len(corpus.order[FORUM]),
                "records_with_nonempty_text": len(corpus.order[FORUM]) - 1,
            },
            ENCYCLO: {"format": "jsonl+zstd", "lines": len(corpus.order[ENCYCLO])},
            ARTICLES: {
                "format": "parquet (zstd)",
                "rows": len(corpus.order[ARTICLES]),
                "columns": ["text", "title", "url", "date", "lang"],
            },
            WARC: {
                "format": "warc 1.0, gzip per record",
                "records": sum(warc_counts.values()),
                "records_by_type": dict(sorted(warc_counts.items())),
            },
            "books": {"format": "pdftotext-style plain text", "files": sorted(books)},
        },
        "warc_html_content_pages": [c.uri for c in captures if c.kind == "html"],
        "warc_responses": [
            {
                "uri": c.uri,
                "status": c.status,
                "content_type": c.content_type,
                "kind": c.kind,
                "expected_extraction": EXPECTED_EXTRACTION[c.kind],
            }
            for c in captures
        ],
        "warc_latin1_page": next(c.uri for c in captures if "iso-8859-1" in c.content_type),
        "bad_records": bad,
        "exact_duplicate_groups": [
            {"id": k, "note": exact_notes[k], "members": [locator(corpus, r) for r in groups[k]]}
            for k in ("E1", "E2", "E3")
        ],
        "near_duplicate_groups": [
            {"id": k, "note": near_notes[k], "members": [locator(corpus, r) for r in groups[k]]}
            for k in ("N1", "N2", "N3", "N4")
        ],
        "junk": dict(sorted(junk.items())),
        "unicode_problems": unicode_cases,
        "parquet_wrong_lang_hints": parquet_hint,
        "languages_of_content_documents": dict(sorted(langs.items())),
        "documents": documents,
        "books": books,
    }


# --------------------------------------------------------------------------------------------------------------


def write(path: str, data: bytes) -> None:
    target = ROOT / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)


def main() -> None:
    corpus = Corpus()
    write(NEWS, jsonl_bytes(corpus, NEWS, ensure_ascii=False))
    write(FORUM, gzip.compress(jsonl_bytes(corpus, FORUM, ensure_ascii=False), compresslevel=9, mtime=0))
    encyclo = jsonl_bytes(corpus, ENCYCLO, ensure_ascii=True)
    write(ENCYCLO, zstandard.ZstdCompressor(level=19, write_checksum=True).compress(encyclo))
    write(ARTICLES, parquet_bytes(corpus))
    captures = build_captures(corpus)
    warc, warc_counts = warc_bytes(captures)
    write(WARC, warc)
    books = {}
    for spec in BOOKS:
        text, truth = layout_book(spec)
        truth["title"], truth["author"] = spec.title, spec.author
        truth["furniture_style"] = FURNITURE_STYLES[spec.style]
        write(spec.out, text.encode("utf-8"))
        books[spec.out] = truth
    truth = ground_truth(corpus, warc_counts, captures, books)
    write("expected.json", (json.dumps(truth, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))


if __name__ == "__main__":
    main()
