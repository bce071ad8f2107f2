"""Names: what makes two names the same one (case, compatibility forms, look-alikes)."""

import pytest

from tp3.names import name_key, taken

# The look-alikes of "alice" a review found joining next to her (a Cyrillic a, full-width
# letters, a dotless i) and others of the same kind.
LOOK_ALIKES = [
    "Alice",
    "ALICE",
    "\u0430lice",
    "\uff41\uff4c\uff49\uff43\uff45",
    "al\u0131ce",
    "a1ice",
    "\u0410LICE",
]


@pytest.mark.parametrize("name", LOOK_ALIKES)
def test_look_alikes_have_the_same_key(name: str) -> None:
    assert name_key(name) == name_key("alice")


@pytest.mark.parametrize(
    ("one", "other"), [("alice", "alicia"), ("zoe", "Zoë"), ("bob", "bobby"), ("李雷", "李雪")]
)
def test_different_names_have_different_keys(one: str, other: str) -> None:
    assert name_key(one) != name_key(other)


def test_the_refusal_names_the_look_alike_only_when_it_differs() -> None:
    assert taken("ALICE", "alice") == "'ALICE' is already taken"
    assert taken("\u0430lice", "alice") == "'\u0430lice' looks like 'alice', already taken"
