"""kg query opens the dataset in a thread while it finds and checks the query
(kg.cli.base.Opening): the answers, the errors and their order are those of opening it after."""

from __future__ import annotations

import threading

import pytest
from click.testing import CliRunner

from kg.cli import base, main
from kg.errors import InputError


def test_an_error_of_the_opening_is_raised_by_result(monkeypatch):
    def failing(*_):
        raise InputError("nowhere: no such file or folder")

    monkeypatch.setattr(base, "open_store", failing)
    opening = base.Opening((), None, None)
    with pytest.raises(InputError, match="nowhere"):
        opening.result()
    assert not base.Opening._pending


def test_the_store_is_the_result_and_the_opening_runs_in_a_thread(monkeypatch):
    seen = []

    def opened(*args):
        seen.append((threading.current_thread().name, args))
        return "the store"

    monkeypatch.setattr(base, "open_store", opened)
    assert base.Opening(("a",), None, 3.0, True).result() == "the store"
    assert seen == [("kg-open", (("a",), None, 3.0, True))]


def test_a_bad_query_name_is_reported_and_the_opening_is_waited_for_in_place(monkeypatch):
    """Run in place (no limits), the command returns only once the opening it began is over,
    and the query's own error wins over whatever the opening found."""
    release = threading.Event()
    done = []

    def slow(*_):
        release.wait(5)
        done.append(True)
        raise InputError("the data is not read when the query is unknown")

    monkeypatch.setattr(base, "open_store", slow)
    threading.Timer(0.2, release.set).start()
    result = CliRunner().invoke(main, ["query", "no-such-query", "--max-memory", "none"])
    assert result.exit_code == 2
    assert "no canned query named 'no-such-query'" in result.output
    assert "not read" not in result.output
    assert done == [True] and not base.Opening._pending


def test_a_missing_data_path_is_a_clear_error():
    result = CliRunner().invoke(
        main, ["query", "list-capitals", "-d", "/nonexistent/kg-data", "--format", "csv"]
    )
    assert result.exit_code == 2
    assert "/nonexistent/kg-data" in result.output and "Traceback" not in result.output
