"""Where the server is: `host:port` targets and their default."""

import os

__all__ = ["DEFAULT_TARGET", "TARGET_ENV", "default_target", "parse_target"]

DEFAULT_TARGET = "127.0.0.1:50051"
TARGET_ENV = "TP3_TARGET"


def default_target() -> str:
    """`$TP3_TARGET` if set, else 127.0.0.1:50051."""
    return os.environ.get(TARGET_ENV) or DEFAULT_TARGET


def parse_target(target: str) -> tuple[str, int]:
    """Split "host:port" or "[ipv6]:port" into host and port; ValueError says what is wrong."""
    host, sep, port_text = target.strip().rpartition(":")
    if not sep or not host:
        raise ValueError(f"target {target!r} must look like host:port, e.g. 127.0.0.1:50051")
    host = host.removeprefix("[").removesuffix("]")
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ValueError(f"target {target!r} has no valid port (1-65535)")
    return host, int(port_text)
