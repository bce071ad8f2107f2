"""`tp3 ui`: open grpcui, a web UI for any reflection-enabled gRPC server, on a tp3 server.

grpcui is a Go program (the successor of the archived BloomRPC): found through TP3_GRPCUI, then
PATH, then `.tools/bin/` (where `nox -s tools` builds it) of tp3's checkout and of the current
directory, then `$(go env GOPATH)/bin`. It runs in the foreground with its output passed through.
"""

import os
import shutil
import signal
import subprocess
from pathlib import Path
from typing import Annotated

import typer

from tp3.cli.common import TargetOption, connection, connection_options, fail
from tp3.client import DEFAULT_TARGET, ClientTls, parse_target

GRPCUI_VERSION = "v1.5.0"
GRPCUI_PACKAGE = "github.com/fullstorydev/grpcui/cmd/grpcui"
# Not `go install pkg@version`: that also asks the Go proxy for the module's version list, which
# some proxies refuse (403 for grpcui on proxy.golang.org). `go get` in a throwaway module
# resolves the pinned version alone; noxfile.py's go_install does the same.
INSTALL_HINT = (
    "build it with `nox -s tools` in tp3's checkout (into .tools/bin/), or with Go: "
    f'(cd "$(mktemp -d)" && go mod init tools && go get {GRPCUI_PACKAGE}@{GRPCUI_VERSION} '
    f"&& go install {GRPCUI_PACKAGE})"
)
# An editable install's checkout (tp3/ sits in it); `nox -s tools` builds into its .tools/bin.
CHECKOUT = Path(__file__).resolve().parents[2]


def find_grpcui() -> str | None:
    """TP3_GRPCUI, else `grpcui` on PATH, else the one `nox -s tools` built in .tools/bin/ of
    tp3's checkout or of the current directory, else the one `go install` put in
    $(go env GOPATH)/bin."""
    configured = os.environ.get("TP3_GRPCUI")
    if configured:
        return configured if os.access(configured, os.X_OK) else None
    found = shutil.which("grpcui")
    if found:
        return found
    for tools in (CHECKOUT / ".tools" / "bin", Path.cwd() / ".tools" / "bin"):
        if os.access(tools / "grpcui", os.X_OK):
            return str(tools / "grpcui")
    go = shutil.which("go")
    if go is None:
        return None
    try:
        gopath = subprocess.run(
            [go, "env", "GOPATH"], capture_output=True, text=True, timeout=10, check=True
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    for directory in gopath.split(os.pathsep):
        candidate = Path(directory) / "bin" / "grpcui"
        if directory and os.access(candidate, os.X_OK):
            return str(candidate)
    return None


def grpcui_security(tls: ClientTls | None) -> list[str]:
    """grpcui's flags for the TLS and token the command was given (no -cacert: the system's
    CAs). The token stays out of grpcui's command line (anyone can read those): grpcui expands
    ${TP3_TOKEN} from its environment."""
    given = connection()
    flags = ["-plaintext"]
    if tls is not None:
        flags = []
        for flag, path in (("-cacert", tls.ca), ("-cert", tls.cert), ("-key", tls.key)):
            if path is not None:
                flags += [flag, str(path)]
    if given.token:
        os.environ["TP3_TOKEN"] = given.token  # grpcui inherits it
        flags += ["-H", "authorization: Bearer ${TP3_TOKEN}", "-expand-headers"]
    return flags


@connection_options
def ui_command(
    target: TargetOption = DEFAULT_TARGET,
    port: Annotated[
        int,
        typer.Option(
            min=0, max=65535, metavar="PORT", help="Port for the web UI (0: any free port)."
        ),
    ] = 0,
    no_browser: Annotated[
        bool, typer.Option("--no-browser", help="Print the URL instead of opening a browser.")
    ] = False,
) -> None:
    """Browse and call the server's services in a web UI (grpcui, over server reflection)."""
    grpcui = find_grpcui()
    if grpcui is None:
        fail(f"grpcui not found: {INSTALL_HINT}; or set TP3_GRPCUI to its path")
    try:  # grpcui takes host:port alone: the scheme only says plaintext or TLS
        where = parse_target(target)
        tls = where.client_tls(connection().tls())
    except ValueError as error:  # TlsError too
        fail(str(error), code=2)
    command = [grpcui, *grpcui_security(tls), "-port", str(port)]
    if no_browser:
        command.append("-open-browser=false")
    command.append(where.address)
    try:
        process = subprocess.Popen(command)
    except OSError as error:
        fail(f"cannot run {grpcui}: {error}")
    # Stopped by SIGTERM, grpcui stops too: it would outlive us, port and all.
    signal.signal(signal.SIGTERM, lambda *_: process.terminate())
    try:
        code = process.wait()
    except KeyboardInterrupt:  # Ctrl-C reaches grpcui too (same process group): let it stop
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        raise typer.Exit(130) from None
    raise typer.Exit(code)
