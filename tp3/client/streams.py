"""Helpers for the generated stubs' streams."""

from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import aclosing
from typing import TypeVar

__all__ = ["closing_stream"]

T = TypeVar("T")


def closing_stream(stream: AsyncIterator[T]) -> aclosing[AsyncGenerator[T, None]]:
    """The stubs' response streams are async generators: close them when we leave early,
    or the RPC stays open."""
    assert isinstance(stream, AsyncGenerator)
    return aclosing(stream)
