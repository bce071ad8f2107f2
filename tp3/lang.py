"""The languages tp3's command line speaks: English, and the lab's French.

`--lang` chooses; without it, TP3_LANG, then the locale as POSIX reads it (LC_ALL, else
LC_MESSAGES, else LANG: "fr_FR.UTF-8" is French). Each part of tp3 keeps its words in one
`Phrases` table (tp3/game/texts.py, tp3/chat/texts.py, tp3/currency/texts.py)."""

import os
import string
from collections.abc import Mapping
from enum import StrEnum

__all__ = ["Lang", "Phrases", "lang_from_env"]


class Lang(StrEnum):
    en = "en"
    fr = "fr"


def lang_from_env(environ: Mapping[str, str] = os.environ) -> Lang:
    """TP3_LANG, else the locale's language for messages; English unless it is French."""
    for name in ("TP3_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name, "")
        if value:
            return Lang.fr if value.lower().startswith("fr") else Lang.en
    return Lang.en


class Phrases:
    """Phrases by key, a template in each language: `words("total", Lang.fr, total=3)`.

    Checked when made (so at import): every language has every key, with the same fields,
    so a missing or mistyped translation fails at once, not in front of a user."""

    def __init__(self, table: Mapping[Lang, Mapping[str, str]]) -> None:
        english = table[Lang.en]
        for lang in Lang:
            other = table[lang]
            if other.keys() != english.keys():
                raise ValueError(f"{lang} lacks or adds {sorted(other.keys() ^ english.keys())}")
            for key, template in other.items():
                if _fields(template) != _fields(english[key]):
                    raise ValueError(f"{lang} {key!r}: not the fields of the English")
        self._table = table

    def __call__(self, key: str, lang: Lang, /, **fields: object) -> str:
        return self._table[lang][key].format(**fields)

    def keys(self) -> set[str]:
        return set(self._table[Lang.en])


def _fields(template: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(template) if field}
