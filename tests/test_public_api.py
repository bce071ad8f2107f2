"""The client's public surface is explicit, complete and sorted (as httpx checks its own)."""

import inspect
import typing

import tp3.client


def test_client_exports_are_complete() -> None:  # ruff (RUF022) keeps __all__ sorted
    exported = tp3.client.__all__
    assert len(set(exported)) == len(exported)
    public = {
        name
        for name, value in vars(tp3.client).items()
        if not name.startswith("_")
        and getattr(value, "__module__", "").startswith("tp3.client")
        and name != "annotations"
    }
    assert public <= set(exported)
    for name in exported:
        assert hasattr(tp3.client, name)


def test_three_lines_are_enough() -> None:
    source = tp3.client.__doc__ or ""
    assert 'with Tp3Client("127.0.0.1:50051") as tp3:' in source


def _tp3_types(hint: object) -> set[type]:
    """The classes from tp3 that a type hint names, however deeply nested."""
    found: set[type] = set()
    module = getattr(hint, "__module__", "")
    if isinstance(hint, type) and module.startswith("tp3.") and ".generated" not in module:
        found.add(hint)
    for argument in typing.get_args(hint):
        found |= _tp3_types(argument)
    return found


def test_every_type_a_client_call_takes_or_returns_is_exported() -> None:
    """A user annotates with `from tp3.client import ...` alone, never a private module."""
    named: set[type] = set()
    for name in tp3.client.__all__:
        cls = getattr(tp3.client, name)
        if callable(cls) and not isinstance(cls, type):  # a function: parse_target
            for hint in typing.get_type_hints(cls).values():
                named |= _tp3_types(hint)
            continue
        if not isinstance(cls, type):
            continue
        init = inspect.getattr_static(cls, "__init__")  # inherited or its own
        for attribute, member in [*vars(cls).items(), ("__init__", init)]:
            if callable(member) and (not attribute.startswith("_") or attribute == "__init__"):
                for hint in typing.get_type_hints(member).values():
                    named |= _tp3_types(hint)
        named |= {
            t for hint in typing.get_type_hints(cls).values() for t in _tp3_types(hint)
        }  # attributes such as ChatSession.joined
    missing = {t.__name__ for t in named if getattr(tp3.client, t.__name__, None) is not t}
    assert not missing, f"not exported from tp3.client: {sorted(missing)}"


def test_exported_names_are_unambiguous() -> None:
    """Chat and game each had a `Joined` and a `Notice`: one name, one thing."""
    classes = [v for v in map(tp3.client.__dict__.get, tp3.client.__all__) if isinstance(v, type)]
    assert len({c.__name__ for c in classes}) == len(classes)
