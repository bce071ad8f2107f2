"""What README.md tells a newcomer holds: the set-up leaves a `tp3` other shells can run, no
command needs a pip Debian refuses, the layout is the tree's, the claims about `--json`,
minor units and the blocking client are the code's, and its Python example runs."""

import re
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest
import typer
from conftest import ServerProcess

from tp3.cli import app
from tp3.currency.iso4217 import ISO_4217
from tp3.currency.rates import default_table

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
BLOCK = re.compile(r"^```(\w*)\n(.*?)^```", re.M | re.S)


def section(heading: str) -> str:
    """The text under `heading` (a whole line, e.g. '## Layout'), to the next one as deep."""
    level = heading.split()[0]
    start = README.index(f"\n{heading}\n") + len(heading) + 2
    following = re.search(rf"^{level} ", README[start:], re.M)
    return README[start : start + following.start()] if following else README[start:]


def shell_lines() -> list[tuple[int, str]]:
    """(offset in README, line) of every line of the sh and console blocks."""
    found = []
    for block in BLOCK.finditer(README):
        if block[1] in {"sh", "console"}:
            offset = block.start(2)
            for line in block[2].splitlines(keepends=True):
                found.append((offset, line.rstrip("\n")))
                offset += len(line)
    return found


# --- set-up: one line, then a tp3 that a new shell finds -------------------------------------


def test_the_set_up_is_one_line_that_makes_the_virtualenv() -> None:
    first = BLOCK.search(section("## Set up a fresh machine"))
    assert first is not None
    [line] = first[2].strip().splitlines()
    assert line.startswith("python3 -m venv .venv && .venv/bin/pip install -e . && "), line


def test_ci_runs_the_readmes_test_command_on_a_fresh_machine() -> None:
    """The last block of the set-up section is the test command, whole on one line, that
    stands alone (it makes the virtualenv too) and is the one .ci/run calls."""
    blocks = BLOCK.findall(section("## Set up a fresh machine"))
    [command] = blocks[-1][1].strip().splitlines()
    assert command.startswith("python3 -m venv .venv && "), command
    assert "nox" in command
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert command in ci, f"{command!r} is not a line of .ci/run"


def test_other_shells_are_told_to_activate_before_any_example_calls_tp3() -> None:
    """`tp3 ...` is "command not found" in a second shell: the README says how, first."""
    bare = re.compile(r"(^|\$ |&& |; |\| )tp3 ")
    first_call = min(
        offset + found.end() for offset, line in shell_lines() if (found := bare.search(line))
    )
    activation = README.find(". .venv/bin/activate")
    assert 0 <= activation < first_call, README[first_call - 200 : first_call + 50]


@pytest.mark.skipif(
    sys.prefix == sys.base_prefix or not (Path(sys.prefix) / "bin" / "tp3").exists(),
    reason="not run from a virtualenv with tp3 installed",
)
@pytest.mark.slow  # a process
def test_activating_the_virtualenv_gives_a_new_shell_its_tp3(tmp_path: Path) -> None:
    """What the README's line does, in a shell with a login's PATH and nothing else."""
    venv = Path(sys.prefix)
    result = subprocess.run(
        [
            "sh",
            "-c",
            f"command -v tp3 || echo 'not yet'; . {venv.name}/bin/activate && tp3 --version",
        ],
        cwd=venv.parent,
        env={"HOME": str(tmp_path), "PATH": "/usr/local/bin:/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["not yet", f"tp3 {version('tp3')}"]


def test_no_command_installs_with_pip_outside_a_virtualenv() -> None:
    """PEP 668: Debian's python3 refuses `python3 -m pip install` (and --user) outside one."""
    refused = re.compile(r"python3? -m pip install|pip3? install --user|sudo pip")
    assert [line for _, line in shell_lines() if refused.search(line)] == []


# --- claims about the code -------------------------------------------------------------------


def _client_commands() -> dict[str, object]:
    """`tp3 currency|chat|game ...` commands, the groups' own callback (`tp3 chat`) included."""
    root = typer.main.get_command(app)
    found: dict[str, object] = {}
    for group_name in ("currency", "chat", "game"):
        group = root.commands[group_name]  # type: ignore[attr-defined]
        if group.params:  # its own options: a command of its own (`tp3 chat`)
            found[f"tp3 {group_name}"] = group
        for name, command in group.commands.items():
            found[f"tp3 {group_name} {name}"] = command
    return found


def test_json_is_on_every_client_command_but_those_the_readme_names() -> None:
    [claim] = [p for p in README.split("\n\n") if "take `--json`" in p]
    named = set(re.findall(r"`(tp3 [a-z ]+)`", claim))
    without = {
        name
        for name, command in _client_commands().items()
        if not any("--json" in p.opts for p in command.params)  # type: ignore[attr-defined]
    }
    assert without == named
    assert without == {"tp3 chat", "tp3 game play"}  # the interactive ones


def test_minor_units_cited_are_iso_4217s_and_servable() -> None:
    [money] = [p for p in README.split("\n- ") if p.startswith("**Money is exact.**")]
    cited = re.findall(r"\b([A-Z]{3}) (\d)\b", money)
    assert cited, money
    table = default_table().rates
    for code, digits in cited:
        assert ISO_4217[code].minor_units == int(digits), code
        if code not in table:  # KWD: only a --rates file can quote it, and the README says so
            assert "--rates" in money, code


@pytest.mark.slow  # a process
def test_the_python_example_runs_and_prints_what_its_comments_say(
    server_process: ServerProcess, capsys: pytest.CaptureFixture[str]
) -> None:
    [example] = [b[2] for b in BLOCK.finditer(section("## From Python")) if b[1] == "python"]
    expected = [
        line.split("# ", 1)[1].split(",")[0].strip()
        for line in example.splitlines()
        if "print(" in line
    ]
    exec(example.replace("127.0.0.1:50051", server_process.target), {})
    assert capsys.readouterr().out.splitlines() == expected


# --- the layout is the tree ------------------------------------------------------------------


def _layout_entries() -> dict[str, str]:
    """The layout block as {first word of an entry: its whole text}."""
    [block] = [b[2] for b in BLOCK.finditer(section("## Layout"))]
    entries: dict[str, str] = {}
    key = ""
    for line in block.splitlines():
        if line and not line[0].isspace():
            key = line.split()[0].rstrip(",")
            entries[key] = line
        else:
            entries[key] += "\n" + line
    return entries


def test_every_path_in_the_layout_exists() -> None:
    for path in _layout_entries():
        assert list(ROOT.glob(path.rstrip("/"))), path


def test_the_layout_names_every_package_and_module_of_tp3() -> None:
    entries = _layout_entries()
    text = "\n".join(entries.values())
    for package in sorted(p.parent for p in (ROOT / "tp3").glob("*/__init__.py")):
        assert f"tp3/{package.name}/" in entries, package.name
    for module in sorted((ROOT / "tp3").glob("*.py")):
        if module.stem not in {"__init__", "__main__"}:
            assert f"{module.name}" in text, module.name
    for name in ("currency", "chat", "game", "lab", "rpc"):
        words = set(re.findall(r"\w+", entries[f"tp3/{name}/"]))
        for module in sorted((ROOT / "tp3" / name).glob("*.py")):
            assert module.stem == "__init__" or module.stem in words, f"tp3/{name}/{module.name}"


@pytest.mark.slow  # a process
def test_the_layout_names_every_top_level_folder() -> None:
    try:
        tracked = subprocess.run(
            ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True, timeout=30
        ).stdout.splitlines()
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    folders = {path.split("/")[0] for path in tracked if "/" in path and not path.startswith(".")}
    entries = _layout_entries()
    assert {f for f in folders if not any(e.startswith(f"{f}/") for e in entries)} == set()


def test_links_within_the_readme_lead_to_a_heading() -> None:
    slugs = {
        re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")
        for heading in re.findall(r"^#+ (.+)$", BLOCK.sub("", README), re.M)
    }
    assert set(re.findall(r"\]\(#([^)]+)\)", README)) - slugs == set()
