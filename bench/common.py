"""What every bench needs: ports, the servers' CPU and memory from /proc, and how to report a
spread of measures. One place, so that every bench measures the same way."""

import os
import re
import statistics
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tp3.cli.cluster import free_port, wait_for_port

__all__ = [
    "Contender",
    "core_seconds",
    "cpu_seconds",
    "free_port",
    "pinned",
    "python",
    "rss_kib",
    "spread",
    "wait_for_port",
]


@dataclass
class Contender:
    """A server the bench measures, and what it measured of it rep by rep."""

    name: str
    argv: Callable[[int], list[str]]
    source: Path | None = None
    """Another checkout of tp3 to run the server from (a baseline), else this one."""
    runs: list[dict[str, float]] = field(default_factory=list)


def python(*argv: str) -> Callable[[int], list[str]]:
    """The command line of a server listening on the port it is given."""
    return lambda port: [sys.executable, *argv, str(port)]


def pinned(core: str, argv: list[str], *, pin: bool = True) -> list[str]:
    """`argv` run on CPU `core` alone (unless not `pin`)."""
    return ["taskset", "-c", core, *argv] if pin else argv


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of `pid` and its children (tp3 serve --workers)."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone meanwhile
            continue
        if stat.parent.name == str(pid) or fields[1] == str(pid):  # fields[1]: the parent
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def rss_kib(pid: int) -> int:
    """Resident memory of `pid`, KiB."""
    match = re.search(r"VmRSS:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text())
    if match is None:
        raise RuntimeError(f"no VmRSS for process {pid}")
    return int(match[1])


def spread(values: list[float], digits: int = 0) -> str:
    """The median (min-max)."""
    low, mid, high = (
        f"{v:,.{digits}f}" for v in (min(values), statistics.median(values), max(values))
    )
    return f"{mid} ({low}-{high})"


def core_seconds(core: str) -> float:
    """Busy time of CPU `core` since boot (/proc/stat). Less the CPU of the processes pinned
    to it: what others took of that core meanwhile (the machine may be shared)."""
    for line in Path("/proc/stat").read_text().splitlines():
        name, *ticks = line.split()
        if name == f"cpu{core}":
            user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, ticks[:8])
            return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")
    raise RuntimeError(f"no cpu{core} in /proc/stat")
