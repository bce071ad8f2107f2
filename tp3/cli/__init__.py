"""The `tp3` command line: `tp3 serve`, `tp3 currency ...`, `tp3 chat ...`, `tp3 game ...`."""

import sys
from importlib.metadata import version
from typing import Annotated

import typer
from typer._click.exceptions import NoArgsIsHelpError, UsageError  # typer vendors click

from tp3.cli import chat, currency, game
from tp3.cli.cluster import cluster_command
from tp3.cli.manpage import use_man_page_style
from tp3.cli.serve import serve_command
from tp3.cli.ui import ui_command
from tp3.cli.usage import usage_line

__all__ = ["app", "main"]

use_man_page_style()  # `--room ROOM`, not typer's `--room <str>`: see tp3/cli/manpage.py

app = typer.Typer(
    name="tp3",
    help="tp3: a currency converter, a chat room and a guessing game over gRPC.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=True,  # --install-completion, --show-completion
    context_settings={"help_option_names": ["-h", "--help"]},  # every command inherits it
)


def _print_version(wanted: bool) -> None:
    if wanted:
        typer.echo(f"tp3 {version('tp3')}")
        raise typer.Exit()


@app.callback()
def _tp3(
    show_version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_print_version,
            is_eager=True,
            help="Print tp3's version and exit.",
        ),
    ] = False,
) -> None:
    """tp3: a currency converter, a chat room and a guessing game over gRPC."""


app.command("serve")(serve_command)
app.command("ui")(ui_command)
app.command("cluster")(cluster_command)
app.add_typer(currency.app)
app.add_typer(chat.app)
app.add_typer(game.app)


def main() -> None:
    """`tp3`: a usage error is one `error:` line and exit status 2, like every other bad
    input (typer would draw a box)."""
    command = typer.main.get_command(app)
    try:
        code = command.main(prog_name="tp3", standalone_mode=False)
    except NoArgsIsHelpError as error:  # `tp3 game`: its help (rich printed it already)
        if help_text := error.format_message().strip():
            typer.echo(help_text)
        sys.exit(error.exit_code)
    except UsageError as error:
        typer.echo(usage_line(error), err=True)
        sys.exit(2)
    except typer.Abort:  # Ctrl-C or Ctrl-D at a prompt
        typer.echo("interrupted", err=True)
        sys.exit(130)
    sys.exit(code if isinstance(code, int) else 0)
