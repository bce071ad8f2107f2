"""Help that reads like a man page: `--room ROOM`, `--count N`, `--json`, `AMOUNT FROM TO`.

typer 0.29 prints each parameter's Python type in angle brackets (`--json <bool>`,
`--room <str>`, `amount <str>`) and marks required arguments with braces (`{amount}`), which
man pages use for "one of". Every command's help goes through these two hooks, so they are
replaced once, here, for all of tp3's commands (those of files other people edit included):
a flag shows no value, an option shows its metavar, else its choices (`en|fr`), `N` for a
number, or its name in capitals; an argument's name says what it is, so it shows no type.
tests/test_help.py walks every command's help for what this removes.
"""

from typing import Any

from typer.core import TyperArgument, TyperOption

__all__ = ["use_man_page_style"]


def _option_value(option: TyperOption, ctx: Any) -> str | None:
    if option.is_flag or option.count:
        return None
    if option.metavar is not None:
        return option.metavar
    described = option.type_descriptor
    if described.is_choice:
        return option.display_type(ctx).strip("<>")  # typer's own "en|fr", without brackets
    value = "N" if described.annotation in (int, float) else (option.name or "value").upper()
    return value if option.nargs == 1 else f"{value}..."


def _argument_type(argument: TyperArgument, ctx: Any) -> str | None:
    return None


def _argument_usage(argument: TyperArgument, ctx: Any) -> list[str]:
    name = argument.display_name_raw if argument.required else f"[{argument.display_name_raw}]"
    return [name if argument.nargs == 1 else f"{name}..."]


def use_man_page_style() -> None:
    TyperOption.display_type_rich = _option_value  # type: ignore[method-assign,assignment]
    TyperArgument.display_type_rich = _argument_type  # type: ignore[method-assign,assignment]
    TyperArgument.get_usage_pieces = _argument_usage  # type: ignore[method-assign,assignment]
