"""The benchmarks' checking and latency client: grpcio (C-core), the same for every contender.

python bench/peers/grpcio_client.py check HOST:PORT        the Convert reply, as hex
python bench/peers/grpcio_client.py serial HOST:PORT N     N Converts one after the
                                                           other: JSON {p50_ms, p99_ms}
python bench/peers/grpcio_client.py streams HOST:PORT      JSON {quotes: [hex] the first
                                                           3 quotes of EUR/USD at 10ms,
                                                           `time` cleared (a clock, not
                                                           the stack); convert_stream:
                                                           [hex] the answers to a good
                                                           and a bad request}
"""

import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import grpc  # type: ignore[import-untyped]
from google.protobuf.duration_pb2 import Duration

sys.path.insert(0, str(Path(__file__).resolve().parent))
import grpcio_stubs

pb, pb_grpc = grpcio_stubs.load("currency")
REQUEST = pb.ConvertRequest(from_currency="MAD", to_currency="USD", amount="6500")


def streams(stub: Any) -> dict[str, list[str]]:
    ask = pb.StreamQuotesRequest(
        base_currency="EUR", quote_currency="USD", interval=Duration(nanos=10**7), count=3
    )
    quotes = list(stub.StreamQuotes(ask, timeout=10))
    for quote in quotes:
        quote.ClearField("time")
    good, bad = (
        pb.ConvertStreamRequest(from_currency="MAD", to_currency="USD", amount=amount)
        for amount in ("6500", "-5")
    )
    answers = stub.ConvertStream(iter([good, bad]), timeout=10)
    return {
        "quotes": [q.SerializeToString().hex() for q in quotes],
        "convert_stream": [a.SerializeToString().hex() for a in answers],
    }


def main() -> None:
    mode, target = sys.argv[1], sys.argv[2]
    with grpc.insecure_channel(target) as channel:
        stub = pb_grpc.CurrencyServiceStub(channel)
        convert = stub.Convert
        if mode == "check":
            print(convert(REQUEST, timeout=10).SerializeToString().hex())
            return
        if mode == "streams":
            print(json.dumps(streams(stub)))
            return
        for _ in range(200):  # warm up: connection, caches
            convert(REQUEST, timeout=10)
        times = []
        for _ in range(int(sys.argv[3])):
            start = time.perf_counter()
            convert(REQUEST, timeout=10)
            times.append((time.perf_counter() - start) * 1000)
        cuts = statistics.quantiles(times, n=100)
        print(json.dumps({"p50_ms": statistics.median(times), "p99_ms": cuts[98]}))


if __name__ == "__main__":
    main()
