"""The benchmarks' checking and latency client: grpcio (C-core), the same for every contender.

python bench/peers/grpcio_client.py check HOST:PORT        the Convert reply, as hex
python bench/peers/grpcio_client.py serial HOST:PORT N     N Converts one after the
                                                           other: JSON {p50_ms, p99_ms}
"""

import json
import statistics
import sys
import time
from pathlib import Path

import grpc  # type: ignore[import-untyped]

sys.path.insert(0, str(Path(__file__).resolve().parent))
import grpcio_stubs

pb, pb_grpc = grpcio_stubs.load("currency")
REQUEST = pb.ConvertRequest(from_currency="MAD", to_currency="USD", amount="6500")


def main() -> None:
    mode, target = sys.argv[1], sys.argv[2]
    with grpc.insecure_channel(target) as channel:
        convert = pb_grpc.CurrencyServiceStub(channel).Convert
        if mode == "check":
            print(convert(REQUEST, timeout=10).SerializeToString().hex())
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
