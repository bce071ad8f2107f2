"""The language chosen without --lang, and the phrase tables' own checks."""

import pytest

from tp3.lang import Lang, Phrases, lang_from_env


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, Lang.en),
        ({"LANG": "fr_FR.UTF-8"}, Lang.fr),
        ({"LANG": "fr_CA.UTF-8"}, Lang.fr),
        ({"LANG": "C.UTF-8"}, Lang.en),
        ({"LANG": "de_DE.UTF-8"}, Lang.en),  # no German: English
        ({"LANG": "fr_FR.UTF-8", "LC_MESSAGES": "en_GB.UTF-8"}, Lang.en),
        ({"LANG": "en_US.UTF-8", "LC_ALL": "fr_BE.UTF-8"}, Lang.fr),
        ({"LC_ALL": "", "LANG": "fr_FR.UTF-8"}, Lang.fr),  # an empty variable is unset
        ({"LANG": "fr_FR.UTF-8", "TP3_LANG": "en"}, Lang.en),
        ({"TP3_LANG": "fr"}, Lang.fr),
    ],
)
def test_the_locale_chooses_as_posix_reads_it(environ: dict[str, str], expected: Lang) -> None:
    assert lang_from_env(environ) is expected


def test_a_phrase_is_said_in_the_language_asked() -> None:
    words = Phrases({Lang.en: {"total": "total: {n}"}, Lang.fr: {"total": "total : {n}"}})
    assert words("total", Lang.en, n=3) == "total: 3"
    assert words("total", Lang.fr, n=3) == "total : 3"
    assert words.keys() == {"total"}


def test_a_missing_translation_fails_when_the_table_is_made() -> None:
    with pytest.raises(ValueError, match="fr lacks or adds \\['total'\\]"):
        Phrases({Lang.en: {"total": "total: {n}", "hi": "hi"}, Lang.fr: {"hi": "salut"}})


def test_a_translation_with_other_fields_fails_when_the_table_is_made() -> None:
    with pytest.raises(ValueError, match="fr 'total': not the fields of the English"):
        Phrases({Lang.en: {"total": "total: {n}"}, Lang.fr: {"total": "total : {count}"}})
