"""Texts and fixtures shared by the token tests: a varied corpus, a tiny tokenizer trained on it, document shards.

The tokenizer is trained once per test session into a temporary folder (a few hundred merges on the corpus below,
so the test is hermetic and fast); every text is NFC unless its name says otherwise.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from functools import lru_cache
from pathlib import Path

from datatrove.data import Document

FRENCH = [
    "L'homme qu'il a vu hier n'était pas celui d'avant ; aujourd'hui, l’État s’en occupe. Jusqu'à quand ?",
    "« Bonjour ! » dit-elle. — Où est la bibliothèque ? Elle ouvrira le 12 mars 2024 à 9 h 30, rue de l'Église.",
    "Les élèves de l'école Saint-Exupéry ont planté 1 250 arbres : chênes, hêtres, frênes et érables.",
    "Ça coûte 3,50 € le kilo ; c'est-à-dire presque rien. Qu’en pensez-vous ? Œuvre, cœur, naïf, Noël, maïs.",
    "Il était une fois, dans un château perdu au fond des bois, une princesse qui lisait Hugo et Zola à la bougie.",
]
MULTILINGUAL = [
    "The quick brown fox doesn't jump over the lazy dog; it's 42 degrees outside and we'll stay in.",
    "Der Straßenbahnfahrer grüßt höflich: „Guten Morgen, meine Damen und Herren!“",
    "El niño comió paella en la playa de Málaga, ¿verdad? ¡Qué rico!",
    "Москва — столица России; население около 13 миллионов человек.",
    "東京は日本の首都です。人口は約1400万人です。北京是中国的首都。",
    "서울은 대한민국의 수도입니다. 인구는 약 천만 명입니다.",
    "القاهرة هي عاصمة مصر، وعدد سكانها كبير جدا.",
    "नमस्ते, आप कैसे हैं? मैं ठीक हूँ, धन्यवाद।",
    "Η Αθήνα είναι η πρωτεύουσα της Ελλάδας. שלום עולם! สวัสดีครับ ยินดีต้อนรับ",
]
MESSY = [
    "Emoji: 👋🏽 👨‍👩‍👧‍👦 🇫🇷🇪🇺 ❤️‍🔥 🏳️‍🌈 1️⃣ ☕️ 🤖✨",
    "Espaces\u00a0insécables et fines\u202f: oui\u202f! Tab\tCRLF\r\nU+2028\u2028U+2029\u2029NEL\u0085fin",
    "Zero\u200bwidth\u200cjoin\u200dners, BOM\ufeff, RTL \u200fmark\u200e, soft\u00adhyphen, \x00\x07\x1b controls",
    "Maths: ∀x∈ℝ, x² ≥ 0; ∑ᵢ aᵢ ≈ π·r²; ½ ⅔ ¾; 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝒮𝒸𝓇𝒾𝓅𝓉; ①②③ Ⅻ",
    "Code: def f(x): return x**2 + 1  # ok\n    if (a && b) { return [1, 2, 3]; }\n\n\n   \n",
    "URLs https://fr.wikipedia.org/wiki/Bo%C3%AEte_de_Petri?x=1&y=2#h et e-mail prénom.nom@exemple.fr",
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!!!!!!!!!!!!!!!??????......------",
    "Guillemets 'simples', \"doubles\", ‘anglais’, “courbes”, l'' double apostrophe, l' espace, ' seul",
    "Nombres 1234567890 0,001 1.000.000 3e-5 0x1F 2024-01-31T12:00:00Z +33 (0)1 23 45 67 89",
    "Combinants déjà composés: e\u0301 ne l'est pas (NFD), ni a\u0300 ni o\u0302; Å vs A\u030a; ﬁ ligature",
    "Specials written as text: <|eos|> <|bos|><|user|>bonjour<|end|> <|assistant|> and <|endoftext|>",
    "Dingbats ✂✈☎ arrows ←↑→↓ box ┌─┐│└┘ braille ⠁⠃⠉ music 𝄞 old italic 𐌀 linear B 𐀀 cuneiform 𒀀",
    "",
    " ",
    "\n\n\n",
    "x",
]
LONG = " ".join(FRENCH) * 400 + "\n" + "".join(MULTILINGUAL) * 40  # ~200 kB
CORPUS = FRENCH + MULTILINGUAL + MESSY + [LONG]


def temporary_folder() -> Path:
    folder = tempfile.mkdtemp(prefix="fonderie-tokens-")
    atexit.register(shutil.rmtree, folder, True)
    return Path(folder)


@lru_cache(maxsize=1)
def tokenizer_dir() -> Path:
    """A tokenizer trained by fonderie on CORPUS (a few hundred merges), saved with the transformers files."""
    from datatrove.io import get_datafolder

    from fonderie.tokens.train import save_tokenizer, train_tokenizer

    folder = temporary_folder() / "tokenizer"
    tokenizer = train_tokenizer([CORPUS * 3], vocab_size=1000, min_frequency=2)
    save_tokenizer(tokenizer, get_datafolder(str(folder)))
    return folder


def documents(n: int = 120) -> list[Document]:
    """`n` documents from three sources and four languages, with ids as the ingest stage writes them."""
    texts = (
        [(t, "fr") for t in FRENCH] + [(t, "en") for t in MULTILINGUAL[:1]] + [(t, "de") for t in MULTILINGUAL[1:2]]
    )
    texts += [(t, None) for t in MESSY if t.strip()]
    docs = []
    for i in range(n):
        text, language = texts[i % len(texts)]
        source = ("books", "web", "news")[i % 3]
        meta = {"source": source, "language": language} if language else {"source": source}
        docs.append(Document(text=f"{text} ({i})", id=f"{source}/file{i % 7}.jsonl#{i}", metadata=meta))
    return docs


def write_document_shards(folder: Path, docs: list[Document], shards: int = 3) -> None:
    """Document shards as a previous stage leaves them: `part-XXXXX.parquet`, rows dealt round-robin."""
    from fonderie.pipeline.documents import document_schema
    from fonderie.steps.writers.document_shards import DocumentShardWriter

    for rank in range(shards):
        writer = DocumentShardWriter(str(folder), document_schema())
        list(writer(iter(docs[rank::shards]), rank=rank))


def write_token_folder(folder: Path, docs: list[Document], tasks: int = 1, **writer_args) -> Path:
    """A token folder made in-process as the tokenize stage makes it: `tasks` writer tasks, then the manifest."""
    from fonderie.steps.tokens.manifest_writer import ManifestWriter
    from fonderie.steps.tokens.token_shard_writer import TokenShardWriter

    tokens = folder / "tokens"
    for rank in range(tasks):
        writer = TokenShardWriter(str(tokens), str(tokenizer_dir()), **writer_args)
        list(writer.run(iter(docs[rank::tasks]), rank=rank, world_size=tasks))
    list(ManifestWriter(str(tokens), str(tokenizer_dir()), parts=tasks).run(None, 0, 1))
    return tokens
