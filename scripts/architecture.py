"""The apps and their imports, as read from the code (grimp, the graph import-linter uses).

    python scripts/architecture.py           # print the Mermaid graph
    python scripts/architecture.py --write   # refresh it in docs/architecture.md
    python scripts/architecture.py --check   # exit 1 when the document is out of date
    python scripts/architecture.py --cycles  # list module import cycles (exit 1 if any)

An arrow is drawn once between two apps, whatever the number of imports behind it, and
left out when a longer path already leads there (intake → dossiers → employers: no
intake → employers arrow), so the picture shows the layers.
"""

from __future__ import annotations

import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "architecture.md"
START, END = "<!-- graph:start (scripts/architecture.py --write) -->", "<!-- graph:end -->"
PACKAGES = [
    "core",
    "accounts",
    "declarations",
    "ivan",
    "closure_sync",
    "closure_protocol",
    "central",
    "portal",
    "demo",
]
APPS = [
    "core",
    "accounts",
    "declarations.employers",
    "declarations.dossiers",
    "declarations.people",
    "declarations.signing",
    "declarations.intake",
    "declarations.review",
    "declarations.adoption",
    "declarations.difficulties",
    "ivan",
    "closure_sync",
    "closure_protocol",
    "central",
    "portal",
    "demo",
]


def _app(module: str) -> str | None:
    found = [a for a in APPS if module == a or module.startswith(a + ".")]
    return max(found, key=len) if found else None


def graph() -> grimp.ImportGraph:
    sys.path.insert(0, str(ROOT))
    return grimp.build_graph(*PACKAGES, cache_dir=None)


def app_edges(g) -> list[tuple[str, str]]:
    edges = set()
    for module in g.modules:
        if ".migrations." in module or module.endswith(".migrations"):
            continue  # a migration runs once, in its order: not a dependency of the code
        source = _app(module)
        for imported in g.find_modules_directly_imported_by(module):
            target = _app(imported)
            if source and target and source != target:
                edges.add((source, target))
    return sorted(edges)


def reduced(edges) -> list[tuple[str, str]]:
    """The arrows not implied by a path through other apps (transitive reduction)."""
    succ: dict[str, set[str]] = {}
    for a, b in edges:
        succ.setdefault(a, set()).add(b)

    def reaches(a, b, skip):
        seen, todo = set(), [n for n in succ.get(a, ()) if (a, n) != skip]
        while todo:
            n = todo.pop()
            if n == b:
                return True
            if n not in seen:
                seen.add(n)
                todo.extend(succ.get(n, ()))
        return False

    return [(a, b) for a, b in edges if not reaches(a, b, (a, b))]


def mermaid(edges) -> str:
    def node(app):
        return app.replace("declarations.", "declarations/").replace(".", "_")

    def name(app):
        return app.replace("declarations.", "declarations/") + "/"

    lines = ["```mermaid", "flowchart TD"]
    for app in APPS:
        lines.append(f'    {node(app).replace("/", "_")}["{name(app)}"]')
    for source, target in edges:
        lines.append(f"    {node(source).replace('/', '_')} --> {node(target).replace('/', '_')}")
    lines.append("```")
    return "\n".join(lines)


def cycles(g) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]
    modules = sorted(g.modules)
    succ = {m: sorted(g.find_modules_directly_imported_by(m)) for m in modules}
    sys.setrecursionlimit(10000)

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in succ[v]:
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
                out.append(sorted(component))

    for m in modules:
        if m not in index:
            visit(m)
    return out


def main(argv: list[str]) -> int:
    g = graph()
    if "--cycles" in argv:
        found = cycles(g)
        for component in found:
            print(" ↔ ".join(component))
        return 1 if found else 0
    text = mermaid(reduced(app_edges(g)))
    if "--write" in argv or "--check" in argv:
        doc = DOC.read_text()
        head, rest = doc.split(START, 1)
        _, tail = rest.split(END, 1)
        new = f"{head}{START}\n{text}\n{END}{tail}"
        if "--check" in argv:
            if new != doc:
                print("docs/architecture.md is out of date: run scripts/architecture.py --write")
                return 1
            return 0
        DOC.write_text(new)
        return 0
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
