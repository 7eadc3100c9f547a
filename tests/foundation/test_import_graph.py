"""The import graph of the two packages: no circle, the arrow from ``survey_service`` to ``analysis`` only, and
every module importable first, whatever was imported before it."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[2]
PACKAGES = ("survey_service", "analysis")


def module_files() -> dict[str, Path]:
    """Every module of the two packages by dotted name (a package by its ``__init__``)."""
    modules = {}
    for package in PACKAGES:
        for path in sorted((REPOSITORY / package).rglob("*.py")):
            parts = path.relative_to(REPOSITORY).with_suffix("").parts
            modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return modules


def imported_modules(name: str, path: Path, known: set[str], *, at_import: bool) -> set[str]:
    """The modules of the two packages that module NAME imports: those run when it is imported (``at_import``:
    its top level, not inside a function), or any."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = _top_level(tree.body) if at_import else ast.walk(tree)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: ``from . import x`` in package a.b is a.b.x
                parts = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join(parts + ([base] if base else []))
            # ``from package import module`` imports the module; ``from module import name`` the module alone
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names]
        else:
            continue
        for target in targets:
            # importing a.b.c runs a and a.b first
            parts = target.split(".")
            found |= {".".join(parts[:n]) for n in range(1, len(parts) + 1)} & known
    return found - {name}


def _top_level(body):
    """The statements run at import: the module body and the blocks of its if/try/with, not functions or
    ``if TYPE_CHECKING:``."""
    for node in body:
        if isinstance(node, ast.If) and ast.unparse(node.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING"):
            yield from _top_level(node.orelse)
        elif isinstance(node, (ast.If, ast.Try, ast.With)):
            yield node
            for block in ("body", "orelse", "finalbody", "handlers"):
                for child in getattr(node, block, []):
                    yield from _top_level(getattr(child, "body", [child]) if block == "handlers" else [child])
        elif isinstance(node, ast.ClassDef):
            yield from _top_level(node.body)
        elif not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield node


def import_graph(*, at_import: bool) -> dict[str, set[str]]:
    files = module_files()
    known = set(files)
    return {name: imported_modules(name, path, known, at_import=at_import) for name, path in files.items()}


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each a circle of imports."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        for target in graph[todo.pop()] - seen:
            seen.add(target)
            todo.append(target)
    return seen


def test_the_graph_sees_the_imports_it_should():
    graph = import_graph(at_import=True)
    assert "survey_service.command_line" in graph["survey_service.roster.cli"]
    assert "analysis.satisfaction" in graph["survey_service.results.cli"]
    # the command table imports its commands when they run, not when it is imported
    assert graph["survey_service.cli"] == set()
    assert "survey_service.results.documents" in import_graph(at_import=False)["survey_service.cli"]


def test_no_circle_of_imports_at_import_time():
    assert circles(import_graph(at_import=True)) == []


def test_no_circle_through_the_command_line_helpers():
    """The features' commands import their helpers from the bottom of the house, never from the command table,
    which only the app's wiring and ``python -m`` import."""
    graph = import_graph(at_import=False)
    assert {name for name, targets in graph.items() if "survey_service.cli" in targets} == {
        "survey_service.__main__", "survey_service.app_setup"}
    below = reachable(import_graph(at_import=True), "survey_service.command_line")
    assert not [name for name in below if name.endswith(".cli") or name in ("survey_service.app_setup",
                                                                             "survey_service.demo")]


def test_analysis_never_imports_the_service():
    graph = import_graph(at_import=False)
    assert {name: sorted(t for t in targets if t.startswith("survey_service"))
            for name, targets in graph.items()
            if name.startswith("analysis") and any(t.startswith("survey_service") for t in targets)} == {}


IMPORT_EACH_FIRST = """
import importlib, random, sys
names = sys.argv[1:]
ours = lambda module: module.split('.')[0] in ('survey_service', 'analysis')
failures = []

def forget():
    for module in [m for m in sys.modules if ours(m)]:
        del sys.modules[module]

for order in [[name] for name in names] + [random.Random(seed).sample(names, len(names)) for seed in range(3)]:
    forget()
    try:
        for name in order:
            importlib.import_module(name)
    except Exception as exc:
        failures.append(f"{order[0] if len(order) == 1 else 'shuffled'} {name}: {exc!r}")
print('\\n'.join(failures))
"""


def test_every_module_imports_first_and_in_any_order():
    """Each module imported into an interpreter that has none of ours yet, then all of them in shuffled orders."""
    names = sorted(name for name in module_files() if name != "survey_service.__main__")
    result = subprocess.run([sys.executable, "-c", IMPORT_EACH_FIRST, *names], capture_output=True, text=True,
                            cwd=REPOSITORY, timeout=600)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""
