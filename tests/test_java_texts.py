"""The Java client's phrase tables (clients/java: CurrencyTexts, ChatTexts, GameTexts) are the
Python CLI's (tp3/*/texts.py): the same phrases, word for word, in both languages.

The Java tables write their templates as Python's do ("{total}", "{sequence:<4}", "{line!r}"),
so each can be filled here as Python fills it. Read from the Java sources: no Java needed.
"""

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from tp3.chat.texts import words as chat_words
from tp3.currency.texts import words as currency_words
from tp3.game.texts import words as game_words
from tp3.lang import Lang, Phrases

SOURCES = Path(__file__).parent.parent / "clients" / "java" / "src" / "main" / "java" / "tp3"

_LITERAL = re.compile(r'"((?:[^"\\]|\\.)*)"')
_FIELD = re.compile(r"\{(\w+)")


def java_phrases(source: Path) -> dict[Lang, dict[str, str]]:
    """The `entry("key", template)` of each language's table in `source`: a template is string
    literals joined by `+`, or `String.join("\\n", lines...)`."""
    text = source.read_text()
    english, french = text.split("Lang.fr, Map.ofEntries(")
    return {Lang.en: _entries(english), Lang.fr: _entries(french)}


def _entries(text: str) -> dict[str, str]:
    entries = {}
    for start in (m.end() for m in re.finditer(r"\bentry\(", text)):
        depth, end = 1, start
        while depth:  # to the entry's closing parenthesis, skipping those in literals
            if literal := _LITERAL.match(text, end):
                end = literal.end()
                continue
            depth += {"(": 1, ")": -1}.get(text[end], 0)
            end += 1
        expression = text[start : end - 1]
        key, *parts = [json.loads(f'"{m[1]}"') for m in _LITERAL.finditer(expression)]
        if "String.join(" in expression:
            separator, *parts = parts
            entries[key] = separator.join(parts)
        else:
            entries[key] = "".join(parts)
    return entries


TABLES: dict[str, tuple[Phrases, Callable[[], set[str]]]] = {
    "CurrencyTexts.java": (currency_words, currency_words.keys),
    "ChatTexts.java": (chat_words, chat_words.keys),
    "GameTexts.java": (game_words, game_words.keys),
}


@pytest.mark.parametrize("source", TABLES)
def test_the_java_tables_are_the_python_ones(source: str) -> None:
    python, keys = TABLES[source]
    java = java_phrases(SOURCES / "client" / source)
    for lang in Lang:
        assert set(java[lang]) == keys(), lang
        for key, template in java[lang].items():
            # each field a value of its own, short enough for "{sequence:<4}" to pad it
            fields = {name: chr(ord("A") + i) for i, name in enumerate(_FIELD.findall(template))}
            assert template.format(**fields) == python(key, lang, **fields), (lang, key)


def test_the_reader_reads_joined_and_concatenated_templates() -> None:
    game = java_phrases(SOURCES / "client" / "GameTexts.java")
    assert game[Lang.fr]["help"].count("\n") == 2
    assert game[Lang.en]["game_over"].endswith(", {attempts} guesses)")
    assert game[Lang.fr]["not_a_number"].startswith("ce n'est pas un nombre : {line!r} ;")
