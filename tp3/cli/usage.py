"""Usage errors as one line: `error: --count: not a whole number (tp3 currency quotes -h)`.

Typer draws them in a box with its validator's wording ("Input should be a valid integer,
unable to parse string as an integer"); tp3 promises one `error:` line and exit status 2 for
any input it cannot use, the same as for input the server refuses."""

import re

from typer._click.exceptions import BadParameter, NoSuchOption, UsageError

__all__ = ["usage_line"]

_PLAIN_WORDS = [  # the validator's phrases, in the words of the rest of tp3's errors
    (r"Input should be a valid integer.*", "not a whole number"),
    (r"Input should be a valid number.*", "not a number"),
    (r"Input should be a valid boolean.*", "not true or false"),
    (r"Input should be less than or equal to (\S+)", r"must be at most \1"),
    (r"Input should be greater than or equal to (\S+)", r"must be at least \1"),
    (r"Input should be less than (\S+)", r"must be less than \1"),
    (r"Input should be greater than (\S+)", r"must be more than \1"),
    (r"Value error, (.*?)\.?$", r"\1"),
    (r"Input should be (.*)", r"must be \1"),
]


def usage_line(error: UsageError) -> str:
    """`error` as one line naming what was wrong and where the command's help is."""
    if isinstance(error, BadParameter) and not isinstance(error, NoSuchOption):
        problem = error.message.splitlines()[0] if error.message else ""
        for pattern, words in _PLAIN_WORDS:
            problem, replaced = re.subn(pattern, words, problem, count=1)
            if replaced:
                break
        if problem:
            return _line(f"{_hint(error)}: {problem}", error)
    message = error.format_message()
    return _line(message[:1].lower() + message[1:], error)  # "No such option" mid-line


def _line(message: str, error: UsageError) -> str:
    message = " ".join(message.split()).rstrip(".")
    where = f" ({error.ctx.command_path} -h for help)" if error.ctx is not None else ""
    return f"error: {message}{where}"


def _hint(error: BadParameter) -> str:
    """The option or argument at fault, as the user typed it: "--count", "NUMBER"."""
    if error.param_hint is not None:
        hint = error.param_hint
        return hint if isinstance(hint, str) else "/".join(hint)
    if error.param is not None:
        return error.param.get_error_hint().replace("'", "").replace(" / ", "/")
    return "input"
