"""Token auth and identity: every service needs a token, names are bound to it.

A real server over TCP on 127.0.0.1, its tokens from a file as `tp3 serve --auth-tokens` reads
it; the clients are tp3's library (which sends `authorization: Bearer TOKEN`) and bare grpclib
channels for what the library would not send.
"""

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from cli_support import assert_ok, assert_one_error_line, run_tp3, tp3_env
from conftest import Pki, start_server_process
from grpclib.client import Channel
from grpclib.const import Status
from grpclib.exceptions import GRPCError
from grpclib.health.v1.health_grpc import HealthStub
from grpclib.health.v1.health_pb2 import HealthCheckRequest, HealthCheckResponse
from grpclib.reflection.v1 import reflection_grpc, reflection_pb2

from tp3.client import AsyncTp3Client, ClientTls, Tp3Client, Tp3RpcError
from tp3.generated.tp3.currency import v1 as pb
from tp3.rpc.auth import TokenFileError, Tokens
from tp3.server import ServerConfig, Tp3Server

ALICE = "alice-token-0123456789abcdef"
BOB = "bob-token-0123456789abcdef"
WAIT = 5.0


@pytest.fixture
def token_file(tmp_path: Path) -> Path:
    path = tmp_path / "tokens"
    path.write_text(f"# the class\n{ALICE} alice\n\n{BOB} bob\n")
    return path


@pytest.fixture
async def auth_server(token_file: Path) -> AsyncIterator[Tp3Server]:
    config = ServerConfig(host="127.0.0.1", port=0, auth_tokens=Tokens.load(token_file))
    async with Tp3Server(config) as running:
        yield running


def client_of(server: Tp3Server, token: str | None) -> AsyncTp3Client:
    return AsyncTp3Client(f"127.0.0.1:{server.port}", token=token, timeout=WAIT)


async def convert(tp3: AsyncTp3Client) -> Any:
    return await tp3.currency.convert("6500", "MAD", "USD")


async def quotes(tp3: AsyncTp3Client) -> Any:
    return [q async for q in tp3.currency.quotes("EUR", "USD", count=1)]


async def chat_session(tp3: AsyncTp3Client) -> Any:
    async with tp3.chat.join("alice") as session:
        return session.joined


async def list_rooms(tp3: AsyncTp3Client) -> Any:
    return await tp3.chat.list_rooms()


async def play(tp3: AsyncTp3Client) -> Any:
    async with tp3.game.play("alice") as session:
        return session.joined


async def watch(tp3: AsyncTp3Client) -> Any:
    async for event in tp3.game.watch():
        return event
    return None


async def scoreboard(tp3: AsyncTp3Client) -> Any:
    return await tp3.game.scoreboard()


async def unary_guess(tp3: AsyncTp3Client) -> Any:
    return await tp3.game.guess("alice", 500)


CALLS: dict[str, Callable[[AsyncTp3Client], Awaitable[Any]]] = {
    "currency Convert": convert,
    "currency StreamQuotes": quotes,
    "chat Chat": chat_session,
    "chat ListRooms": list_rooms,
    "game Play": play,
    "game Watch": watch,
    "game Scoreboard": scoreboard,
    "game Guess": unary_guess,
}


@pytest.mark.parametrize("call", CALLS)
@pytest.mark.parametrize(("token", "says"), [(None, "needs a token"), ("x" * 20, "unknown token")])
async def test_every_service_refuses_a_call_without_a_good_token(
    auth_server: Tp3Server, call: str, token: str | None, says: str
) -> None:
    async with client_of(auth_server, token) as tp3:
        with pytest.raises(Tp3RpcError) as caught:
            await CALLS[call](tp3)
    assert caught.value.status is Status.UNAUTHENTICATED
    assert says in caught.value.message


@pytest.mark.parametrize("call", CALLS)
async def test_every_service_serves_a_call_with_a_good_token(
    auth_server: Tp3Server, call: str
) -> None:
    async with client_of(auth_server, ALICE) as tp3:
        assert await CALLS[call](tp3) is not None


@pytest.mark.parametrize("header", ["Basic " + ALICE, ALICE, "Bearer", "Bearer  "])
async def test_a_malformed_authorization_header_is_unauthenticated(
    auth_server: Tp3Server, header: str
) -> None:
    channel = Channel("127.0.0.1", auth_server.port)
    try:
        with pytest.raises(GRPCError) as caught:
            await pb.CurrencyServiceStub(channel).list_currencies(
                pb.ListCurrenciesRequest(), metadata={"authorization": header}, timeout=WAIT
            )
    finally:
        channel.close()
    assert caught.value.status is Status.UNAUTHENTICATED


async def test_health_and_reflection_need_no_token(auth_server: Tp3Server) -> None:
    channel = Channel("127.0.0.1", auth_server.port)
    try:
        health = await HealthStub(channel).Check(HealthCheckRequest(), timeout=WAIT)
        assert health.status == HealthCheckResponse.SERVING
        stub = reflection_grpc.ServerReflectionStub(channel)
        async with stub.ServerReflectionInfo.open(timeout=WAIT) as stream:
            await stream.send_message(
                reflection_pb2.ServerReflectionRequest(list_services=""), end=True
            )
            reply = await stream.recv_message()
        assert reply is not None
        names = {s.name for s in reply.list_services_response.service}
        assert "tp3.chat.v1.ChatService" in names
    finally:
        channel.close()


async def test_a_name_is_the_token_holders_across_connections(auth_server: Tp3Server) -> None:
    async with client_of(auth_server, ALICE) as alice, client_of(auth_server, BOB) as bob:
        async with alice.chat.join("alice", "class") as session:
            assert session.joined.name == "alice"
            with pytest.raises(Tp3RpcError) as taken:  # bob, on his own connection
                async with bob.chat.join("alice", "class"):
                    pytest.fail("bob joined as alice")
            assert taken.value.status is Status.PERMISSION_DENIED
            assert "you are 'bob'" in taken.value.message
        with pytest.raises(Tp3RpcError) as after:  # alice has left: still hers
            async with bob.chat.join("alice", "class"):
                pytest.fail("bob took alice's name once she left")
        assert after.value.status is Status.PERMISSION_DENIED
        with pytest.raises(Tp3RpcError) as look_alike:
            async with bob.chat.join("\u0430lice", "class"):  # a Cyrillic a
                pytest.fail("bob joined as a look-alike of alice")
        assert look_alike.value.status is Status.PERMISSION_DENIED
        with pytest.raises(Tp3RpcError) as not_hers:  # nor can alice take bob's
            async with alice.chat.join("bob", "class"):
                pytest.fail("alice joined as bob")
        assert not_hers.value.status is Status.PERMISSION_DENIED


async def test_game_names_are_bound_too_the_unary_guess_included(auth_server: Tp3Server) -> None:
    async with client_of(auth_server, BOB) as bob:
        with pytest.raises(Tp3RpcError) as play_as_alice:
            async with bob.game.play("alice"):
                pytest.fail("bob played as alice")
        assert play_as_alice.value.status is Status.PERMISSION_DENIED
        with pytest.raises(Tp3RpcError) as guess_as_alice:
            await bob.game.guess("alice", 500)
        assert guess_as_alice.value.status is Status.PERMISSION_DENIED
        await bob.game.guess("BOB", 500)  # his own name, in any case
        async with bob.game.play(""):  # no name: the token's
            with pytest.raises(Tp3RpcError) as twice:
                async with bob.game.play("bob"):
                    pytest.fail("bob played twice")
            assert twice.value.status is Status.ALREADY_EXISTS


async def test_tokens_are_never_logged(
    auth_server: Tp3Server, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="tp3")
    caplog.set_level(logging.DEBUG, logger="grpclib")
    async with client_of(auth_server, ALICE) as tp3:
        await convert(tp3)
    async with client_of(auth_server, "wrong-token-0123456789") as tp3:
        with pytest.raises(Tp3RpcError) as caught:
            await convert(tp3)
    assert "wrong-token" not in str(caught.value)
    assert "Convert" in caplog.text  # the access log did log both calls
    assert "UNAUTHENTICATED" in caplog.text
    assert ALICE not in caplog.text
    assert "wrong-token" not in caplog.text


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("short alice\n", "at least 16 characters"),
        (f"{ALICE} alice\n{ALICE} bob\n", "line 2: the same token"),
        (f"{ALICE}\n", "line 1: expected 'TOKEN NAME'"),
        (f"{ALICE} al!ce\n", "line 1: name:"),
        ("# nobody\n", "holds no token"),
    ],
)
def test_an_unusable_token_file_is_named_with_its_line(
    tmp_path: Path, text: str, says: str
) -> None:
    path = tmp_path / "tokens"
    path.write_text(text)
    with pytest.raises(TokenFileError, match=says):
        Tokens.load(path)


@pytest.mark.slow
def test_tokens_from_the_command_line_and_the_environment(token_file: Path) -> None:
    running = start_server_process("--auth-tokens", str(token_file), "--log-level", "debug")
    try:
        assert any(line.endswith("(plaintext, 2 tokens)") for line in running.log), running.log
        convert = ["currency", "convert", "6500", "MAD", "USD", "--target", running.target]
        line = assert_one_error_line(run_tp3(*convert), 1, "error: UNAUTHENTICATED: ")
        assert "--token" in line
        [converted] = assert_ok(run_tp3(*convert, "--token", ALICE))
        assert converted.startswith("6500 MAD = 708.68 USD")
        assert_ok(run_tp3(*convert, env=tp3_env(TP3_TOKEN=BOB)))
        denied = run_tp3(
            "game", "guess", "--name", "alice", "500", "--target", running.target,
            env=tp3_env(TP3_TOKEN=BOB),
        )  # fmt: skip
        assert_one_error_line(denied, 1, "error: PERMISSION_DENIED: ")
    finally:
        running.stop()
    assert not any(ALICE in line or BOB in line for line in running.log)


@pytest.mark.slow
def test_the_classroom_recipe(pki: Pki, token_file: Path) -> None:
    """As the README gives it: every interface, TLS, a token per student."""
    running = start_server_process(
        *("--host", "0.0.0.0", "--tls-cert", str(pki.server_cert)),
        *("--tls-key", str(pki.server_key), "--auth-tokens", str(token_file)),
    )
    try:
        port = running.target.rsplit(":", 1)[1]
        assert any(line.endswith(f"0.0.0.0:{port} (TLS, 2 tokens)") for line in running.log)
        student = tp3_env(TP3_TARGET=f"127.0.0.1:{port}", TP3_TLS_CA=str(pki.ca), TP3_TOKEN=ALICE)
        assert_ok(run_tp3("chat", "send", "--name", "alice", "hello class", env=student))
        [line] = assert_ok(run_tp3("currency", "convert", "6500", "MAD", "USD", env=student))
        assert line.startswith("6500 MAD = 708.68 USD")
        impostor = run_tp3("chat", "send", "--name", "bob", "I am bob", env=student)
        assert_one_error_line(impostor, 1, "error: PERMISSION_DENIED: name: you are 'alice'")
        # The recipe's last line: the interactive chat, which once ignored TP3_TLS_CA and
        # TP3_TOKEN (plaintext to a TLS server: "Connection lost").
        chat = run_tp3("chat", "--name", "alice", "--reconnect", input="/quit\n", env=student)
        assert assert_ok(chat)[0].startswith("* joined room lobby as alice;"), chat.stdout
    finally:
        running.stop()
    assert not any("WARNING" in line for line in running.log), running.log


@pytest.mark.slow
def test_the_blocking_client_over_tls_with_a_token(pki: Pki, token_file: Path) -> None:
    running = start_server_process(
        *("--tls-cert", str(pki.server_cert), "--tls-key", str(pki.server_key)),
        *("--auth-tokens", str(token_file)),
    )
    try:
        tls = ClientTls(ca=pki.ca)
        with Tp3Client(running.target, tls=tls, token=ALICE, timeout=WAIT) as tp3:
            assert str(tp3.currency.convert("6500", "MAD", "USD").converted_amount) == "708.68"
        with (
            Tp3Client(running.target, tls=tls, timeout=WAIT) as anonymous,
            pytest.raises(Tp3RpcError) as caught,
        ):
            anonymous.currency.convert("6500", "MAD", "USD")
        assert caught.value.status is Status.UNAUTHENTICATED
    finally:
        running.stop()
