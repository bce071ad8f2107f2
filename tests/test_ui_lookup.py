"""Where `tp3 ui` looks for grpcui, and what it says when there is none (fast: no grpcui runs).

`nox -s tools` builds grpcui into .tools/bin/ of the checkout; a plain `go install pkg@version`
fails on proxies that refuse the module's version list, so the hint must not say that."""

import ast
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

import tp3
from tp3.cli import app, ui

ROOT = Path(__file__).resolve().parents[1]


def _executable(path: Path) -> Path:
    path.parent.mkdir(parents=True)
    path.write_text("#!/bin/sh\nexit 0\n")
    path.chmod(0o755)
    return path


@pytest.fixture
def nowhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No TP3_GRPCUI, nothing on PATH (no grpcui, no go), an empty checkout and working dir."""
    monkeypatch.delenv("TP3_GRPCUI", raising=False)
    (tmp_path / "empty-bin").mkdir()
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    (tmp_path / "checkout").mkdir()
    monkeypatch.setattr(ui, "CHECKOUT", tmp_path / "checkout")
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    return tmp_path


def test_the_checkout_is_where_tp3_lives() -> None:
    assert Path(tp3.__file__).resolve().parents[1] == ui.CHECKOUT


def test_grpcui_in_the_checkouts_tools_bin_is_found(nowhere: Path) -> None:
    built = _executable(nowhere / "checkout" / ".tools" / "bin" / "grpcui")
    assert ui.find_grpcui() == str(built)


def test_grpcui_in_the_current_folders_tools_bin_is_found(
    nowhere: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    built = _executable(nowhere / "project" / ".tools" / "bin" / "grpcui")
    monkeypatch.chdir(nowhere / "project")
    assert ui.find_grpcui() == str(built)


def test_no_grpcui_is_one_line_with_a_hint_that_works(nowhere: Path) -> None:
    assert ui.find_grpcui() is None
    result = CliRunner().invoke(app, ["ui"], env={"COLUMNS": "1000"})
    assert result.exit_code == 1
    [line] = result.output.splitlines()
    assert line.startswith("error: grpcui not found: ")
    assert "nox -s tools" in line
    # The Go fallback as noxfile.py's go_install runs it, never `go install pkg@version`.
    assert not re.search(r"go install \S+@", line), line
    assert "go mod init" in line
    assert f"go get github.com/fullstorydev/grpcui/cmd/grpcui@{ui.GRPCUI_VERSION}" in line


def test_nox_has_the_tools_session_the_hint_names() -> None:
    """`nox -s tools` exists and builds what the tests session builds, with one function."""
    tree = ast.parse((ROOT / "noxfile.py").read_text())
    sessions = {
        node.name: node
        for node in tree.body
        if isinstance(node, ast.FunctionDef)
        and any("session" in ast.unparse(d) for d in node.decorator_list)
    }
    for name in ("tools", "tests"):
        calls = {ast.unparse(c.func) for c in ast.walk(sessions[name]) if isinstance(c, ast.Call)}
        assert "build_tools" in calls, name
    assert f"grpcui@{ui.GRPCUI_VERSION}" in (ROOT / "noxfile.py").read_text()
