"""The `tp3` command line: `tp3 serve`, `tp3 currency ...`, `tp3 chat ...`, `tp3 game ...`."""

import typer

from tp3.cli import chat, currency, game
from tp3.cli.cluster import cluster_command
from tp3.cli.serve import serve_command
from tp3.cli.ui import ui_command

__all__ = ["app", "main"]

app = typer.Typer(
    name="tp3",
    help="tp3: a currency converter, a chat room and a guessing game over gRPC.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.command("serve")(serve_command)
app.command("ui")(ui_command)
app.command("cluster")(cluster_command)
app.add_typer(currency.app)
app.add_typer(chat.app)
app.add_typer(game.app)


def main() -> None:
    app()
