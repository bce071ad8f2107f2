"""A generic gRPC client that knows nothing of tp3 can discover, describe and call every
method through server reflection; health says SERVING."""

from collections.abc import AsyncIterator
from typing import Any

import pytest
from google.protobuf import descriptor_pb2, json_format, message_factory
from google.protobuf.descriptor_pool import DescriptorPool
from grpclib.client import Channel
from grpclib.const import Cardinality, Status
from grpclib.exceptions import GRPCError
from grpclib.health.v1.health_grpc import HealthStub
from grpclib.health.v1.health_pb2 import HealthCheckRequest, HealthCheckResponse
from grpclib.reflection.v1 import reflection_grpc, reflection_pb2
from grpclib.reflection.v1alpha import reflection_grpc as alpha_grpc
from grpclib.reflection.v1alpha import reflection_pb2 as alpha_pb2

from tp3.server import Tp3Server

CURRENCY = "tp3.currency.v1.CurrencyService"
HEALTH = "grpc.health.v1.Health"
CHAT = "tp3.chat.v1.ChatService"
GAME = "tp3.game.v1.GuessingGame"
LAB = {"BankService", "Chat", "Jeu"}  # the lab's own contract, package-less (tp3.lab)


@pytest.fixture
async def channel(server: Tp3Server) -> AsyncIterator[Channel]:
    opened = Channel("127.0.0.1", server.port)
    yield opened
    opened.close()


async def reflect(channel: Channel, **request: Any) -> reflection_pb2.ServerReflectionResponse:
    stub = reflection_grpc.ServerReflectionStub(channel)
    async with stub.ServerReflectionInfo.open(timeout=5) as stream:
        await stream.send_message(reflection_pb2.ServerReflectionRequest(**request), end=True)
        response = await stream.recv_message()
        assert response is not None
        return response


async def reflected_pool(channel: Channel, symbol: str) -> DescriptorPool:
    """Build a descriptor pool from what the server says, fetching dependencies by name."""
    pool = DescriptorPool()
    added: set[str] = set()

    async def add(files: list[bytes]) -> None:
        for raw in files:
            proto = descriptor_pb2.FileDescriptorProto.FromString(raw)
            if proto.name in added:
                continue
            for dependency in proto.dependency:
                if dependency not in added:
                    response = await reflect(channel, file_by_filename=dependency)
                    await add(list(response.file_descriptor_response.file_descriptor_proto))
            pool.Add(proto)
            added.add(proto.name)

    response = await reflect(channel, file_containing_symbol=symbol)
    await add(list(response.file_descriptor_response.file_descriptor_proto))
    return pool


class DynamicClient:
    """Calls methods by name with JSON-like dicts, using only reflected descriptors."""

    def __init__(self, channel: Channel, pool: DescriptorPool, service: str) -> None:
        self.channel = channel
        self.service = pool.FindServiceByName(service)

    def _method(self, name: str) -> tuple[str, type[Any], type[Any]]:
        method = self.service.methods_by_name[name]
        request = message_factory.GetMessageClass(method.input_type)
        reply = message_factory.GetMessageClass(method.output_type)
        return f"/{self.service.full_name}/{name}", request, reply

    async def call(self, name: str, *requests: dict[str, Any]) -> list[dict[str, Any]]:
        path, request_cls, reply_cls = self._method(name)
        method = self.service.methods_by_name[name]
        cardinality = {
            (False, False): Cardinality.UNARY_UNARY,
            (False, True): Cardinality.UNARY_STREAM,
            (True, False): Cardinality.STREAM_UNARY,
            (True, True): Cardinality.STREAM_STREAM,
        }[(method.client_streaming, method.server_streaming)]
        async with self.channel.request(
            path, cardinality, request_cls, reply_cls, timeout=5
        ) as stream:
            for i, fields in enumerate(requests):
                message = json_format.ParseDict(fields, request_cls())
                await stream.send_message(message, end=i == len(requests) - 1)
            return [json_format.MessageToDict(reply) async for reply in stream]


async def test_reflection_lists_the_services(channel: Channel) -> None:
    response = await reflect(channel, list_services="")
    names = {s.name for s in response.list_services_response.service}
    assert names == {CURRENCY, CHAT, GAME, HEALTH, *LAB}


async def test_reflection_v1alpha_lists_the_services_too(channel: Channel) -> None:
    stub = alpha_grpc.ServerReflectionStub(channel)
    async with stub.ServerReflectionInfo.open(timeout=5) as stream:
        await stream.send_message(alpha_pb2.ServerReflectionRequest(list_services=""), end=True)
        response = await stream.recv_message()
    assert response is not None
    assert {s.name for s in response.list_services_response.service} == {
        CURRENCY,
        CHAT,
        GAME,
        HEALTH,
        *LAB,
    }


async def test_reflection_describes_every_method(channel: Channel) -> None:
    service = (await reflected_pool(channel, CURRENCY)).FindServiceByName(CURRENCY)
    shapes = {
        m.name: (m.client_streaming, m.server_streaming, m.input_type.name, m.output_type.name)
        for m in service.methods
    }
    assert shapes == {
        "Convert": (False, False, "ConvertRequest", "ConvertResponse"),
        "StreamQuotes": (False, True, "StreamQuotesRequest", "StreamQuotesResponse"),
        "ConvertBatch": (True, False, "ConvertBatchRequest", "ConvertBatchResponse"),
        "ConvertStream": (True, True, "ConvertStreamRequest", "ConvertStreamResponse"),
        "ListCurrencies": (False, False, "ListCurrenciesRequest", "ListCurrenciesResponse"),
    }


async def test_reflection_knows_the_health_service(channel: Channel) -> None:
    service = (await reflected_pool(channel, HEALTH)).FindServiceByName(HEALTH)
    assert {m.name for m in service.methods} == {"Check", "Watch"}


async def test_every_service_method_and_message_symbol_resolves(channel: Channel) -> None:
    """grpcurl describe of a method once said "Symbol not found" (upb's pool can't find it)."""
    symbols = []
    for service_name in (CURRENCY, CHAT, GAME, HEALTH):
        service = (await reflected_pool(channel, service_name)).FindServiceByName(service_name)
        symbols.append(service.full_name)
        for method in service.methods:
            symbols += [method.full_name, method.input_type.full_name, method.output_type.full_name]
            symbols += [
                field.message_type.full_name
                for field in method.input_type.fields
                if field.message_type is not None
            ]
    assert "tp3.currency.v1.CurrencyService.Convert" in symbols
    for symbol in symbols:
        response = await reflect(channel, file_containing_symbol=symbol)
        assert response.file_descriptor_response.file_descriptor_proto, symbol


@pytest.mark.parametrize(
    "symbol", ["no.such.Service", "tp3.currency.v1.CurrencyService.Nope", "Convert", ""]
)
async def test_unknown_symbols_are_not_found(channel: Channel, symbol: str) -> None:
    response = await reflect(channel, file_containing_symbol=symbol)
    assert response.error_response.error_code == Status.NOT_FOUND.value


async def test_a_generic_client_calls_every_method(channel: Channel) -> None:
    client = DynamicClient(channel, await reflected_pool(channel, CURRENCY), CURRENCY)

    [converted] = await client.call(
        "Convert", {"fromCurrency": "MAD", "toCurrency": "USD", "amount": "6500"}
    )
    assert converted["convertedAmount"] == "708.68"

    ticks = await client.call(
        "StreamQuotes",
        {"baseCurrency": "EUR", "quoteCurrency": "USD", "count": 3, "interval": "0.01s"},
    )
    assert [t["sequence"] for t in ticks] == ["1", "2", "3"]  # uint64 is a JSON string

    [summary] = await client.call(
        "ConvertBatch",
        {"toCurrency": "USD", "fromCurrency": "EUR", "amount": "100"},
        {"fromCurrency": "MAD", "amount": "6500"},
    )
    assert (summary["total"], summary["itemCount"]) == ("826.35", 2)

    replies = await client.call(
        "ConvertStream",
        {"fromCurrency": "EUR", "toCurrency": "JPY", "amount": "1"},
        {"fromCurrency": "EUR", "toCurrency": "JPY", "amount": "-1"},
    )
    assert replies[0]["conversion"]["convertedAmount"] == "183"
    assert replies[1]["error"]["code"] == Status.INVALID_ARGUMENT.value

    [listing] = await client.call("ListCurrencies", {})
    assert len(listing["currencies"]) == 31


async def test_reflection_describes_the_labs_package_less_services(channel: Channel) -> None:
    """What grpcurl and grpcui need to call /BankService/convert with the lab's names."""
    service = (await reflected_pool(channel, "BankService")).FindServiceByName("BankService")
    shapes = {
        m.name: (m.client_streaming, m.server_streaming, m.input_type.full_name)
        for m in service.methods
    }
    assert shapes == {
        "convert": (False, False, "ConvertCurrencyRequest"),
        "getCurrencyStream": (False, True, "ConvertCurrencyRequest"),
        "performStream": (True, False, "ConvertCurrencyRequest"),
        "fullCurrencyStream": (True, True, "ConvertCurrencyRequest"),
    }
    jeu = (await reflected_pool(channel, "Jeu")).FindServiceByName("Jeu")
    assert [m.name for m in jeu.methods] == ["Start", "Guess", "Stop"]


async def test_health_is_serving(channel: Channel) -> None:
    stub = HealthStub(channel)
    for service in ("", CURRENCY, *LAB):
        reply = await stub.Check(HealthCheckRequest(service=service), timeout=5)
        assert reply.status == HealthCheckResponse.SERVING


async def test_health_of_an_unknown_service_is_not_found(channel: Channel) -> None:
    with pytest.raises(GRPCError) as caught:
        await HealthStub(channel).Check(HealthCheckRequest(service="nope"), timeout=5)
    assert caught.value.status is Status.NOT_FOUND
