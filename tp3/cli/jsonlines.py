"""What `--json` prints: JSON Lines, one object per line, each with a "type".

docs/json-lines.md is the schema, per command. The rules, kept here in one place: money and
rates as exact decimal strings, integers as numbers, times in RFC 3339 UTC with microseconds
("2026-02-20T14:02:07.123456Z"), enums as lower-case words, no field left out for being zero
or empty (null where there is no value). A failure is `{"type": "error", "status", "code",
"message"}`, a refused request in a session that goes on a "notice" of the same fields.
The Java client prints the same objects (tests/test_json_shapes.py compares them).
"""

import dataclasses
import json
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from grpclib.const import Status

from tp3.client import (
    BatchSummary,
    Conversion,
    CurrencyInfo,
    MemberInfo,
    Notice,
    Quote,
    RoomSummary,
    Scoreboard,
)

__all__ = ["error_json", "json_line", "notice_json"]

_TYPES: dict[type, str] = {
    Conversion: "conversion",
    Quote: "quote",
    BatchSummary: "batch",
    CurrencyInfo: "currency",
    MemberInfo: "member",
    RoomSummary: "room",
    Scoreboard: "scoreboard",
}
"""The "type" of each result a command prints as it is (events are typed by their command)."""


def json_line(value: Any, **extra: Any) -> str:
    """One line of --json output: a dict that has its "type", or a result of `_TYPES`, with
    `extra` fields after its own."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = {"type": _TYPES[type(value)], **dataclasses.asdict(value)}
    fields = {**value, **extra}
    if "type" not in fields:
        raise ValueError(f"a JSON line needs a type: {fields!r}")
    return json.dumps(fields, default=_json_default, ensure_ascii=False)


def error_json(status: Status, message: str, **extra: Any) -> dict[str, Any]:
    """A failure: a command's last line, or one line of `currency exchange` (with "line")."""
    return {"type": "error", **_status(status, message), **extra}


def notice_json(notice: Notice) -> dict[str, Any]:
    """A request refused inside a chat or game session, which goes on."""
    return {"type": "notice", **_status(notice.status, notice.text)}


def _status(status: Status, message: str) -> dict[str, Any]:
    # gRPC's own spelling of the status (as grpcurl and the `error:` lines show it) and code
    return {"status": status.name, "code": status.value, "message": message}


def _json_default(value: object) -> object:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):  # verdicts, leave reasons
        return value.name.lower()
    raise TypeError(f"cannot encode {type(value).__name__} as JSON")
