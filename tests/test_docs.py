"""Documentation that cannot drift: the manual's CLI reference is what the commands' --help
say, every command and canned query is documented, and the manual builds with MkDocs in strict
mode (every warning, such as a broken link or a page missing from the navigation, an error)."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest
from conftest import REPO

from kg import resources
from kg.cli import doc as clidoc
from kg.cli import main

DOCS = REPO / "docs"


def manual() -> str:
    """Every page of the manual, one after another."""
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(DOCS.rglob("*.md")))


def test_the_cli_reference_matches_the_commands_help():
    page = (REPO / clidoc.PAGE).read_text(encoding="utf-8")
    assert clidoc.START in page, f"{clidoc.PAGE} has no generated CLI reference"
    assert clidoc.update(page) == page, f"run: python -m kg.cli.doc --write {clidoc.PAGE}"


def test_every_command_has_help_and_a_reference_section():
    page = (REPO / clidoc.PAGE).read_text(encoding="utf-8")
    for name, command in main.commands.items():
        assert command.help, f"kg {name} has no help text"
        assert f"## `kg {name}`" in page


def test_every_canned_query_is_in_the_manual():
    text = manual()
    for path in resources.queries_dir().glob("*.rq"):
        assert path.stem in text, f"{path.stem} is not mentioned in docs/"


def test_the_readme_is_a_front_door():
    """The README says what kg is, gives the two commands and links into the manual; the rest
    lives in docs/ (about 150 lines, so a newcomer reads it in minutes)."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 160
    assert "sh scripts/test" in text and "pip install -e ." in text
    for link in ("docs/tutorial.md", "docs/reference/cli.md"):
        assert link in text
    for target in (REPO / "README.md").read_text(encoding="utf-8").split("](")[1:]:
        path = target.split(")")[0]
        if not path.startswith(("http://", "https://", "#")):
            assert (REPO / path).exists(), f"README links to {path}, which does not exist"


def test_the_manual_builds_without_warnings(tmp_path):
    if shutil.which("mkdocs") is None and not _has_module("mkdocs"):
        pytest.fail("mkdocs is not installed: pip install -e '.[test]'")
    run = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(tmp_path / "site")],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert (tmp_path / "site" / "index.html").exists()
    assert (tmp_path / "site" / "reference" / "cli" / "index.html").exists()


def _has_module(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(name) is not None
