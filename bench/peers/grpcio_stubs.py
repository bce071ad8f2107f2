"""grpcio stubs of tp3's protos, generated at bench time (grpcio-tools) into a temporary folder.

Each proto is compiled from its own folder, so its modules are top-level (`currency_pb2`):
a generated `tp3` package would shadow the project's, whose domain code the peers use. The
wire names (`tp3.currency.v1.CurrencyService`) come from the protos' `package`, unchanged.
"""

import importlib
import subprocess
import sys
import tempfile
from pathlib import Path
from types import ModuleType

PROTOS = Path(__file__).resolve().parents[2] / "protos"


def load(service: str) -> tuple[ModuleType, ModuleType]:
    """(messages, grpc) modules of `service` ("currency", "chat", "game")."""
    out = Path(tempfile.mkdtemp(prefix="tp3-bench-stubs-"))
    folder = PROTOS / "tp3" / service / "v1"
    command = [sys.executable, "-m", "grpc_tools.protoc", "-I", str(folder)]
    command += [f"--python_out={out}", f"--grpc_python_out={out}", f"{service}.proto"]
    subprocess.run(command, check=True, cwd=folder, timeout=60)
    sys.path.insert(0, str(out))
    return importlib.import_module(f"{service}_pb2"), importlib.import_module(f"{service}_pb2_grpc")
