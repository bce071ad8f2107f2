"""protobuf's own message classes (upb, in C) for tp3's generated betterproto2 messages.

- `upb_class(T)`: the protobuf class of the same message as betterproto2's `T`.
- `serialize(message)`: a betterproto2 message's bytes, serialized by that class.
- `from_upb(T, parsed)`: the betterproto2 `T` holding what protobuf's class parsed.

betterproto2 encodes in pure Python: 24 µs for a ConvertResponse of six strings (about 9%
of a served Convert), half of it in the `warnings.catch_warnings()` it enters for each
field's default (betterproto2 0.10). Its field values handed to the protobuf class come out
as the same bytes in 1.4 µs. A message of a shape this does not map (a repeated
Timestamp, a wrapper type) or holding unknown fields is left to betterproto2. Parsing is
the same story (betterproto2 reads a varint a byte at a time from a BytesIO: 10 µs for a
ConvertRequest, 3 µs this way).
"""

from collections.abc import Callable
from functools import cache
from importlib import resources
from typing import Any, TypeVar, cast

import betterproto2
from google.protobuf import message_factory
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.descriptor_pb2 import FileDescriptorSet
from google.protobuf.descriptor_pool import DescriptorPool
from google.protobuf.message import Message

from tp3.generated.message_pool import default_message_pool

__all__ = ["from_upb", "generated_files", "serialize", "upb_class"]

_AS_IS = {"google.protobuf.Timestamp", "google.protobuf.Duration"}
"""Message types protobuf's classes take as betterproto2 holds them (datetime, timedelta)."""

M = TypeVar("M", bound=betterproto2.Message)

Fields = tuple[tuple[str, str, Callable[[Any], Any] | None], ...]
"""A message's fields: each one's attribute in betterproto2 (`from_` for `from`), its name in
protobuf, and what makes its value one protobuf takes (None: as it is)."""


def serialize(message: betterproto2.Message) -> bytes:
    try:
        values = _message_values(message)
    except _Unmapped:
        return bytes(message)
    data: bytes = upb_class(type(message))(**values).SerializeToString()
    return data


def from_upb(message_type: type[M], parsed: Message) -> M:
    """`parsed`, a message of `upb_class(message_type)`, as betterproto2's `message_type`,
    without the fields protobuf did not know (the readers read only the known ones)."""
    readers = _readers(message_type)
    if readers is None:
        parsed.DiscardUnknownFields()
        return message_type.FromString(parsed.SerializeToString())
    return message_type(**{attribute: read(parsed) for attribute, read in readers})


@cache
def upb_class(message_type: type[betterproto2.Message]) -> type[Message]:
    url = default_message_pool.type_to_url[message_type]
    # a package-less message's url ends "/.Name" (the lab's contract): its name is "Name"
    descriptor = _pool().FindMessageTypeByName(url.rpartition("/")[2].lstrip("."))
    found: type[Message] = message_factory.GetMessageClass(descriptor)
    return found


def generated_files() -> FileDescriptorSet:
    """The descriptors of every proto tp3 generated code from (`nox -s protos`)."""
    generated = resources.files("tp3.generated").joinpath("tp3.binpb").read_bytes()
    return FileDescriptorSet.FromString(generated)


@cache
def _pool() -> DescriptorPool:
    pool = DescriptorPool()
    for file in generated_files().file:
        pool.Add(file)
    return pool


def _known(message_type: type[betterproto2.Message]) -> Any:
    """betterproto2's own reading of the message: its fields' attributes, types, classes."""
    return cast(Any, message_type)._betterproto


def _values(message: betterproto2.Message, fields: Fields) -> dict[str, Any]:
    values = {}
    for attribute, name, convert in fields:
        value = getattr(message, attribute)
        if value is not None:  # an unset optional, oneof member or message
            values[name] = value if convert is None else convert(value)
    return values


@cache
def _fields(message_type: type[betterproto2.Message]) -> Fields | None:
    """How to hand `message_type`'s values to protobuf; None if this module can't."""
    attributes = _known(message_type).field_name_by_number
    try:
        return tuple(
            (attributes[field.number], field.name, _converter(field))
            for field in upb_class(message_type).DESCRIPTOR.fields
        )
    except (KeyError, _Unmapped):
        return None


def _converter(field: FieldDescriptor) -> Callable[[Any], Any] | None:
    """What turns the field's value into one protobuf takes (None: it takes it as it is);
    _Unmapped if there is none."""
    kind: Descriptor | None = field.message_type
    repeated = field.is_repeated
    if kind is None:
        return None  # scalars, and enums (betterproto2's are ints)
    if kind.GetOptions().map_entry:
        if kind.fields_by_name["value"].message_type is None:
            return None
        raise _Unmapped  # maps of messages: none in tp3's contracts
    if kind.full_name in _AS_IS and not repeated:
        return None
    if kind.full_name.startswith("google.protobuf."):
        raise _Unmapped  # wrapper types and the like: betterproto2 unwraps them
    if repeated:
        return lambda items: [_message_values(item) for item in items]
    return _message_values


def _message_values(message: betterproto2.Message) -> dict[str, Any]:
    fields = _fields(type(message))
    if fields is None or message._unknown_fields:
        raise _Unmapped
    return _values(message, fields)


class _Unmapped(Exception):
    """A message or field this module can't hand over."""


Readers = tuple[tuple[str, Callable[[Any], Any]], ...]
"""A message's fields: each one's attribute in betterproto2, and what reads its value there
from protobuf's message."""


@cache
def _readers(message_type: type[betterproto2.Message]) -> Readers | None:
    """How to read `message_type`'s values from protobuf's message; None if this can't."""
    known = _known(message_type)
    readers = []
    for field in upb_class(message_type).DESCRIPTOR.fields:
        attribute = known.field_name_by_number.get(field.number)
        if attribute is None:
            return None
        meta = known.meta_by_field_name[attribute]
        kind: Descriptor | None = field.message_type
        single: Callable[[Any], Any] | None = None
        if meta.proto_type == betterproto2.TYPE_ENUM:
            single = known.cls_by_field[attribute]
        elif kind is not None and kind.GetOptions().map_entry:
            if kind.fields_by_name["value"].message_type is not None:
                return None  # maps of messages: none in tp3's contracts
            readers.append((attribute, _map_reader(field.name)))
            continue
        elif kind is not None:
            single = _message_reader(
                meta.unwrap() if meta.unwrap else known.cls_by_field[attribute]
            )
            if meta.unwrap and field.is_repeated:
                return None
            if meta.unwrap:
                single = _unwrapped(single)
        readers.append((attribute, _reader(field, single)))
    return tuple(readers)


def _reader(field: FieldDescriptor, single: Callable[[Any], Any] | None) -> Callable[[Any], Any]:
    name = field.name
    if field.is_repeated:
        if single is None:
            return lambda parsed: list(getattr(parsed, name))
        return lambda parsed: [single(item) for item in getattr(parsed, name)]
    if field.has_presence:  # optional, oneof member, message: None when absent
        if single is None:
            return lambda parsed: getattr(parsed, name) if parsed.HasField(name) else None
        return lambda parsed: single(getattr(parsed, name)) if parsed.HasField(name) else None
    if single is None:
        return lambda parsed: getattr(parsed, name)
    return lambda parsed: single(getattr(parsed, name))


def _map_reader(name: str) -> Callable[[Any], Any]:
    return lambda parsed: dict(getattr(parsed, name))


def _message_reader(message_type: type[betterproto2.Message]) -> Callable[[Any], Any]:
    return lambda parsed: from_upb(message_type, parsed)


def _unwrapped(read: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """Timestamp, Duration, wrappers: betterproto2 holds their Python value."""
    return lambda parsed: read(parsed).to_wrapped()
