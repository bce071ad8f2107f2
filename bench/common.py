"""What every bench needs: ports, the servers' CPU and memory from /proc, and how to report a
spread of measures. One place, so that every bench measures the same way."""

import os
import re
import statistics
from pathlib import Path

from tp3.cli.cluster import free_port, wait_for_port

__all__ = ["cpu_seconds", "free_port", "rss_kib", "spread", "wait_for_port"]


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
