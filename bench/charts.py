"""PNG charts of the benches' results: tp3 against each peer as ratios, rep by rep.

    python bench/charts.py [--results docs/benchmarks] [--out docs/benchmarks] [--check]

Reads the `--json` files the benches wrote there (unary.json, streams.json,
chat_fanout.json: those present) and draws one chart each: for every measure, the median of
tp3/peer over the reps, with a bar from the lowest to the highest. 1 is level; which side
is better is said on each measure. The charts depend on the JSON alone (no clock, no
machine), so `--check` (in `nox -s lint`) redraws them and fails unless the committed ones
are what their JSON draws.
"""

import argparse
import json
import statistics
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display: files only
import matplotlib.pyplot as plt

ROOT = Path(__file__).resolve().parents[1]
FOLDER = ROOT / "docs" / "benchmarks"

Runs = dict[str, list[dict[str, float]]]
"""Contender -> its measures, one dict a rep; the first contender is tp3."""


@dataclass(frozen=True)
class Measure:
    key: str
    label: str


@dataclass(frozen=True)
class Chart:
    source: str
    """The JSON file's name, and the chart's."""
    title: str
    measures: list[Measure]
    runs: Callable[[Any], dict[str, Runs]]
    """The file's content -> its panels (title -> runs)."""


def one_panel(content: Any) -> dict[str, Runs]:
    return {"": content}


def per_scenario(content: Any) -> dict[str, Runs]:
    """chat_fanout.json: {"runs": {contender: {scenario: [rep, ...]}}} -> a panel a scenario."""
    runs: dict[str, dict[str, list[dict[str, float]]]] = content["runs"]
    scenarios = list(next(iter(runs.values())))
    return {s: {name: by[s] for name, by in runs.items()} for s in scenarios}


FASTER, CHEAPER, QUICKER = "higher: tp3 faster", "lower: tp3 cheaper", "lower: tp3 quicker"
CHARTS = [
    Chart(
        "unary",
        "Unary Convert, tp3 serve / peer (server on one core)",
        [
            Measure("rps", f"requests/s\n({FASTER})"),
            Measure("cpu_us", f"server CPU per request\n({CHEAPER})"),
            Measure("p50_ms", f"serial latency p50\n({QUICKER})"),
        ],
        one_panel,
    ),
    Chart(
        "streams",
        "Streaming calls, tp3 serve / peer (server on one core)",
        [
            Measure("quotes_per_s", f"StreamQuotes msg/s\n({FASTER})"),
            Measure("quotes_cpu_us", f"CPU per quote\n({CHEAPER})"),
            Measure("convert_stream_per_s", f"ConvertStream msg/s\n({FASTER})"),
            Measure("convert_stream_cpu_us", f"CPU per answer\n({CHEAPER})"),
        ],
        one_panel,
    ),
    Chart(
        "chat_fanout",
        "Chat fan-out, tp3 serve / peer (server on one core)",
        [
            Measure("server_cpu_us", f"server CPU per delivery\n({CHEAPER})"),
            Measure("p99_ms", f"latency p99\n({QUICKER})"),
            Measure("join_cpu_s", f"server CPU for the joins\n({CHEAPER})"),
        ],
        per_scenario,
    ),
]


def ratios(runs: Runs, key: str) -> dict[str, list[float]]:
    """Peer -> tp3/peer for `key`, rep by rep (reps where the peer measured 0 left out)."""
    (_, tp3), *peers = runs.items()
    return {
        peer: [a[key] / b[key] for a, b in zip(tp3, theirs, strict=True) if b[key]]
        for peer, theirs in peers
    }


def draw(chart: Chart, content: Any, out: Path) -> None:
    panels = chart.runs(content)
    figure, axes = plt.subplots(
        len(panels), 1, figsize=(9, 3.6 * len(panels)), squeeze=False, layout="constrained"
    )
    for axis, (name, runs) in zip(axes[:, 0], panels.items(), strict=True):
        peers = list(runs)[1:]
        width = 0.8 / len(peers)
        for p, peer in enumerate(peers):
            medians, low, high = [], [], []
            for measure in chart.measures:
                values = ratios(runs, measure.key)[peer] or [float("nan")]
                middle = statistics.median(values)
                medians.append(middle)
                low.append(middle - min(values))
                high.append(max(values) - middle)
            at = [m + (p - (len(peers) - 1) / 2) * width for m in range(len(chart.measures))]
            axis.bar(at, medians, width, yerr=[low, high], capsize=3, label=f"/ {peer}")
        axis.axhline(1.0, color="black", linewidth=0.8)
        axis.set_xticks(range(len(chart.measures)), [m.label for m in chart.measures])
        axis.set_ylabel("tp3 / peer")
        axis.set_title(f"{chart.title}{': ' + name if name else ''}", fontsize=10)
        axis.legend(fontsize=8)
    figure.savefig(out, dpi=80, metadata={"Software": None})  # no version: reproducible
    plt.close(figure)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--results", type=Path, default=FOLDER, help="where the JSON files are")
    parser.add_argument("--out", type=Path, default=FOLDER, help="where to write the PNGs")
    parser.add_argument(
        "--check", action="store_true", help="fail unless the PNGs in --out are what --results draw"
    )
    args = parser.parse_args()
    if args.check:
        with tempfile.TemporaryDirectory() as fresh:
            drawn = draw_all(args.results, Path(fresh))
            stale = [p.name for p in drawn if not same_file(args.out / p.name, p)]
        if stale:
            sys.exit(f"error: {', '.join(stale)} out of date: run `python bench/charts.py`")
        print(f"{len(drawn)} charts up to date")
        return
    for png in draw_all(args.results, args.out):
        print(f"wrote {png}")


def same_file(a: Path, b: Path) -> bool:
    return a.exists() and a.read_bytes() == b.read_bytes()


def draw_all(results: Path, out: Path) -> list[Path]:
    """Draw every chart whose JSON is in `results` into `out`; the PNGs written."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for chart in CHARTS:
        source = results / f"{chart.source}.json"
        if source.exists():
            written.append(out / f"{chart.source}.png")
            draw(chart, json.loads(source.read_text()), written[-1])
    return written


if __name__ == "__main__":
    main()
