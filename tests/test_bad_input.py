"""Every bad input is named: an empty file warns, an unreadable file or folder, a symbolic link
loop or a link to nothing is an error naming the path (exit 2) for every command that reads the
data, never skipped and never a traceback (issue 9).

Unreadable files and folders are tested in a subprocess without the privilege to ignore file
modes. Root reads any file whatever its mode, so when the tests run as root the subprocess drops
CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH from its capability bounding set before it starts
Python: root then obeys the mode bits like anyone else (a plain ``setuid`` to another user would
not do, as that user may not be able to read the Python installation under /root).
"""

from __future__ import annotations

import ctypes
import functools
import os
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import REPO, TEST_DATA
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kg.cli import main
from kg.errors import InputError, KgWarning
from kg.load import files, store

FIXTURE = TEST_DATA / "inference"
PR_CAPBSET_DROP = 24
CAP_DAC_OVERRIDE = 1
CAP_DAC_READ_SEARCH = 2

RUNNER = (
    "import sys; from pathlib import Path; import kg.resources as r; "
    "root = Path(sys.argv[1]); r.root = lambda: root; sys.argv = ['kg'] + sys.argv[2:]; "
    "from kg.cli import main; main()"
)


def _drop_file_privileges() -> None:  # pragma: no cover - runs in the child before exec
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH):
        if libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
            os._exit(99)


def run_unprivileged(root: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """``kg ARGS`` in a subprocess with ``root`` as the repository, unable to read what the
    file modes forbid even as root (see the module docstring)."""
    env = dict(os.environ, PYTHONPATH=str(REPO / "src"), KG_CACHE_DIR=str(root / ".cache"))
    return subprocess.run(
        [sys.executable, "-c", RUNNER, str(root), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
        preexec_fn=_drop_file_privileges if os.geteuid() == 0 else None,
    )


@pytest.fixture()
def repo_copy(tmp_path: Path) -> Path:
    """A small repository of our own: the inference fixture's ontology and data."""
    root = tmp_path / "repo"
    shutil.copytree(FIXTURE, root)
    (root / "queries").symlink_to(REPO / "queries")
    return root


def assert_named_error(result: subprocess.CompletedProcess, path: Path, what: str) -> None:
    """Exit 2, a message naming the path and the problem, no traceback."""
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    assert f"kg: error: {path}: {what}" in result.stderr, result.stderr


# --- discover(): the one walk over data folders ------------------------------------------------


def test_a_symlink_loop_under_a_data_folder_is_named(tmp_path: Path) -> None:
    (tmp_path / "data" / "sub").mkdir(parents=True)
    shutil.copy(FIXTURE / "data" / "borders.trig", tmp_path / "data")
    (tmp_path / "data" / "sub" / "up").symlink_to("..")
    with pytest.raises(InputError, match=r"sub/up: symbolic link loop"):
        files.discover([tmp_path / "data"])


def test_a_file_linking_to_itself_is_named(tmp_path: Path) -> None:
    (tmp_path / "self.ttl").symlink_to("self.ttl")
    with pytest.raises(InputError, match=r"self\.ttl: symbolic link loop"):
        files.discover([tmp_path])
    with pytest.raises(InputError, match=r"self\.ttl: symbolic link loop"):
        files.discover([tmp_path / "self.ttl"])


def test_a_link_to_nothing_is_named_but_an_emacs_lock_is_not(tmp_path: Path) -> None:
    (tmp_path / ".#a.ttl").symlink_to("root@host.1234:1700000000")
    assert files.discover([tmp_path]) == []
    (tmp_path / "b.ttl").symlink_to("nowhere.ttl")
    with pytest.raises(InputError, match=r"b\.ttl: broken symbolic link"):
        files.discover([tmp_path])


def test_a_linked_folder_is_followed_and_the_order_is_the_sorted_paths(tmp_path: Path) -> None:
    (tmp_path / "data" / "b").mkdir(parents=True)
    (tmp_path / "elsewhere").mkdir()
    for name in ("data/b/x.ttl", "data/a.ttl", "data/b.ttl", "elsewhere/y.ttl", "data/c.nq"):
        (tmp_path / name).write_text("")
    (tmp_path / "data" / "link").symlink_to(tmp_path / "elsewhere")
    data = tmp_path / "data"
    assert files.discover([data]) == sorted(
        [data / "a.ttl", data / "b.ttl", data / "b" / "x.ttl", data / "c.nq", data / "link/y.ttl"]
    )
    top = [data / "a.ttl", data / "b.ttl", data / "c.nq"]
    assert files.discover([data], recursive=False) == top


def test_an_empty_file_warns_naming_it(tmp_path: Path) -> None:
    (tmp_path / "empty.ttl").write_text("")
    (tmp_path / "prefixes.ttl").write_text("@prefix ex: <http://example.org/> .\n# nothing\n")
    (tmp_path / "graphs.trig").write_text("@prefix ex: <http://example.org/> .\nex:g { }\n")
    (tmp_path / "full.trig").write_text(
        "@prefix ex: <http://example.org/> .\nex:g { ex:a ex:b ex:c }\n"
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        files.load([tmp_path], ontology=False)
    named = sorted(str(w.message).split(":")[0] for w in caught if w.category is KgWarning)
    assert named == [str(tmp_path / n) for n in ("empty.ttl", "graphs.trig", "prefixes.ttl")]
    assert all("no statements" in str(w.message) for w in caught)


def test_kg_validate_warns_about_an_empty_file_and_still_conforms(tmp_path: Path) -> None:
    (tmp_path / "empty.ttl").write_text("")
    result = CliRunner().invoke(main, ["validate", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert f"kg: warning: {tmp_path / 'empty.ttl'}: no statements" in result.stderr


def test_the_store_fingerprints_the_loader_it_depends_on() -> None:
    """Regression: after the layout move the store hashed modules that no longer existed, so
    a change to the loader did not rebuild stores."""
    package = Path(store.__file__).resolve().parent.parent
    for name in store._CODE_MODULES:
        assert (package / name).is_file(), name


# --- every command, as a user without the right to read --------------------------------------


def _lock(path: Path) -> None:
    path.chmod(0)


@pytest.fixture()
def unreadable_folder(repo_copy: Path):  # type: ignore[no-untyped-def]
    folder = repo_copy / "data" / "locked"
    folder.mkdir()
    shutil.copy(FIXTURE / "data" / "borders.trig", folder / "more.trig")
    _lock(folder)
    yield folder
    folder.chmod(0o755)


COMMANDS = [
    ("validate",),
    ("query", "list-ai-strategies", "-d", "{data}"),
    ("sparql", "ASK {{}}", "-d", "{data}"),
    ("export", "--format", "nquads"),
    ("build",),
    ("serve", "--port", "0"),
]


@pytest.mark.parametrize("command", COMMANDS, ids=[c[0] for c in COMMANDS])
def test_an_unreadable_folder_is_an_error_for_every_command(
    repo_copy: Path, unreadable_folder: Path, command: tuple[str, ...]
) -> None:
    args = [a.format(data=repo_copy / "data", root=repo_copy) for a in command]
    result = run_unprivileged(repo_copy, *args)
    assert_named_error(result, unreadable_folder, "cannot read: Permission denied")


def test_an_unreadable_file_is_an_error_before_anything_is_built(repo_copy: Path) -> None:
    locked = repo_copy / "data" / "borders.trig"
    _lock(locked)
    try:
        commands = (
            ["build"],
            ["validate"],
            ["sparql", "ASK {}", "-d", str(locked.parent)],
            ["link", "--external", str(repo_copy / "nowhere")],
        )
        for args in commands:
            result = run_unprivileged(repo_copy, *args)
            assert_named_error(result, locked, "cannot read: Permission denied")
        # click checks a file given with -d itself (its usage error, exit 2)
        result = run_unprivileged(repo_copy, "sparql", "ASK {}", "-d", str(locked))
        assert result.returncode == 2 and "Traceback" not in result.stderr
        assert f"Path '{locked}' is not readable" in result.stderr
    finally:
        locked.chmod(0o644)


# --- fuzzing the loaders ----------------------------------------------------------------------

SEED_TRIG = b"""@prefix ex: <http://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
ex:g1 { ex:a ex:p "caf\\u00e9"@fr , 42 , "2020"^^xsd:gYear ; ex:q [ ex:r ( 1 2 ( 3 ) ) ] . }
ex:a ex:p <b#c> ; ex:q _:x . _:x ex:r '''long
text''' .
GRAPH ex:g2 { ex:b ex:p ex:c }
"""


def _nested(depth: int, opener: bytes, closer: bytes) -> bytes:
    return (
        b"@prefix ex: <http://example.org/> .\nex:s ex:p "
        + opener * depth
        + b" ex:o "
        + (closer * depth)
        + b" .\n"
    )


documents = st.one_of(
    # nested lists and blank-node property lists, balanced or not
    st.builds(
        lambda depth, pair, cut: _nested(depth, *pair)[: None if cut == 0 else -cut],
        st.integers(1, 3000),
        st.sampled_from([(b"(", b")"), (b"[ ex:p ", b"]"), (b"( [ ex:p ", b"] )")]),
        st.integers(0, 40),
    ),
    # a valid document cut anywhere
    st.integers(0, len(SEED_TRIG)).map(lambda n: SEED_TRIG[:n]),
    # a valid document with bytes replaced, inserted or removed
    st.lists(
        st.tuples(st.integers(0, len(SEED_TRIG) - 1), st.binary(min_size=0, max_size=3)),
        min_size=1,
        max_size=6,
    ).map(
        lambda edits: functools.reduce(
            lambda text, edit: text[: edit[0]] + edit[1] + text[edit[0] + 1 :], edits, SEED_TRIG
        )
    ),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document=documents, suffix=st.sampled_from([".ttl", ".trig"]))
def test_fuzzed_files_load_or_fail_with_a_message(
    tmp_path_factory: pytest.TempPathFactory, document: bytes, suffix: str
) -> None:
    """Nested, truncated and garbled Turtle and TriG: kg answers (0), or names the file and the
    problem (2); never a traceback. The data is loaded as every command loads it, then queried."""
    path = tmp_path_factory.mktemp("fuzz") / f"doc{suffix}"
    path.write_bytes(document)
    result = CliRunner().invoke(
        main, ["sparql", "--max-memory", "none", "-d", str(path), "--format", "csv", "ASK {}"]
    )
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    assert result.exit_code in (0, 1, 2)
    assert "Traceback" not in result.output
    if result.exit_code == 2:
        assert result.stderr.startswith(f"kg: error: {path}"), result.stderr
    else:
        assert result.stdout == "true"


# --- a UTF-8 byte-order mark is read as RDF parsers read it: as nothing ----------------------

BOM = b"\xef\xbb\xbf"


def test_a_utf8_byte_order_mark_is_accepted_by_every_reader(tmp_path, monkeypatch):
    """Issue 18: a file saved with a BOM (Windows editors) was refused with a message holding
    the invisible character. rdflib and Jena skip it; so does kg — in the loader, the graph
    index (which file states a graph), the emptiness check and the persistent store."""
    monkeypatch.setenv("KG_CACHE_DIR", str(tmp_path / "cache"))
    folder = tmp_path / "data"
    folder.mkdir()
    ex = "http://example.org/kg-bom/"
    (folder / "plain.ttl").write_bytes(BOM + f'<{ex}a> <{ex}p> "turtle" .\n'.encode())
    (folder / "graphs.trig").write_bytes(BOM + f'<{ex}g> {{ <{ex}a> <{ex}p> "trig" . }}\n'.encode())
    dataset = files.load([folder], ontology=False)
    assert len(dataset.store) == 2
    assert dataset.files[f"{ex}g"] == folder / "graphs.trig"  # the TriG file's graph is known
    assert dataset.files.owners(f"{ex}g") == [folder / "graphs.trig"]
    result = CliRunner().invoke(main, ["export", str(folder), "--format", "nquads"])
    assert result.exit_code == 0, result.output
    assert f'<{ex}a> <{ex}p> "trig" <{ex}g> .' in result.output
    assert "\ufeff" not in result.output
    built = store.open_persistent([folder])  # the bulk loader of the persistent store
    try:
        assert len(built.store) >= 2
    finally:
        built.close()
    # a BOM and nothing else is an empty file (a warning), not a syntax error
    (folder / "empty.ttl").write_bytes(BOM)
    with pytest.warns(KgWarning, match="no statements"):
        files.load([folder / "empty.ttl"], ontology=False)


def test_a_syntax_error_after_a_bom_still_names_file_and_line(tmp_path):
    path = tmp_path / "broken.ttl"
    path.write_bytes(BOM + b'@prefix ex: <http://example.org/> .\nex:a ex:b "c"\n')
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 2
    assert f"{path}:3:1: syntax error" in result.output
    assert "\ufeff" not in result.output
