"""Documentation that cannot drift: the manual's CLI reference is what the commands' --help
say, every command and canned query is documented, and the manual builds with MkDocs in strict
mode (every warning, such as a broken link or a page missing from the navigation, an error)."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, SEEDS, SHARED, TEST_DATA

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


# --- every example of the README and the manual runs ---------------------------------------
#
# Fenced ```python blocks of a page run one after another as one script; every `kg …` line of
# a ```sh block runs through the real command (`python -m kg`) and must exit 0; ```trig blocks
# must parse and state only what the repository's data states. They run in a copy of the
# checkout (so that `kg link` or `kg review --accept` write there, not here), with the shared
# folder beside it and a cache of their own. What an example needs runs against a fixture:
# `localhost:7878` is the `oxigraph_server` fixture, DOCUMENT a document of the drafting set,
# `kg serve` is started on a free port and stopped once it answers.

FENCE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```", re.MULTILINE | re.DOTALL)
ENDPOINT = "http://localhost:7878"

# Lines of ```sh examples that are not run, each with the reason (matched by prefix): anything
# else that is not a `kg` command fails the test, so a new example is run or explicitly listed.
NOT_RUN = {
    "pip install": "installing is the test environment's business",
    "sh scripts/test": "runs the test suite this test belongs to",
    "python -m pytest": "runs the test suite this test belongs to",
    "ruff ": "the linter, run by scripts/test itself",
    "python bench/": "benchmarks take minutes; tests/test_bench.py runs each one small",
    # fetching and unpacking the World Factbook package, the input of `bench/draft.py --factbook`
    "cd /tmp": "fetches a package from the npm registry (a benchmark's input)",
    "npm pack": "fetches a package from the npm registry (a benchmark's input)",
    "tar -xzf factbook": "unpacks that package",
    # Proposal ids derive from the document and the statement, so these lines name the ids of
    # one draft of one document; tests/test_draft_cli.py accepts, edits, rejects and withdraws
    # by id on fixture drafts.
    "kg review review/new.trig --accept p": "names the proposal ids of one particular draft",
    "kg review review/new.trig --edit": "names the proposal ids of one particular draft",
    "kg review review/new.trig --withdraw": "names the proposal ids of one particular draft",
}


def example_pages() -> list[Path]:
    """README.md and every page of the manual but the generated CLI reference (its blocks are
    --help texts, checked by test_the_cli_reference_matches_the_commands_help)."""
    pages = [REPO / "README.md", *sorted(DOCS.rglob("*.md"))]
    return [p for p in pages if p != REPO / clidoc.PAGE]


def examples(page: Path) -> list[tuple[str, str, int]]:
    """(language, code, line) of each fenced block."""
    text = page.read_text(encoding="utf-8")
    return [
        (m.group(1), m.group(2), text.count("\n", 0, m.start()) + 2) for m in FENCE.finditer(text)
    ]


def commands(code: str) -> list[list[str]]:
    """The commands of a shell example: lines joined at a trailing backslash, comments
    dropped, `a && b` split."""
    out: list[list[str]] = []
    for line in code.replace("\\\n", " ").splitlines():
        words = shlex.split(line, comments=True)
        while words:
            cut = words.index("&&") if "&&" in words else len(words)
            if words[:cut]:
                out.append(words[:cut])
            words = words[cut + 1 :]
    return out


def test_every_example_block_has_a_language():
    """An unlabelled block would be silently skipped by the example runner."""
    for page in example_pages():
        for lang, _code, line in examples(page):
            assert lang, f"{page.relative_to(REPO)}:{line}: a code block without a language"


@pytest.fixture
def checkout(tmp_path):
    """A copy of the checkout (code, ontology, data, queries) with the shared folder beside
    it and a git history of two commits (for `kg diff HEAD~1`)."""
    root = tmp_path / "checkout"
    ignore = shutil.ignore_patterns("__pycache__", ".kg-cache", "*.pyc")
    for name in ("src", "ontology", "data", "queries"):
        shutil.copytree(REPO / name, root / name, ignore=ignore)
    (tmp_path / "shared").symlink_to(SHARED)
    git = ["git", "-c", "user.name=docs", "-c", "user.email=docs@example.org"]
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    subprocess.run([*git, "-C", str(root), "add", "-A"], check=True)
    for message in ("data", "again"):
        subprocess.run(
            [*git, "-C", str(root), "commit", "-q", "--allow-empty", "-m", message], check=True
        )
    return root


def _env(root: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(root / "src")
    env["KG_CACHE_DIR"] = str(root.parent / "cache")
    env["KG_DOCUMENTS"] = str(SEEDS)
    env["KG_EXTERNAL"] = str(SHARED / "external")
    env.pop("COLUMNS", None)
    return env


def _serve(argv: list[str], root: Path, where: str) -> None:
    """`kg serve …` on a free port: started, asked for its home page, stopped."""
    import socket
    import time
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    if "--port" in argv:
        argv[argv.index("--port") + 1] = str(port)
    else:
        argv += ["--port", str(port)]
    process = subprocess.Popen(
        [sys.executable, "-m", "kg", *argv[1:]],
        cwd=root,
        env=_env(root),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            assert process.poll() is None, f"{where}: {shlex.join(argv)} exited: " + (
                process.stdout.read().decode() if process.stdout else ""
            )
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as answer:
                    assert answer.status == 200
                    return
            except OSError:
                assert time.monotonic() < deadline, f"{where}: {shlex.join(argv)} never answered"
                time.sleep(0.2)
    finally:
        process.terminate()
        process.wait(timeout=30)


def _run_shell(code: str, root: Path, where: str, document: Path) -> int:
    ran = 0
    for argv in commands(code):
        line = shlex.join(argv)
        if any(line.startswith(prefix) for prefix in NOT_RUN):
            continue
        if argv[0] == "mkdir":
            (root / argv[-1]).mkdir(parents=True, exist_ok=True)
            continue
        assert argv[0] == "kg", f"{where}: {line!r} is neither a kg command nor in NOT_RUN"
        argv = [str(document) if a == "DOCUMENT" else a for a in argv]
        ran += 1
        if argv[1] == "serve":
            _serve(argv, root, where)
            continue
        run = subprocess.run(
            [sys.executable, "-m", "kg", *argv[1:]],
            cwd=root,
            env=_env(root),
            input=b"q\n" if "-i" in argv else b"",
            capture_output=True,
            timeout=600,
        )
        assert run.returncode == 0, (
            f"{where}: {line} exited {run.returncode}\n{run.stdout.decode()[-2000:]}\n"
            f"{run.stderr.decode()[-2000:]}"
        )
    return ran


def _run_python(blocks: list[tuple[str, int]], root: Path, page: str) -> None:
    script = "\n".join(f"# {page}:{line}\n{code}" for code, line in blocks)
    (root / "example.py").write_text(script, encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "example.py"],
        cwd=root,
        env=_env(root),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, f"{page}: the Python examples fail:\n{run.stderr[-3000:]}"


def _check_trig(code: str, where: str) -> None:
    """A TriG example parses with the project's prefixes, and the data states every quad."""
    from pyoxigraph import RdfFormat, parse

    from kg.load import open_dataset
    from kg.namespaces import PREFIXES

    prologue = "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in PREFIXES.items())
    quads = list(parse((prologue + code).encode(), format=RdfFormat.TRIG))
    store = open_dataset(inferred=False).store
    for quad in quads:
        assert quad in store, f"{where}: the data does not state {quad}"


@pytest.mark.parametrize(
    "page", example_pages(), ids=lambda p: str(p.relative_to(REPO)).replace("/", "-")
)
def test_every_example_runs(page, checkout, request):
    name = str(page.relative_to(REPO))
    blocks = examples(page)
    code_of_page = "\n".join(code for _, code, _ in blocks)
    if ENDPOINT in code_of_page:
        server = request.getfixturevalue("oxigraph_server")
        request.addfinalizer(lambda: _drop_all(server))
        blocks = [(lang, code.replace(ENDPOINT, server), line) for lang, code, line in blocks]
    # A new document of the project's own (tests/data/drafts), whose proposals all conform, so
    # that `kg review … --accept all` in the examples writes and validates for real.
    document = TEST_DATA / "drafts" / "latvia-note.txt"
    python: list[tuple[str, int]] = []
    for lang, code, line in blocks:
        where = f"{name}:{line}"
        if lang == "python":
            python.append((code, line))
        elif lang == "sh":
            _run_shell(code, checkout, where, document)
        elif lang == "trig":
            _check_trig(code, where)
        else:
            assert lang in ("text", "json", "turtle"), f"{where}: a ```{lang} block is not run"
    if python:
        _run_python(python, checkout, name)


def _drop_all(server: str) -> None:
    import urllib.request

    request = urllib.request.Request(
        server + "/update",
        data=b"DROP ALL",
        headers={"Content-Type": "application/sparql-update"},
        method="POST",
    )
    urllib.request.urlopen(request, timeout=60).close()


# --- the notebook ----------------------------------------------------------------------------

NOTEBOOKS = sorted((DOCS / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_the_notebooks_run_and_are_committed_without_outputs(path, tmp_path, monkeypatch):
    """Each notebook is stored without outputs (diffs stay readable, no stale answers) and
    runs top to bottom in a fresh kernel; the competency-questions one shows a DataFrame and a
    chart."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, (
                f"{path.name}: commit it without outputs (jupyter nbconvert "
                "--clear-output --inplace)"
            )
    # The kernel is a child process: it imports this checkout's kg, and draws inline.
    path_now = os.environ.get("PYTHONPATH", "")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(p for p in (str(REPO / "src"), path_now) if p))
    monkeypatch.delenv("MPLBACKEND", raising=False)
    client = nbclient.NotebookClient(
        notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": tmp_path}}
    )
    client.execute()
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    data = [o.get("data", {}) for o in outputs]
    assert any("text/html" in d and "<table" in d["text/html"] for d in data)  # a DataFrame
    assert any("image/png" in d for d in data)  # the chart
    printed = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "https://w3id.org/digital-policy-kg/passage/" in printed
