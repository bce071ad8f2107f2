"""`tp3 currency ...`: the four gRPC call models from the command line."""

import sys
from collections.abc import AsyncIterator
from contextlib import aclosing
from datetime import timedelta
from typing import Annotated

import typer
from grpclib.const import Status
from rich.console import Console
from rich.table import Table

from tp3.cli.common import (
    NEGATIVE_NUMBERS,
    InputError,
    JsonOption,
    TargetOption,
    TimeoutOption,
    async_command,
    chosen_lang,
    connect,
    json_line,
    refuse_long_options,
    stdin_lines,
)
from tp3.cli.jsonlines import error_json
from tp3.client import (
    DEFAULT_TARGET,
    DEFAULT_TIMEOUT,
    BatchItem,
    ConversionRejected,
    ConversionRequest,
)
from tp3.currency.models import Conversion, Quote
from tp3.currency.texts import words

app = typer.Typer(
    name="currency",
    help="Convert money between currencies (ECB reference rates, exact decimals).",
    no_args_is_help=True,
)


def _describe(c: Conversion) -> str:
    return words(
        "conversion",
        chosen_lang(),
        amount=c.amount,
        source=c.from_currency,
        converted=c.converted_amount,
        target=c.to_currency,
        rate=c.rate,
        date=c.rate_date,
    )


@app.command(context_settings=NEGATIVE_NUMBERS)
@async_command
async def convert(
    amount: Annotated[
        str, typer.Argument(metavar="AMOUNT", help="Amount to convert, e.g. 6500 or 12.50.")
    ],
    from_currency: Annotated[str, typer.Argument(metavar="FROM", help="Currency code, e.g. MAD.")],
    to_currency: Annotated[str, typer.Argument(metavar="TO", help="Currency code, e.g. USD.")],
    target: TargetOption = DEFAULT_TARGET,
    timeout: TimeoutOption = DEFAULT_TIMEOUT,
    json: JsonOption = False,
) -> None:
    """Convert one amount (unary RPC).

    Example: tp3 currency convert 6500 MAD USD
    """
    refuse_long_options(amount, from_currency, to_currency)
    async with connect(target, timeout) as tp3:
        conversion = await tp3.currency.convert(amount, from_currency, to_currency)
    typer.echo(json_line(conversion) if json else _describe(conversion))


@app.command()
@async_command
async def quotes(
    base: Annotated[
        str, typer.Argument(metavar="BASE", help="Base currency, the one quoted, e.g. EUR.")
    ],
    quote: Annotated[
        str, typer.Argument(metavar="QUOTE", help="Quote currency, the price unit, e.g. USD.")
    ],
    count: Annotated[int, typer.Option(help="Number of ticks (1-100000).")] = 10,
    interval: Annotated[
        float, typer.Option(metavar="SECONDS", help="Seconds between ticks (0.01-60).")
    ] = 1.0,
    target: TargetOption = DEFAULT_TARGET,
    json: JsonOption = False,
) -> None:
    """Print live simulated quotes as they arrive (server streaming).

    The rate wanders around the reference rate; Ctrl-C stops early.
    Example: tp3 currency quotes EUR USD --count 10 --interval 1
    """
    async with connect(target) as tp3:
        ticks = tp3.currency.quotes(base, quote, count=count, interval=timedelta(seconds=interval))
        async with aclosing(ticks):
            async for tick in ticks:
                typer.echo(json_line(tick) if json else _tick(tick))


def _tick(tick: Quote) -> str:
    return words(
        "quote",
        chosen_lang(),
        sequence=tick.sequence,
        time=f"{tick.time.astimezone():%H:%M:%S.%f}"[:-3],  # local, as every clock shown
        base=tick.base_currency,
        quote=tick.quote_currency,
        rate=tick.rate,
        reference=tick.reference_rate,
    )


@app.command(context_settings=NEGATIVE_NUMBERS)
@async_command
async def batch(
    to_currency: Annotated[str, typer.Argument(metavar="TO", help="Currency of the total.")],
    items: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="AMOUNT CODE",
            help="Items as pairs, e.g. 100 EUR 250 MAD; without them, stdin lines 'AMOUNT CODE'.",
            show_default=False,
        ),
    ] = None,
    target: TargetOption = DEFAULT_TARGET,
    json: JsonOption = False,
) -> None:
    """Sum many amounts into one currency (client streaming).

    Example: printf '100 EUR\\n6500 MAD\\n' | tp3 currency batch USD
    """
    refuse_long_options(to_currency, *(items or []))
    source = _pairs(items) if items else _stdin_items()
    async with connect(target) as tp3:
        summary = await tp3.currency.convert_batch(source, to_currency)
    if json:
        typer.echo(json_line(summary))
        return
    lang, target_currency = chosen_lang(), summary.to_currency
    typer.echo(
        words(
            "total",
            lang,
            total=summary.total,
            target=target_currency,
            count=summary.item_count,
            date=summary.rate_date,
        )
    )
    for s in summary.subtotals:
        typer.echo(
            words(
                "subtotal",
                lang,
                source=s.from_currency,
                count=s.item_count,
                amount=s.amount,
                converted=s.converted_amount,
                target=target_currency,
            )
        )


async def _pairs(items: list[str]) -> AsyncIterator[BatchItem]:
    if len(items) % 2:
        raise InputError("items come in pairs: AMOUNT CODE [AMOUNT CODE]...")
    for amount, code in zip(items[::2], items[1::2], strict=True):
        yield BatchItem(amount, code)


async def _stdin_items() -> AsyncIterator[BatchItem]:
    async for number, fields in _stdin_records():
        if len(fields) != 2:
            raise InputError(f"line {number}: expected 'AMOUNT CODE', got {' '.join(fields)!r}")
        yield BatchItem(fields[0], fields[1])


async def _stdin_records() -> AsyncIterator[tuple[int, list[str]]]:
    """(line number, fields) of each non-blank, non-comment stdin line, as typed."""
    number = 0
    async for line in stdin_lines():
        number += 1
        fields = line.split()
        if fields and not fields[0].startswith("#"):
            yield number, fields


@app.command()
@async_command
async def exchange(
    target: TargetOption = DEFAULT_TARGET,
    json: JsonOption = False,
) -> None:
    """Convert stdin lines 'AMOUNT FROM TO', each answered as it arrives (bidi streaming).

    A bad line is reported and the others go on; the exit status is 1 if any line failed.

    Example: printf '6500 MAD USD\\n100 EUR JPY\\n' | tp3 currency exchange
    """
    sent_lines: list[int] = []  # stdin line number of each request sent, by sequence
    failures = 0

    async def requests() -> AsyncIterator[ConversionRequest]:
        nonlocal failures
        async for number, fields in _stdin_records():
            if len(fields) == 3:
                sent_lines.append(number)
                yield ConversionRequest(*fields)
            else:
                failures += 1
                problem = f"expected 'AMOUNT FROM TO', got {' '.join(fields)!r}"
                _report_error(json, number, Status.INVALID_ARGUMENT, problem)

    async with connect(target) as tp3:
        replies = tp3.currency.convert_stream(requests())
        async with aclosing(replies):
            async for reply in replies:
                line = sent_lines[reply.sequence - 1]
                if isinstance(reply.outcome, ConversionRejected):
                    failures += 1
                    _report_error(json, line, reply.outcome.status, reply.outcome.message)
                elif json:
                    typer.echo(json_line(reply.outcome, line=line))
                else:
                    typer.echo(_describe(reply.outcome))
    if failures:
        raise typer.Exit(1)


def _report_error(json: bool, line: int, status: Status, message: str) -> None:
    if json:  # in order with the conversions: the refused line is a result too
        typer.echo(json_line(error_json(status, message, line=line)))
    else:
        typer.echo(f"line {line}: {status.name}: {message}", err=True)


@app.command("list")
@async_command
async def list_currencies(
    target: TargetOption = DEFAULT_TARGET,
    timeout: TimeoutOption = DEFAULT_TIMEOUT,
    json: JsonOption = False,
) -> None:
    """List the supported currencies with their minor units and rates."""
    async with connect(target, timeout) as tp3:
        listing = await tp3.currency.list_currencies()
    if json:
        base, day = listing.base_currency, listing.rate_date  # what each rate means
        for c in listing.currencies:
            typer.echo(json_line(c, base_currency=base, rate_date=day))
        return
    lang, base = chosen_lang(), listing.base_currency
    table = Table(
        title=words("table_title", lang, date=listing.rate_date, base=base),
        caption=listing.source,
    )
    for key in ("code", "currency", "minor_units", "per_one"):
        table.add_column(
            words(key, lang, base=base), justify="left" if key == "currency" else "right"
        )
    for c in listing.currencies:
        table.add_row(c.code, c.name, str(c.minor_units), str(c.rate))
    Console(file=sys.stdout).print(table)
