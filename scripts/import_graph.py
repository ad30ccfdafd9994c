"""The import graph of kg's own modules: modules, edges, levels, cycles.

Run ``python scripts/import_graph.py [ROOT]`` (ROOT: the folder holding the ``kg`` package,
``src`` by default). Every import counts, module-level or inside a function, because an import
inside a function that closes a cycle is still a cycle (it only moves the failure to run
time). Used by ``tests/test_architecture.py``; the counts are the figures quoted when the
layout changes.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path


def modules(root: Path) -> dict[str, Path]:
    """Module name → file, for every module of the ``kg`` package under ``root``."""
    found = {}
    for path in sorted((root / "kg").rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _resolve(name: str, known: dict[str, Path]) -> str | None:
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name or None


def edges(root: Path) -> dict[str, set[str]]:
    """Module → the kg modules it imports (an import of ``a.b.c`` names the deepest module
    that exists; ``from pkg import sub`` names ``pkg.sub`` when it is a module)."""
    known = modules(root)
    graph: dict[str, set[str]] = {m: set() for m in known}
    for name, path in known.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")
                    base = base[: len(base) - node.level + 1]
                    stem = ".".join([*base, node.module] if node.module else base)
                else:
                    stem = node.module or ""
                targets = [f"{stem}.{a.name}" for a in node.names] or [stem]
                targets = [t if t in known else stem for t in targets]
            for target in targets:
                if not target.startswith("kg"):
                    continue
                resolved = _resolve(target, known)
                if resolved and resolved != name and not name.startswith(resolved + "."):
                    graph[name].add(resolved)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(10_000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def levels(graph: dict[str, set[str]]) -> int:
    """The longest chain of imports (1 for a module that imports nothing of kg); cycles are
    counted once."""
    depth: dict[str, int] = {}

    def level(v: str, seen: frozenset[str]) -> int:
        if v in depth:
            return depth[v]
        below = [level(w, seen | {v}) for w in graph[v] if w not in seen]
        depth[v] = 1 + max(below, default=0)
        return depth[v]

    return max((level(v, frozenset()) for v in graph), default=0)


def main(argv: list[str]) -> int:
    root = Path(argv[1]) if len(argv) > 1 else Path("src")
    graph = edges(root)
    found = cycles(graph)
    print(f"modules: {len(graph)}")
    print(f"edges: {sum(len(v) for v in graph.values())}")
    print(f"levels: {levels(graph)}")
    print(f"cycles: {len(found)}")
    for component in found:
        print("  " + " <-> ".join(component))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
