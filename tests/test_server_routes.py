"""The route table (kg.server.routes, kg.server.app.ROUTES): adding a route is adding a row; the
table answers 405 and OPTIONS from its rows; patterns match what they say and no more."""

from __future__ import annotations

import pytest

from kg.server.app import ROUTES, App
from kg.server.limits import Limits
from kg.server.messages import Request, Response
from kg.server.routes import Route, Router, compile_pattern


def _hello(app: App, request: Request, name: str) -> Response:
    return Response(200, f"hello {name}\n".encode())


def _app(*extra: Route) -> App:
    """An app without workers: enough for routes that do not run a task."""
    return App(None, Limits(), {}, routes=(*extra, *ROUTES))  # type: ignore[arg-type]


def test_a_route_added_as_one_row_answers():
    app = _app(Route(("GET",), "/hello/{name}", _hello))
    response = app.handle(Request("GET", "/hello/world"))
    assert (response.status, response.body) == (200, b"hello world\n")
    head = app.handle(Request("HEAD", "/hello/world"))
    assert head.status == 200 and head.body == b"" and head.header("Content-Length") == "12"


def test_the_table_answers_405_with_the_methods_of_the_path():
    app = _app(Route(("GET",), "/hello/{name}", _hello))
    response = app.handle(Request("POST", "/hello/world"))
    assert response.status == 405
    assert response.header("Allow") == "GET, HEAD, OPTIONS"
    response = app.handle(Request("PUT", "/sparql"))
    assert response.status == 405 and response.header("Allow") == "GET, HEAD, POST, OPTIONS"


def test_options_lists_the_methods_of_the_path():
    app = _app(Route(("POST",), "/hello/{name}", _hello))
    response = app.handle(Request("OPTIONS", "/hello/world"))
    assert response.status == 204
    assert response.header("Allow") == "GET, HEAD, POST, OPTIONS"  # the row, and Linked Data
    assert app.handle(Request("OPTIONS", "/sparql/")).header("Allow") == (
        "GET, HEAD, POST, OPTIONS"
    )


def test_an_earlier_row_wins():
    first = Route(("GET",), "/queries/?", _hello_static)
    app = _app(first)
    assert app.handle(Request("GET", "/queries")).body == b"first\n"


def _hello_static(app: App, request: Request) -> Response:
    return Response(200, b"first\n")


@pytest.mark.parametrize(
    "pattern,path,parts",
    [
        ("/sparql/?", "/sparql", {}),
        ("/sparql/?", "/sparql/", {}),
        ("/sparql/?", "/sparqlx", None),
        ("/id/{name}", "/id/PL", {"name": "PL"}),
        ("/id/{name}", "/id/PL/x", None),
        ("/downloads/kg.{ext:[a-z]+}", "/downloads/kg.ttl", {"ext": "ttl"}),
        ("/downloads/kg.{ext:[a-z]+}", "/downloads/kgxttl", None),  # the dot is literal
        (r"/q/{name:[a-z]+}{ext:(?:\.[a-z]+)?}", "/q/abc.csv", {"name": "abc", "ext": ".csv"}),
        (r"/q/{name:[a-z]+}{ext:(?:\.[a-z]+)?}", "/q/abc", {"name": "abc", "ext": ""}),
        ("/x/{n:[0-9]{2,3}}", "/x/123", {"n": "123"}),
    ],
)
def test_patterns(pattern, path, parts):
    found = compile_pattern(pattern).fullmatch(path)
    assert (found.groupdict() if found else None) == parts


def test_a_path_no_row_matches_is_404():
    router = Router([Route(("GET",), "/only", _hello_static)])
    response = App(None, Limits(), {}, routes=router.routes).handle(Request("GET", "/other"))  # type: ignore[arg-type]
    assert response.status == 404
