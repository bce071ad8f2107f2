"""grpc's official Python stack (grpcio, on C-core) as a client of a tp3 server: every RPC.

    python tests/grpcio_peer.py {currency|chat|game|health|drain} HOST:PORT

tests/test_grpcio_peer.py runs it in a subprocess: grpcio must never be imported in the pytest
process (its health and reflection modules clash with grpclib's). The grpcio stubs are
generated from protos/ at run time into a temporary directory. Every result is printed as one
JSON object per line, {"call": ..., ...}; a failure exits non-zero with a message on stderr.
Every call and stream has a deadline, so the script always ends by itself.
"""

import importlib
import json
import queue
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import grpc  # type: ignore[import-untyped]
from google.protobuf import duration_pb2, json_format
from google.protobuf.message import Message

PROTOS = Path(__file__).resolve().parents[1] / "protos"
DEADLINE = 10.0  # seconds, for every call and stream
ROOM = "grpcio-peer"
PLAYER = "grpcio-player"
BINARY_SEARCH_GUESSES = 10  # enough to find any secret in 1..1000
SERVICES = (
    "tp3.currency.v1.CurrencyService",
    "tp3.chat.v1.ChatService",
    "tp3.game.v1.GuessingGame",
)


class PeerError(Exception):
    """The server answered something the scenario did not expect."""


def generate_stubs(out: Path) -> None:
    """Generate the grpcio modules of our protos into `out` and make them importable."""
    command = [sys.executable, "-m", "grpc_tools.protoc", "-I", str(PROTOS)]
    command += [f"--python_out={out}", f"--grpc_python_out={out}"]
    command += [str(p) for p in sorted(PROTOS.glob("tp3/*/v1/*.proto"))]
    run = subprocess.run(command, capture_output=True, text=True, timeout=60)
    if run.returncode:
        raise PeerError(f"protoc failed: {run.stderr}")
    # Regular packages first on sys.path win over the project's own (editable) tp3 package.
    for directory in [out / "tp3", *(out / "tp3").rglob("*")]:
        if directory.is_dir():
            (directory / "__init__.py").touch()
    sys.path.insert(0, str(out))
    found = importlib.import_module("tp3").__file__
    if found is None or Path(found).parent != out / "tp3":
        raise PeerError(f"the generated tp3 package is shadowed by {found}")


def load(service: str) -> tuple[Any, Any]:
    """The generated (messages, stubs) modules of one of our services."""
    module = f"tp3.{service}.v1.{service}"
    return importlib.import_module(f"{module}_pb2"), importlib.import_module(f"{module}_pb2_grpc")


def emit(call: str, response: Message | None = None, **fields: Any) -> None:
    if response is not None:
        fields["response"] = json_format.MessageToDict(
            response, preserving_proto_field_name=True, always_print_fields_with_no_presence=True
        )
    print(json.dumps({"call": call, **fields}), flush=True)


def expect_error(call: str, invoke: Callable[[], object], **fields: Any) -> None:
    """Make a call that must fail, and emit the status grpcio saw."""
    try:
        invoke()
    except grpc.RpcError as error:
        emit(call, code=error.code().name, details=error.details(), **fields)
        return
    raise PeerError(f"{call} {fields} succeeded where an error was expected")


class Stream:
    """The responses of a streaming call, read as far as needed, each one emitted."""

    def __init__(self, call: str, responses: Any, **fields: Any) -> None:
        self.call, self.responses, self.fields = call, responses, fields

    def until(self, done: Callable[[Any], bool]) -> Any:
        """Read (and emit) responses up to the first one that is `done`, and return it."""
        for response in self.responses:
            emit(self.call, response, **self.fields)
            if done(response):
                return response
        raise PeerError(f"{self.call} {self.fields} ended before the expected response")

    def rest(self) -> None:
        """Read (and emit) the responses until the server ends the stream."""
        for response in self.responses:
            emit(self.call, response, **self.fields)


def _requests(outbox: "queue.Queue[Any]") -> Iterator[Any]:
    while (request := outbox.get(timeout=DEADLINE)) is not None:
        yield request


class Session(Stream):
    """A bidirectional call fed from a queue, so the caller sends after reading."""

    def __init__(self, method: Any, call: str, who: str, first: Message) -> None:
        self._outbox: queue.Queue[Any] = queue.Queue()
        self.send(first)
        super().__init__(call, method(_requests(self._outbox), timeout=DEADLINE), who=who)

    def send(self, request: Message | None) -> None:
        self._outbox.put(request)

    def close(self, leave: Message) -> None:
        """Leave, end the request stream, and read the rest."""
        self.send(leave)
        self.send(None)
        self.rest()


def currency(channel: grpc.Channel) -> None:
    pb, rpc = load("currency")
    stub = rpc.CurrencyServiceStub(channel)
    mad_usd = pb.ConvertRequest(from_currency="MAD", to_currency="USD", amount="6500")
    emit("Convert", stub.Convert(mad_usd, timeout=DEADLINE))
    emit("Convert.future", stub.Convert.future(mad_usd, timeout=DEADLINE).result())
    unknown = pb.ConvertRequest(from_currency="XXX", to_currency="USD", amount="1")
    expect_error("Convert", lambda: stub.Convert(unknown, timeout=DEADLINE))
    quotes = pb.StreamQuotesRequest(
        base_currency="EUR",
        quote_currency="USD",
        count=3,
        interval=duration_pb2.Duration(nanos=10_000_000),
    )
    Stream("StreamQuotes", stub.StreamQuotes(quotes, timeout=DEADLINE)).rest()
    batch = [
        pb.ConvertBatchRequest(to_currency="USD", from_currency="EUR", amount="100"),
        pb.ConvertBatchRequest(from_currency="MAD", amount="6500"),
    ]
    emit("ConvertBatch", stub.ConvertBatch(iter(batch), timeout=DEADLINE))
    conversions = [
        pb.ConvertStreamRequest(from_currency="MAD", to_currency="USD", amount="6500"),
        pb.ConvertStreamRequest(from_currency="EUR", to_currency="USD", amount="-1"),
    ]
    Stream("ConvertStream", stub.ConvertStream(iter(conversions), timeout=DEADLINE)).rest()
    emit("ListCurrencies", stub.ListCurrencies(pb.ListCurrenciesRequest(), timeout=DEADLINE))


def chat(channel: grpc.Channel) -> None:
    pb, rpc = load("chat")
    stub = rpc.ChatServiceStub(channel)

    def event(kind: str, text: str | None = None) -> Callable[[Any], bool]:
        def done(response: Any) -> bool:
            found = response.WhichOneof("event")
            return found == kind and (text is None or getattr(response, found).text == text)

        return done

    def say(member: Session, text: str, to: str = "") -> None:
        member.send(pb.ChatRequest(send=pb.Send(text=text, to=to)))

    # carol is a witness: in the room, but party to no private message.
    members = {}
    for name in ("alice", "bob", "carol"):
        join = pb.ChatRequest(join=pb.Join(room=ROOM, name=name))
        members[name] = Session(stub.Chat, "Chat", name, join)
        members[name].until(event("joined"))
    alice, bob, _ = members.values()
    say(alice, "hello room")
    bob.until(event("message"))  # bob answers privately once he has read the room message
    say(bob, "psst alice", to="alice")
    alice.until(event("private_message"))
    bob.until(event("private_message"))
    say(alice, "bye room")  # after the private message: everyone reads up to it
    for member in members.values():
        member.until(event("message", "bye room"))
    emit("ListRooms", stub.ListRooms(pb.ListRoomsRequest(), timeout=DEADLINE))
    emit("ListMembers", stub.ListMembers(pb.ListMembersRequest(room=ROOM), timeout=DEADLINE))
    for member in members.values():
        member.close(pb.ChatRequest(leave=pb.Leave()))


def game(channel: grpc.Channel) -> None:
    pb, rpc = load("game")
    stub = rpc.GuessingGameStub(channel)

    def kind(wanted: int) -> Callable[[Any], bool]:
        return lambda response: bool(response.event.kind == wanted)

    watch = Stream("Watch", stub.Watch(pb.WatchRequest(), timeout=DEADLINE))
    watch.until(lambda response: True)
    player = Session(stub.Play, "Play", PLAYER, pb.PlayRequest(join=pb.Join(name=PLAYER)))
    current = player.until(kind(pb.EVENT_KIND_JOINED)).event.round
    low, high = current.low, current.high
    for _ in range(BINARY_SEARCH_GUESSES):
        guess = (low + high) // 2
        player.send(pb.PlayRequest(guess=pb.Guess(number=guess)))
        verdict = player.until(kind(pb.EVENT_KIND_HINT)).event.hint.verdict
        if verdict == pb.VERDICT_CORRECT:
            break
        if verdict == pb.VERDICT_TOO_HIGH:
            high = guess - 1
        elif verdict == pb.VERDICT_TOO_LOW:
            low = guess + 1
        else:
            raise PeerError(f"unexpected verdict {pb.Verdict.Name(verdict)} for {guess}")
    else:
        raise PeerError(f"no CORRECT after {BINARY_SEARCH_GUESSES} guesses")
    player.until(kind(pb.EVENT_KIND_GAME_OVER))
    player.until(kind(pb.EVENT_KIND_ROUND_STARTED))  # the unary guess goes to a fresh round
    casual = pb.GuessRequest(player="grpcio-guesser", number=500)
    emit("Guess", stub.Guess(casual, timeout=DEADLINE))
    taken = pb.GuessRequest(player=PLAYER, number=500)  # the name of a Play session
    expect_error("Guess", lambda: stub.Guess(taken, timeout=DEADLINE))
    emit("Scoreboard", stub.Scoreboard(pb.ScoreboardRequest(), timeout=DEADLINE))
    watch.until(kind(pb.EVENT_KIND_ROUND_STARTED))
    watch.responses.cancel()
    player.close(pb.PlayRequest(leave=pb.Leave()))


def health(channel: grpc.Channel) -> None:
    """grpc.health.v1 by hand, on bytes: HealthCheckRequest{service = 1 (string)} in,
    HealthCheckResponse{status = 1 (enum, a varint)} out."""
    check = channel.unary_unary("/grpc.health.v1.Health/Check")  # no serializers: bytes

    def request(service: str) -> bytes:
        name = service.encode()
        return bytes([0x0A, len(name)]) + name if name else b""  # names < 128 bytes

    def status(response: bytes) -> int:
        if not response:
            return 0  # every field at its default: UNKNOWN
        if response[0] != 0x08:  # field 1, varint
            raise PeerError(f"not a HealthCheckResponse: {response!r}")
        value = 0
        for shift, byte in enumerate(response[1:]):
            value |= (byte & 0x7F) << (7 * shift)
            if byte < 0x80:
                return value
        raise PeerError(f"truncated HealthCheckResponse: {response!r}")

    for service in ("", *SERVICES):
        response = check(request(service), timeout=DEADLINE)
        emit("Health.Check", service=service, status=status(response))
    unknown = "no.such.Service"
    expect_error("Health.Check", lambda: check(request(unknown), timeout=DEADLINE), service=unknown)


def drain(channel: grpc.Channel) -> None:
    """Hold a chat session and a quote stream open, say "ready", and once the server has
    drained them (the test stops it), emit how each ended: its last event, and the status and
    details of its trailers."""
    chat_pb, chat_rpc = load("chat")
    currency_pb, currency_rpc = load("currency")
    outbox: queue.Queue[Any] = queue.Queue()
    outbox.put(chat_pb.ChatRequest(join=chat_pb.Join(room=ROOM, name="drained")))
    session = chat_rpc.ChatServiceStub(channel).Chat(_requests(outbox), timeout=DEADLINE)
    next(session)  # joined
    request = currency_pb.StreamQuotesRequest(base_currency="EUR", quote_currency="USD")
    quotes = currency_rpc.CurrencyServiceStub(channel).StreamQuotes(request, timeout=DEADLINE)
    next(quotes)
    emit("ready")
    for call, responses in (("Chat", session), ("StreamQuotes", quotes)):
        last = None
        try:
            for last in responses:  # noqa: B007 - the last one is the point
                pass
        except grpc.RpcError as error:
            shown = json_format.MessageToDict(last) if last is not None else None
            emit(call, code=error.code().name, details=error.details(), last_event=shown)
        else:
            raise PeerError(f"{call} ended without an error status")


SCENARIOS: dict[str, Callable[[grpc.Channel], None]] = {
    "currency": currency,
    "chat": chat,
    "game": game,
    "health": health,
    "drain": drain,
}


def main() -> None:
    if len(sys.argv) != 3 or sys.argv[1] not in SCENARIOS:
        sys.exit(f"usage: {sys.argv[0]} {{{'|'.join(SCENARIOS)}}} HOST:PORT")
    scenario, target = sys.argv[1:]
    try:
        with tempfile.TemporaryDirectory() as out, grpc.insecure_channel(target) as channel:
            generate_stubs(Path(out))
            SCENARIOS[scenario](channel)
    except (PeerError, grpc.RpcError) as error:
        sys.exit(f"grpcio peer, scenario {scenario} against {target}: {error}")


if __name__ == "__main__":
    main()
