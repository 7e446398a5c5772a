import pickle
import sys

import pytest
from datatrove.utils.text import split_into_sentences, split_into_words
from datatrove.utils.word_tokenizers import WordTokenizer, load_word_tokenizer

from fonderie.text.words import FrenchWordTokenizer, sent_tokenize, word_tokenize, word_tokenizer


@pytest.mark.parametrize(
    "text, tokens",
    [
        # elisions, straight and typographic apostrophes, any case
        ("l'homme", ["l'", "homme"]),
        ("l’homme", ["l’", "homme"]),
        (
            "qu'il d'un j'ai c'est n'est s'il",
            ["qu'", "il", "d'", "un", "j'", "ai", "c'", "est", "n'", "est", "s'", "il"],
        ),
        ("jusqu'à lorsqu'elle puisqu’on", ["jusqu'", "à", "lorsqu'", "elle", "puisqu’", "on"]),
        ("quelqu'un presqu'île quoiqu'il", ["quelqu'", "un", "presqu'", "île", "quoiqu'", "il"]),
        ("L'ÉTÉ QU'IL D’abord", ["L'", "ÉTÉ", "QU'", "IL", "D’", "abord"]),
        ("m'a t'aime", ["m'", "a", "t'", "aime"]),
        ("dell'anno un'amica", ["dell'", "anno", "un'", "amica"]),  # Italian elisions too
        # an apostrophe inside a word stays there
        ("aujourd'hui d'aujourd'hui", ["aujourd'hui", "d'", "aujourd'hui"]),
        ("don't it's O'Brien", ["don't", "it's", "O'Brien"]),
        ("l'1", ["l'1"]),  # an elision needs a letter after it
        # hyphens: compounds stay whole, inverted pronouns are split off
        ("grand-mère Saint-Aubin-les-Prés c'est-à-dire", ["grand-mère", "Saint-Aubin-les-Prés", "c'", "est-à-dire"]),
        ("dit-il a-t-elle peut-on", ["dit", "-il", "a", "-t-elle", "peut", "-on"]),
        ("donne-le-moi est-ce", ["donne", "-le", "-moi", "est", "-ce"]),
        ("celui-ci peut-être", ["celui-ci", "peut-être"]),
        # numbers keep their separators; units and currencies are tokens of their own
        ("3,5 1.000 12h30 12:30 1/2 2024-2025", ["3,5", "1.000", "12h30", "12:30", "1/2", "2024-2025"]),
        ("5000€ 100% 90 m² 140x190", ["5000", "€", "100", "%", "90", "m²", "140x190"]),
        ("1, 2, 3.", ["1", ",", "2", ",", "3", "."]),
        # punctuation: one token per mark, but ellipses, dashes and !? runs are one each
        ("« Oui ! » — Quoi ?!", ["«", "Oui", "!", "»", "—", "Quoi", "?!"]),
        ("Attends... -- non !!!", ["Attends", "...", "--", "non", "!!!"]),
        ("fin…", ["fin", "…"]),
        ("#tag @user ===", ["#", "tag", "@", "user", "=", "=", "="]),
        # URLs are one token, without the sentence's final period
        (
            "voir https://exemple.fr/a?b=1. et www.exemple.org/x",
            ["voir", "https://exemple.fr/a?b=1", ".", "et", "www.exemple.org/x"],
        ),
        # combining accents (text not NFC-normalized) stay in their word
        ("cafe\u0301 cre\u0300me", ["cafe\u0301", "cre\u0300me"]),
        ("", []),
    ],
)
def test_word_tokenize(text, tokens):
    assert word_tokenize(text) == tokens


@pytest.mark.parametrize(
    "text, sentences",
    [
        ("Il pleut. Elle sort.", ["Il pleut.", "Elle sort."]),
        ("Quoi ? Il part ! Elle reste… Puis rien.", ["Quoi ?", "Il part !", "Elle reste…", "Puis rien."]),
        # a closing guillemet or bracket belongs to the sentence it ends
        ("« Tu viens ? » Il hésita. (Voilà.) Fin.", ["« Tu viens ? »", "Il hésita.", "(Voilà.)", "Fin."]),
        # a mark followed by a lowercase word ends nothing: French incises and dialogue
        ("« Viens ! » dit-il. « Non ! » cria-t-elle.", ["« Viens ! » dit-il.", "« Non ! » cria-t-elle."]),
        ("— Oui. — Non.", ["— Oui.", "— Non."]),
        # abbreviations and initials
        (
            "M. Dupont et Mme. Durand arrivent. Le Dr. House aussi.",
            ["M. Dupont et Mme. Durand arrivent.", "Le Dr. House aussi."],
        ),
        ("James W. Weldon, p. ex. Paris, cf. Martin. Fin.", ["James W. Weldon, p. ex. Paris, cf. Martin.", "Fin."]),
        ("Des pommes, des poires, etc. Puis il part.", ["Des pommes, des poires, etc.", "Puis il part."]),
        ("Voir art. 3 et p. 12. Ensuite.", ["Voir art. 3 et p. 12.", "Ensuite."]),
        # a blank line ends a sentence (titles, list items)
        (
            "Chapitre premier\n\nLe car partit. Il\nfaisait froid.",
            ["Chapitre premier", "Le car partit.", "Il\nfaisait froid."],
        ),
        ("He said no. Then he left.", ["He said no.", "Then he left."]),
        ("sans point final", ["sans point final"]),
        ("   ", []),
    ],
)
def test_sent_tokenize(text, sentences):
    assert sent_tokenize(text) == sentences


def test_span_tokenize_gives_the_offsets_of_the_sentences():
    text = "  Il pleut.  « Tu viens ? »\n\nNon.  "
    spans = word_tokenizer().span_tokenize(text)
    assert [text[a:b] for a, b in spans] == ["Il pleut.", "« Tu viens ? »", "Non."]


def test_is_a_datatrove_word_tokenizer_shared_by_every_filter():
    tok = FrenchWordTokenizer()
    assert isinstance(tok, WordTokenizer) and load_word_tokenizer(tok) == tok
    # all instances are equal, so datatrove's split_into_words cache serves every filter that holds one
    assert tok == word_tokenizer() == pickle.loads(pickle.dumps(tok)) and hash(tok) == hash(word_tokenizer())
    text = "L'été, qu'il pleuve ou non. C'est ainsi."
    words = split_into_words(text, tok)
    assert words == word_tokenize(text) and split_into_words(text, FrenchWordTokenizer()) is words
    assert len(split_into_sentences(text, tok)) == 2


def test_needs_no_model_download(monkeypatch):
    # importing spaCy, NLTK or stanza (and so downloading their models) would fail
    for module in ("spacy", "nltk", "stanza"):
        monkeypatch.setitem(sys.modules, module, None)
    tok = FrenchWordTokenizer()
    assert split_into_words("L'homme qu'il a vu, au revoir.", tok)[:3] == ["L'", "homme", "qu'"]
    assert split_into_sentences("Il pleut. Elle sort.", tok) == ["Il pleut.", " Elle sort."]
