"""Page weight and load-event time of each kind of page of ``kg serve`` in Chromium, this
checkout against a reference checkout (by default /work/main), interleaved A,B,A,B. A
benchmark, not a test.

    python bench/views.py [--reference /work/main | --reference none] [--repeat 5] [DATA ...]

Starts ``kg serve`` twice on the same data (the repository's data/ unless DATA paths are
given; a persistent store folder works too), one with this checkout's ``src`` first on the
path and one with the reference's, and opens every page in Debian's Chromium (Playwright; a
fresh browser context each time: nothing cached, as for a first visit; every request that is
not for the loopback server is refused and counted). Per page and server it prints:

- ``html``: the bytes of the page itself; ``total``: the bytes of every response the page
  loaded before its load event and until its views were drawn (scripts, atlas, rows);
- ``load``: milliseconds from navigation start to the end of the load event;
- ``drawn``: milliseconds until every view on the screen has been drawn (``data-drawn``),
  or ``-`` for a page without views.

as median [min–max] of ``--repeat`` runs, after one warm-up run per page and server (the
server's caches filled, as a server that has been up a while has them).

On the synthetic data of ``bench/gen.py`` (a DATA folder with ``params.json``) the canned
pages take the generator's parameters and the entity pages its entities; ``--reference none``
measures this checkout alone (at 1M, building a second store for the reference costs minutes
and gigabytes). Build the store first (``KG_CACHE_DIR=… kg build DATA``) with the same
``KG_CACHE_DIR`` in the environment, so that the servers open it instead of loading the files.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote, urlsplit

HERE = Path(__file__).resolve().parent
CHROMIUM = "/usr/bin/chromium"
PAGES = (
    ("home", "/"),
    ("catalogue", "/queries"),
    ("ontology", "/ontology"),
    ("editor", "/editor"),
    ("canned map (CQ8)", "/queries/list-neighbours-by-country?country=Lithuania"),
    ("canned timeline (CQ11)", "/queries/list-strategies-by-topic?topic=cybersecurity"),
    ("canned table (sources)", "/queries/list-sources-by-resource"),
    ("country page", "/id/PL"),
    ("other entity page", "/id/eurodig"),
    (
        "editor, 5,000 rows",
        "/editor?query="
        + quote(
            "SELECT ?n ?label WHERE { VALUES ?a {0 1 2 3 4} VALUES ?b {0 1 2 3 4 5 6 7 8 9} "
            "VALUES ?c {0 1 2 3 4 5 6 7 8 9} VALUES ?d {0 1 2 3 4 5 6 7 8 9} "
            "BIND(?a * 1000 + ?b * 100 + ?c * 10 + ?d AS ?n) "
            "BIND(CONCAT('row ', STR(?n)) AS ?label) }"
        ),
    ),
)


def generated_pages(folder: Path) -> tuple[tuple[str, str], ...]:
    """The page kinds with the generator's parameters (``params.json``) and entities."""
    import json
    from urllib.parse import urlencode

    params = json.loads((folder / "params.json").read_text(encoding="utf-8"))

    def canned(name: str) -> str:
        return f"/queries/{name}?" + urlencode(params.get(name, {}))

    country = params["list-strategies-by-country"]["country"].split(":", 1)[1]
    return (
        ("home", "/"),
        ("catalogue", "/queries"),
        ("ontology", "/ontology"),
        ("editor", "/editor"),
        ("canned map (CQ8)", canned("list-neighbours-by-country")),
        ("canned timeline (CQ11)", canned("list-strategies-by-topic")),
        ("canned strategies by country", canned("list-strategies-by-country")),
        ("canned responsible institutions", canned("list-responsible-institutions")),
        ("country page", f"/id/{country}"),
        PAGES[-1],
    )


def serve(checkout: Path, data: list[str]) -> tuple[subprocess.Popen, str]:
    env = dict(os.environ, PYTHONPATH=str(checkout / "src"))
    process = subprocess.Popen(
        [sys.executable, "-c", "from kg.cli import main; main()", "serve", "--port", "0", *data],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    assert process.stdout is not None
    for line in process.stdout:
        found = re.search(r"(http://127\.0\.0\.1:\d+)/", line)
        if found:
            return process, found.group(1)
    raise SystemExit(f"kg serve from {checkout} did not start")


def visit(browser, url: str, blocked: list[str]) -> dict[str, float]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    sizes: list[int] = []

    def guard(route):
        if urlsplit(route.request.url).hostname in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    def body_size(response):
        with contextlib.suppress(Exception):  # a response without a body (aborted)
            sizes.append(len(response.body()))

    context.route("**/*", guard)
    page = context.new_page()
    page.on("response", body_size)
    page.goto(url, wait_until="load", timeout=120_000)
    timing = page.evaluate(
        "() => { const n = performance.getEntriesByType('navigation')[0];"
        " return [n.loadEventEnd, n.transferSize, n.encodedBodySize]; }"
    )
    has_views = page.evaluate("() => document.querySelector('.view') !== null")
    drawn = float("nan")
    if has_views:
        page.wait_for_function(
            "() => Array.from(document.querySelectorAll('.view')).every(v =>"
            " v.offsetParent === null || v.getBoundingClientRect().top > innerHeight + 400"
            " || v.dataset.drawn === 'yes' || v.dataset.drawn === 'failed')",
            timeout=120_000,
        )
        drawn = page.evaluate("() => performance.now()")
    page.wait_for_timeout(50)
    context.close()
    return {"html": timing[2], "total": sum(sizes), "load": timing[0], "drawn": drawn}


def summary(values: list[float], unit: str = "") -> str:
    values = [v for v in values if v == v]
    if not values:
        return "-"
    fmt = (lambda v: f"{v / 1024:,.0f}") if unit == "KB" else (lambda v: f"{v:,.0f}")
    return f"{fmt(statistics.median(values))} [{fmt(min(values))}–{fmt(max(values))}]"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reference", default="/work/main", help="a checkout, or none")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("data", nargs="*")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    pages = PAGES
    if args.data and (Path(args.data[0]) / "params.json").is_file():
        pages = generated_pages(Path(args.data[0]))
    servers = {"kg": serve(HERE.parent, args.data)}
    if args.reference != "none":
        servers["reference"] = serve(Path(args.reference), args.data)
    blocked: list[str] = []
    results: dict[tuple[str, str], list[dict[str, float]]] = {}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"]
            )
            for name, path in pages:
                for _, url in servers.values():
                    visit(browser, url + path, blocked)  # warm-up: the server's caches
                for _ in range(args.repeat):
                    for which, (_, url) in servers.items():  # interleaved: A, B, A, B
                        results.setdefault((name, which), []).append(
                            visit(browser, url + path, blocked)
                        )
            browser.close()
    finally:
        for process, _ in servers.values():
            os.killpg(process.pid, 15)
            process.wait(timeout=30)
    print(f"# {time.strftime('%Y-%m-%d %H:%M')}, Chromium, {args.repeat} runs after a warm-up")
    print(f"# kg: {HERE.parent}; reference: {args.reference}; data: {args.data or 'data/'}")
    print("| page | server | html KB | total KB | load ms | views drawn ms |")
    print("|---|---|---|---|---|---|")
    for name, _ in pages:
        for which in servers:
            runs = results[(name, which)]
            print(
                f"| {name} | {which} | {summary([r['html'] for r in runs], 'KB')} "
                f"| {summary([r['total'] for r in runs], 'KB')} "
                f"| {summary([r['load'] for r in runs])} | {summary([r['drawn'] for r in runs])} |"
            )
    print(f"# requests off the machine: {len(blocked)}")


if __name__ == "__main__":
    main()
