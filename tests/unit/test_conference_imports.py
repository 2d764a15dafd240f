"""The shape of conference/: read from the source with `ast`, so a cycle or a forbidden import
fails here, not when some import order happens to trip over it."""

from __future__ import annotations

import ast
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = ("aiogram", "sqlalchemy", "aiohttp", "bot", "dialogs", "storage", "web", "emulator")


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): ast.parse(p.read_text()) for p in (ROOT / "conference").rglob("*.py")}


def _imports(tree: ast.Module) -> list[tuple[ast.stmt, str, list[str]]]:
    """Every import statement anywhere in the module: (node, module, names)."""
    found: list[tuple[ast.stmt, str, list[str]]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node, alias.name, []) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, "conference/ imports absolutely"
            found.append((node, node.module or "", [alias.name for alias in node.names]))
    return found


def _targets(module: str, names: list[str]) -> set[str]:
    """The conference modules an import statement loads (`from conference.model import outbox`
    loads the submodule)."""
    loaded = {f"{module}.{name}" for name in names if f"{module}.{name}" in MODULES}
    return loaded | ({module} if module in MODULES else set())


def _graph() -> dict[str, set[str]]:
    return {
        name: {t for _, module, names in _imports(tree) for t in _targets(module, names)} - {name}
        for name, tree in MODULES.items()
    }


def test_the_graph_is_read() -> None:
    graph = _graph()
    assert "conference.model.circle" in graph["conference.circle"]
    assert "conference.ports" in graph["conference.access"]


def test_conference_has_no_import_cycle() -> None:
    try:
        TopologicalSorter(_graph()).prepare()
    except CycleError as error:
        raise AssertionError(f"import cycle in conference/: {error.args[1]}") from None


def test_conference_imports_no_door_and_no_storage() -> None:
    wrong = [
        f"{name}: {module}"
        for name, tree in MODULES.items()
        for _, module, _ in _imports(tree)
        if module.split(".")[0] in FORBIDDEN
    ]
    assert wrong == []


def test_imports_are_at_the_top_and_public() -> None:
    """No import inside a function or under TYPE_CHECKING to dodge a cycle, and no module
    takes another's private names."""
    wrong = []
    for name, tree in MODULES.items():
        top = {id(node) for node in tree.body}
        for node, module, names in _imports(tree):
            if id(node) not in top:
                wrong.append(f"{name}:{node.lineno} imports {module} below the top")
            if module.startswith("conference") and any(n.startswith("_") for n in names):
                wrong.append(f"{name}:{node.lineno} takes a private name of {module}")
    assert wrong == []


def test_the_model_and_the_ports_stand_on_the_model_only() -> None:
    """The data, the errors and the ports need nothing but the data: every use case can lean
    on them without a cycle."""
    for name, targets in _graph().items():
        if name.startswith(("conference.model", "conference.errors", "conference.ports")):
            outside = {t for t in targets if not t.startswith("conference.model")}
            assert outside == set(), f"{name} imports {outside}"
