import base64
import pickle
import random

import pytest
from datatrove.data import Document

from fonderie.steps.filters.gopher_quality import REASONS, MultilingualGopherQualityFilter

# good text of the kinds the corpus must keep: each a short paragraph or two
GOOD = {
    "news": "Le conseil municipal de Saint-Aubin a voté lundi soir la rénovation de la piscine intercommunale, "
    "fermée depuis l'été dernier. Les travaux, estimés à 3,2 millions d'euros, commenceront en septembre et "
    "dureront dix-huit mois. « C'est un équipement dont les familles ont besoin », a rappelé la maire.",
    "recipe": "Préchauffez le four à 200 °C. Dans un saladier, fouettez les quatre œufs avec le sucre jusqu'à ce que "
    "le mélange blanchisse, puis ajoutez la farine et le lait petit à petit. Versez la pâte dans un moule beurré, "
    "parsemez de pruneaux et enfournez pour quarante-cinq minutes.",
    "association": "Notre association réunit depuis 1987 les amoureux de la randonnée du Perche. Chaque dimanche, "
    "nous proposons une sortie d'une quinzaine de kilomètres, ouverte à tous les marcheurs, débutants ou "
    "confirmés. L’adhésion annuelle est de vingt euros et comprend l’assurance.",
    "book": "— Vous partez déjà ? demanda-t-elle.\n\n— Il le faut bien, répondit-il en prenant son chapeau. Le "
    "dernier train quitte la gare à neuf heures, et je ne voudrais pas le manquer…\n\n— Alors à demain !\n\n"
    "Elle le regarda s’éloigner sous la pluie, puis referma doucement la porte.",
    "encyclopedia": "Le bocage est un paysage rural où les champs et les prés sont enclos par des haies vives et "
    "des talus plantés d'arbres. Il est caractéristique de l'ouest de la France, en particulier de la Bretagne et "
    "de la Normandie. Les haies protègent les cultures du vent et abritent une faune variée.",
    "forum": "Bonjour à tous,\nj'ai le même problème depuis une semaine : mon levain ne double plus et il sent "
    "l'acétone... Je l'ai nourri deux fois par jour avec de la farine de seigle, et ça repart doucement.\n"
    "Merci pour vos conseils !",
}
ENGLISH = (
    "The library reopened on Monday after a year of repairs to its roof and its reading room. Volunteers moved "
    "more than twenty thousand books back onto the shelves, and the children's corner now has a small stage for "
    "story time. Opening hours are unchanged."
)
GERMAN = (
    "Der Gesangverein lädt am Samstag zu seinem Sommerfest ein. Auf dem Programm stehen Lieder aus drei "
    "Jahrhunderten, ein Kuchenbuffet und eine Tombola zugunsten der Jugendarbeit. Der Eintritt ist frei, um eine "
    "Spende wird gebeten, und bei Regen findet das Fest im Gemeindehaus statt."
)
FINNISH = (
    "Kirjasto avattiin maanantaina uudelleen vuoden kestäneen korjauksen jälkeen. Vapaaehtoiset siirsivät yli "
    "kaksikymmentätuhatta kirjaa takaisin hyllyihin, ja lasten nurkkaan rakennettiin pieni lava satutuokioita "
    "varten. Aukioloajat pysyvät ennallaan koko kesän ajan, ja kahvila palvelee kävijöitä arkisin aamusta iltaan."
)
# an e-mail attachment pasted as text: 24 lines of base64
_B64 = base64.b64encode(random.Random(0).randbytes(24 * 57)).decode()
BASE64 = "\n".join(_B64[i : i + 76] for i in range(0, len(_B64), 76))
JUNK = {
    "tiny": ("merci !", "gopher_short_doc"),
    "tiny_plus_one": ("+1", "gopher_short_doc"),
    "tiny_teaser": ("À suivre…", "gopher_short_doc"),
    "caps_spam": (
        "GAGNEZ 5000€ PAR MOIS DEPUIS CHEZ VOUS SANS AUCUNE EXPÉRIENCE !!! MÉTHODE SECRÈTE 100% GARANTIE, DES "
        "MILLIERS DE PERSONNES ONT DÉJÀ CHANGÉ DE VIE !!! CLIQUEZ ICI MAINTENANT ET RECEVEZ VOTRE CADEAU !!! OFFRE "
        "VALABLE AUJOURD'HUI SEULEMENT, PLACES LIMITÉES, CONTACTEZ-NOUS VITE !!!",
        "gopher_too_many_uppercase_words",
    ),
    "mojibake": (
        "Bonjour Ã  tous, quand j'ouvre les fichiers exportÃ©s par le logiciel de caisse, tous les caractÃ¨res "
        "accentuÃ©s sont remplacÃ©s par des symboles : HÃ©lÃ¨ne et FranÃ§ois deviennent illisibles. Sur l'ancien "
        "poste Ã§a fonctionnait trÃ¨s bien, quel rÃ©glage faut-il changer ?",
        "gopher_too_much_mojibake",
    ),
    "base64": (BASE64, "gopher_words_too_long"),
    "keywords": (
        "voyage pas cher hôtel Paris vol Lyon location voiture Marseille camping Bretagne séjour Corse promo "
        "croisière Méditerranée billet train Bordeaux gîte Alsace week-end Normandie réservation dernière minute "
        "randonnée Pyrénées spa Biarritz thalasso Vendée circuit Provence",
        "gopher_too_few_stop_words",
    ),
    "hashtags": (
        "Les soldes sont là ! " + " ".join(f"#{w}" for w in "promo soldes mode robe été plage style look".split() * 5),
        "gopher_too_many_hashes",
    ),
    "bullets": (
        "\n".join(f"- le {w} de la maison" for w in "sel poivre sucre beurre lait miel thé café riz pain".split()),
        "gopher_too_many_bullet_lines",
    ),
    "teasers": (
        "\n".join(
            f"Le maire de {town} a annoncé hier que les travaux de la place…"
            for town in ("Lyon", "Vienne", "Rennes", "Dole", "Auch", "Albi")
        ),
        "gopher_too_many_ellipsis_lines",
    ),
    "symbol_runs": (
        "Voici le fichier de la base :\n"
        + "\n".join(["=====;;;&&0x00 ||| ~~~~ ^^^ %% @@ 0x00;;;;;;&& ===== 0xff"] * 12),
        "gopher_too_few_alpha_words",
    ),
    "numbers_table": (
        "Relevé des températures de la semaine à la station :\n"
        + "\n".join(f"{d} | 12,5 | 13,2 | 14,8 | 9,1 | 1013 | 1015" for d in range(1, 9)),
        "gopher_too_few_alpha_words",
    ),
}


def doc(text: str, language: str | None = "fr") -> Document:
    return Document(text=text, id="d", metadata={"language": language} if language else {})


@pytest.mark.parametrize("name", sorted(GOOD))
def test_keeps_good_french_prose(name):
    assert MultilingualGopherQualityFilter().filter(doc(GOOD[name])) is True


@pytest.mark.parametrize("name", sorted(JUNK))
def test_drops_junk_with_its_reason(name):
    text, reason = JUNK[name]
    assert MultilingualGopherQualityFilter().filter(doc(text)) == (False, reason)


@pytest.mark.parametrize("text", ["", "  \n "])
def test_a_text_without_words_is_short_even_with_no_minimum(text):
    assert MultilingualGopherQualityFilter(min_doc_words=None).filter(doc(text)) == (False, "gopher_short_doc")


def test_stop_words_follow_the_document_language():
    f = MultilingualGopherQualityFilter()
    assert f.filter(doc(ENGLISH, "en")) is True
    assert f.filter(doc(GERMAN, "de")) is True
    assert f.filter(doc(GERMAN, "fr")) == (False, "gopher_too_few_stop_words")
    assert f.filter(doc(FINNISH, "fi")) is True  # no Finnish list: the rule is skipped
    assert f.filter(doc(GOOD["news"], "fra_Latn")) is True  # ISO 639-3 codes work too
    # no language: the default one
    assert f.filter(doc(ENGLISH, None)) == (False, "gopher_too_few_stop_words")
    assert MultilingualGopherQualityFilter(default_language="en").filter(doc(ENGLISH, None)) is True


def test_every_datatrove_reason_is_renamed_after_the_failure():
    assert REASONS["gopher_enough_stop_words"] == "gopher_too_few_stop_words"
    assert all(not r.startswith("gopher_enough") and "threshold" not in r for r in REASONS.values())


def test_counts_drops_by_reason_and_pickles():
    f = pickle.loads(pickle.dumps(MultilingualGopherQualityFilter()))
    docs = [doc(GOOD["news"]), doc("merci !"), doc("+1"), doc(JUNK["caps_spam"][0])]
    assert len(list(f.run(iter(docs)))) == 1
    assert f.stats["dropped_gopher_short_doc"].total == 2
    assert f.stats["dropped_gopher_too_many_uppercase_words"].total == 1


@pytest.mark.parametrize(
    "kwargs",
    [
        {"default_language": "xx"},
        {"min_alpha_words_ratio": 1.5},
        {"max_uppercase_words_ratio": -0.1},
        {"min_doc_words": 100, "max_doc_words": 10},
    ],
)
def test_bad_settings_raise(kwargs):
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        MultilingualGopherQualityFilter(**kwargs)


def test_the_quality_filters_tokenize_a_text_once(monkeypatch):
    from fonderie.steps.filters.c4_quality import MultilingualC4QualityFilter
    from fonderie.steps.filters.fineweb_quality import MultilingualFineWebQualityFilter
    from fonderie.steps.filters.gopher_repetition import MultilingualGopherRepetitionFilter
    from fonderie.text import words

    calls = []
    tokenize = words.FrenchWordTokenizer.word_tokenize
    monkeypatch.setattr(
        words.FrenchWordTokenizer, "word_tokenize", lambda self, t: calls.append(t) or tokenize(self, t)
    )
    chain = [
        MultilingualGopherQualityFilter(),
        MultilingualGopherRepetitionFilter(),
        MultilingualC4QualityFilter(),
        MultilingualFineWebQualityFilter(),
    ]
    text = GOOD["news"] + "\n\n" + GOOD["recipe"] + " (a text no other test tokenizes)"
    d = doc(text)
    assert all(f.filter(d) is True for f in chain)
    assert calls == [text]  # C4 left the text as it was: FineWeb finds its words in datatrove's cache
