"""One command per chore, the same locally and in CI.

nox                 lint, generated-code drift check, tests, faults (what CI runs)
nox -s tests        the test suite (builds grpcurl and grpcui with Go, the Java clients with
                    Maven, when they are here)
nox -s tools        grpcurl and grpcui alone, built into .tools/bin/ (where `tp3 ui` looks)
nox -s faults       the fault suite: tp3 under attack on loopback, figures as a table
nox -s protos       regenerate tp3/generated/ from protos/
nox -s bench        benchmarks (never part of the test run); arguments after --
"""

import filecmp
import json
import shutil
import tempfile
from pathlib import Path

import nox

nox.options.default_venv_backend = "venv"
nox.options.sessions = ["lint", "protos_check", "tests", "faults"]

ROOT = Path(__file__).parent
PROTOS = ROOT / "protos"
GENERATED = ROOT / "tp3" / "generated"
TOOLS_BIN = ROOT / ".tools" / "bin"
GRPCURL = "github.com/fullstorydev/grpcurl/cmd/grpcurl@v1.9.4"
GRPCUI = "github.com/fullstorydev/grpcui/cmd/grpcui@v1.5.0"  # `tp3 ui`; see tp3/cli/ui.py


def install(session: nox.Session) -> None:
    session.install("-e", ".[dev]")


@nox.session
def tests(session: nox.Session) -> None:
    install(session)
    env = {}
    if shutil.which("go"):
        build_tools(session)
        env["TP3_GRPCURL"] = str(TOOLS_BIN / "grpcurl")
        env["TP3_GRPCUI"] = str(TOOLS_BIN / "grpcui")
    if shutil.which("mvn"):  # the Java clients: build, run their JUnit tests, make the jars
        session.run("mvn", "-q", "-B", "-f", "clients/java", "verify", external=True)
        env["TP3_JAVA_CLIENT"] = str(ROOT / "clients" / "java" / "target" / "tp3-client.jar")
        session.run("mvn", "-q", "-B", "-f", "clients/lab", "verify", external=True)
        env["TP3_LAB_CLIENT"] = str(ROOT / "clients" / "lab" / "target" / "tp3-lab-client.jar")
    session.run("pytest", *session.posargs, env=env)


@nox.session(python=False)
def tools(session: nox.Session) -> None:
    """grpcurl and grpcui into .tools/bin/, as the tests session builds them; `tp3 ui` finds
    grpcui there. Needs Go alone (no virtualenv)."""
    if not shutil.which("go"):
        session.error("Go is needed to build grpcurl and grpcui (https://go.dev/doc/install)")
    build_tools(session)
    session.log(f"built {TOOLS_BIN / 'grpcurl'} and {TOOLS_BIN / 'grpcui'}")


def build_tools(session: nox.Session) -> None:
    go_install(session, GRPCURL)
    go_install(session, GRPCUI)


def go_install(session: nox.Session, package_at_version: str) -> None:
    """Build a Go tool into TOOLS_BIN through a throwaway module.

    A plain `go install pkg@version` also asks the proxy for the module's version list
    (to warn about deprecation), which some proxies refuse (grpcui's, here: 403); `go get`
    in a module resolves the pinned version alone, checksums included."""
    package = package_at_version.split("@")[0]
    with tempfile.TemporaryDirectory() as module, session.chdir(module):
        session.run("go", "mod", "init", "tp3tools", external=True, silent=True)
        session.run("go", "get", package_at_version, external=True, silent=True)
        session.run("go", "install", package, env={"GOBIN": str(TOOLS_BIN)}, external=True)


@nox.session
def faults(session: nox.Session) -> None:
    """tests/fault_suite.py (each case against a fresh `tp3 serve`), then 14,000 random
    well-formed requests; prints the figures docs/reliability.md quotes."""
    install(session)
    report = ROOT / ".nox" / "faults.jsonl"
    report.unlink(missing_ok=True)
    session.run(
        "pytest", "tests/fault_suite.py", *session.posargs, env={"TP3_FAULTS_REPORT": str(report)}
    )
    session.run(
        "pytest",
        "tests/test_malformed.py",
        "-k",
        "well_formed",
        "--timeout",
        "900",
        env={"TP3_FUZZ_EXAMPLES": "14000"},
    )
    rows = [json.loads(line) for line in report.read_text().splitlines()]
    columns = list(dict.fromkeys(key for row in rows for key in row))
    session.log("| " + " | ".join(columns) + " |")
    session.log("|" + "---|" * len(columns))
    for row in rows:
        session.log("| " + " | ".join(str(row.get(c, "")) for c in columns) + " |")


@nox.session
def lint(session: nox.Session) -> None:
    install(session)
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("mypy")
    session.run("mypy", "--strict", "bench")
    session.run("mypy", "--strict", "tests")
    session.run("python", "bench/charts.py", "--check")
    session.run("buf", "lint", "protos")
    if shutil.which("go"):  # the fan-out bench's Go load: compiled and vetted, so it can't rot
        session.run("go", "-C", "bench/peers/go_fanout", "vet", ".", external=True)


@nox.session
def bench(session: nox.Session) -> None:
    """tp3 side by side with grpc's own Python stack (grpc.aio, grpcio sync) and bare grpclib:
    unary Convert and the streaming calls (need h2load, Debian's nghttp2-client), chat
    fan-out and joins beside a naive fan-out, 100 game players; then replicas on Redis
    (needs redis-server and nginx). Results as JSON and PNG charts in docs/benchmarks/, for
    docs/benchmarks.md. `nox -s bench -- --quick`: every bench in its short form, its
    results in a temporary folder (docs/ keeps the full run's)."""
    install(session)  # with grpcio-tools: the peers' stack (grpcio) and their stubs
    quick = ["--quick"] if "--quick" in session.posargs else []
    out = Path(tempfile.mkdtemp(prefix="tp3-bench-")) if quick else ROOT / "docs" / "benchmarks"

    def run(name: str) -> None:
        session.run("python", f"bench/{name}.py", *quick, "--json", str(out / f"{name}.json"))

    if shutil.which("h2load"):
        run("unary")
        run("streams")
    else:
        session.log("unary and streams skipped: no h2load (apt-get install nghttp2-client)")
    run("chat_fanout")
    run("game")
    session.run("python", "bench/charts.py", "--results", str(out), "--out", str(out))
    if shutil.which("redis-server") and (shutil.which("nginx") or Path("/usr/sbin/nginx").exists()):
        session.run("python", "bench/replicas.py", *quick)


def generate(session: nox.Session, out: Path) -> None:
    """betterproto2 (async client + server) and a descriptor set, all protos in one call.

    protoc runs inside `out`: the plugin decides which package `__init__.py` files to write by
    looking for them relative to its working directory, so run anywhere else it skips those
    whose twins exist there (tp3/chat/__init__.py...) and the output depends on the tree.
    `out` must lie inside the project, for the plugin's ruff to find pyproject.toml."""
    protos = sorted(str(p) for p in PROTOS.rglob("*.proto"))
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    with session.chdir(out):
        session.run(
            "python",
            "-m",
            "grpc_tools.protoc",
            f"--proto_path={PROTOS}",
            "--python_betterproto2_out=.",
            "--python_betterproto2_opt=client_generation=async,server_generation=async",
            "--include_imports",
            "--descriptor_set_out=tp3.binpb",
            *protos,
        )


@nox.session
def protos(session: nox.Session) -> None:
    install(session)
    generate(session, GENERATED)


@nox.session
def protos_check(session: nox.Session) -> None:
    """Fail when tp3/generated/ is not what protos/ generates (someone edited either alone)."""
    install(session)
    fresh = ROOT / ".nox" / "protos_check" / "generated"
    generate(session, fresh)
    drift = _differences(filecmp.dircmp(fresh, GENERATED, ignore=["__pycache__"]))
    shutil.rmtree(fresh.parent)
    if drift:
        session.error(f"tp3/generated/ is out of date ({', '.join(drift)}): run `nox -s protos`")


def _differences(cmp: filecmp.dircmp[str]) -> list[str]:
    found = [*cmp.left_only, *cmp.right_only, *cmp.diff_files, *cmp.funny_files]
    for directory, sub in cmp.subdirs.items():
        found += [f"{directory}/{name}" for name in _differences(sub)]
    return found
