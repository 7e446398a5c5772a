import pytest

from fonderie.config.suggest import check_names, close_names, did_you_mean
from fonderie.errors import ConfigError


@pytest.mark.parametrize(
    "name, valid, expected",
    [
        ("taks", ["kind", "tasks", "workers"], "did you mean tasks?"),
        ("licence", ["license", "slice", "source"], "did you mean license?"),  # `slice` is far behind: left out
        ("max_step", ["max_steps", "max_stepz", "seed"], "did you mean max_stepz or max_steps?"),
        ("zzz", ["workers", "kind"], "expected one of kind, workers"),
        ("zzz", [], "nothing is expected here"),
    ],
)
def test_did_you_mean(name, valid, expected):
    assert did_you_mean(name, valid) == expected


def test_close_names_is_empty_when_nothing_is_close():
    assert close_names("char_duplicates_ration", ["char_duplicates_ratio", "new_line_ratio"]) == [
        "char_duplicates_ratio"
    ]
    assert close_names("x", ["char_duplicates_ratio"]) == []


class Step:
    def __init__(self, min_words: int = 3, max_ratio: float = 0.5, *args, exclusion_writer=None, **kwargs):
        pass


def test_check_names_refuses_unknown_and_private_parameters():
    check_names("q", {"min_words": 2}, Step)
    with pytest.raises(ConfigError, match=r"^q\.min_word: no such threshold; did you mean min_words\?$"):
        check_names("q", {"min_word": 2}, Step, "threshold")
    # the writer is the stage's, not a setting; *args and **kwargs name nothing
    with pytest.raises(ConfigError, match=r"^q\.exclusion_writer: no such setting; expected one of max_ratio, min_wo"):
        check_names("q", {"exclusion_writer": None}, Step)
