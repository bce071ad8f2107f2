"""A lab client on grpc's official Python stack (grpcio), written against the lab's own protos
(protos/lab), as a student's Python client would be: tp3's lab contract, end to end.

    python tests/grpcio_lab_peer.py bank HOST:PORT
    python tests/grpcio_lab_peer.py chat HOST:PORT NAME      (stdin lines until "exit")
    python tests/grpcio_lab_peer.py play HOST:PORT NAME DELAY_SECONDS

tests/test_lab_clients.py runs it in a subprocess (grpcio must never be imported in the
pytest process). Every result is one JSON object per line; a failure exits non-zero with one
line on stderr. Every call has a deadline, so the script always ends by itself.
"""

import importlib
import json
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc  # type: ignore[import-untyped]
from google.protobuf import json_format
from google.protobuf.message import Message

PROTOS = Path(__file__).resolve().parents[1] / "protos" / "lab"
DEADLINE = 30.0


def load(name: str) -> tuple[Any, Any]:
    """The lab proto `name`'s grpcio modules, generated into a temporary folder: top-level
    `bank_pb2` and so on, as the lab's own Python clients have them."""
    out = Path(tempfile.mkdtemp(prefix="tp3-lab-stubs-"))
    command = [sys.executable, "-m", "grpc_tools.protoc", "-I", str(PROTOS)]
    command += [f"--python_out={out}", f"--grpc_python_out={out}", f"{name}.proto"]
    subprocess.run(command, check=True, timeout=60, capture_output=True)
    sys.path.insert(0, str(out))
    return importlib.import_module(f"{name}_pb2"), importlib.import_module(f"{name}_pb2_grpc")


def emit(call: str, message: Message | None = None, **fields: Any) -> None:
    if message is not None:
        fields["response"] = json_format.MessageToDict(
            message, preserving_proto_field_name=True, always_print_fields_with_no_presence=True
        )
    print(json.dumps({"call": call, **fields}, ensure_ascii=False), flush=True)


def bank(channel: grpc.Channel) -> None:
    pb, rpc = load("bank")
    stub = rpc.BankServiceStub(channel)
    request = pb.ConvertCurrencyRequest(currencyFrom="DH", currencyTo="USD", amount=6500)
    emit("convert", stub.convert(request, timeout=DEADLINE))
    emit("convert.future", stub.convert.future(request, timeout=DEADLINE).result())
    for quote in stub.getCurrencyStream(request, timeout=DEADLINE):
        emit("getCurrencyStream", quote)
    amounts = [pb.ConvertCurrencyRequest(amount=a) for a in (100, 200.5, 4521.123)]
    emit("performStream", stub.performStream(iter(amounts), timeout=DEADLINE))
    for answer in stub.fullCurrencyStream(iter(amounts), timeout=DEADLINE):
        emit("fullCurrencyStream", answer)
    try:
        stub.convert(pb.ConvertCurrencyRequest(currencyFrom="XX", amount=1), timeout=DEADLINE)
    except grpc.RpcError as error:
        emit("convert", code=error.code().name, details=error.details())


def chat(channel: grpc.Channel, name: str) -> None:
    """Each stdin line is sent as `name`; every message received is printed."""
    pb, rpc = load("chat")

    def lines() -> Iterator[Any]:
        for line in sys.stdin:
            if line.strip().lower() == "exit":  # as the original's client ends
                return
            yield pb.Message(user_id=name, text=line.rstrip("\n"))

    for message in rpc.ChatStub(channel).Chat(lines(), timeout=DEADLINE):
        emit("Chat", message)


def play(channel: grpc.Channel, name: str, delay: float) -> None:
    """Binary search, `delay` seconds between guesses, until "BRAVO" or "Jeu terminé" (what
    the lab's clients stop on); then Stop."""
    pb, rpc = load("jeu")
    stub = rpc.JeuStub(channel)
    start = stub.Start(pb.Empty(), timeout=DEADLINE)
    emit("Start", next(start))

    def the_rest_of_start() -> None:
        for result in start:
            emit("Start", result)

    threading.Thread(target=the_rest_of_start, daemon=True).start()
    low, high = 1, 1000
    guesses: list[int] = []
    ready = threading.Semaphore(1)

    def requests() -> Iterator[Any]:
        while True:
            ready.acquire()
            if low > high:
                return
            guesses.append((low + high) // 2)
            yield pb.GuessRequest(guess=guesses[-1], username=name)

    for result in stub.Guess(requests(), timeout=DEADLINE):
        emit("Guess", result, guess=guesses[-1])
        if result.message.startswith(("BRAVO", "Jeu terminé")):
            break
        if result.message == "Votre nombre est plus petit":
            low = guesses[-1] + 1
        elif result.message == "Votre nombre est plus grand":
            high = guesses[-1] - 1
        time.sleep(delay)
        ready.release()
    emit("Stop", stub.Stop(pb.Empty(), timeout=DEADLINE))


def main() -> None:
    mode, target, *rest = sys.argv[1:]
    with grpc.insecure_channel(target) as channel:
        try:
            if mode == "bank":
                bank(channel)
            elif mode == "chat":
                chat(channel, rest[0])
            elif mode == "play":
                play(channel, rest[0], float(rest[1]))
            else:
                sys.exit(f"error: unknown mode {mode!r}")
        except grpc.RpcError as error:
            sys.exit(f"error: {error.code().name}: {error.details()}")


if __name__ == "__main__":
    main()
