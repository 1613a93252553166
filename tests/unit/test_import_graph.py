"""The package's imports, function-level ones included, form no cycle: data flows one way."""

import ast
import pkgutil
from pathlib import Path


def _modules() -> dict[str, Path]:
    """Every module of the package, the three folders setuptools maps into it included."""
    import wizardarena.leaderboard
    import wizardarena.tasks
    import wizardarena.trainers

    found = {}
    for package in (wizardarena, wizardarena.trainers, wizardarena.tasks, wizardarena.leaderboard):
        found[package.__name__] = Path(package.__file__)
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            spec = info.module_finder.find_spec(info.name)
            if spec is not None and spec.origin and spec.origin.endswith(".py"):
                found[info.name] = Path(spec.origin)
    return found


def _edges(modules: dict[str, Path]) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                targets = [f"{node.module}.{alias.name}" if f"{node.module}.{alias.name}" in modules else node.module
                           for alias in node.names]
            graph[name].update(t for t in targets if t in modules and t != name)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
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


def test_the_walk_sees_every_room_and_their_imports():
    modules = _modules()
    assert {"wizardarena.trainers.flywheel_loop", "wizardarena.tasks.arena_run", "wizardarena.refs.judge",
            "wizardarena.leaderboard.board"} <= set(modules)
    graph = _edges(modules)
    assert "wizardarena.tasks.arena_run" in graph["wizardarena.tasks.harness"]  # a function-level import counts
    assert _cycles({"a": {"b"}, "b": {"a"}, "c": set()}) == [["a", "b"]]  # the check can fail


def test_no_import_cycle_anywhere_in_the_package():
    assert _cycles(_edges(_modules())) == []
