"""An 18th-century book as Tesseract reads it (long s as `f` and `{`, hard-wrapped lines, `&`), its modern
reading, and unreadable OCR: shared by the long-s, OCR-quality, filter and clean-stage tests."""

OCR_BOOK = (
    "Le blé eft la plante la plus utile à l’homme ; il fe cultive dans toutes\n"
    "les provinces du royaume, & fon grain fournit\n"
    "à prefque tous les peuples leur aliment\n"
    "principal.\n\n"
    "Cette efpèce de froment, {péciatement celle\n"
    "que l’on sème en automne, demande une terre\n"
    "profonde & bien préparée ; elle craint\n"
    "l’humidité, qui la fait pourrir fur pied.\n\n"
    "On a confondu jufqu’à nos jours la carie\n"
    "& le charbon, deux maladies qui attaquent\n"
    "{ouvent le grain avant fa maturité, & dont\n"
    "les effets font connus de tous les laboureurs\n"
    "du royaume\n"
)
MODERN = (
    OCR_BOOK.replace("eft", "est").replace(" fe ", " se ").replace("fon grain", "son grain")
    .replace("prefque", "presque").replace("efpèce", "espèce").replace("{péciatement", "spéciatement")
    .replace("fur pied", "sur pied").replace("jufqu", "jusqu").replace("{ouvent", "souvent")
    .replace(" fa ", " sa ")
)  # fmt: skip
GARBAGE = " ".join(["ſt%$ m@ï l1| ~~^ qu*§ ¤¤ e#r", "vn%u 'l° ,;:= 3e§ àç@ pqr#"] * 12)


def garbled(text: str, share: float, seed: int = 0) -> str:
    """`text` with about `share` of its letters replaced by OCR-like confusions (deterministic)."""
    import random

    rng = random.Random(seed)
    confusions = "lI1|!;:.,'`^~*%°ïîç{}"
    return "".join(rng.choice(confusions) if c.isalpha() and rng.random() < share else c for c in text)


NOISY_OCR = garbled(MODERN, 0.3)  # a page read with 30% of its letters wrong: unreadable, still French to fastText
