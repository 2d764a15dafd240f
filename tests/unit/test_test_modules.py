"""Test modules stand on their own: what several of them need lives in a helper module
(tests/flows/steps.py, tests/unit/examples.py, tests/unit/fakes.py), fixtures come from
conftest.py by name. A test module that imports another one (or a conftest) leans on tests
it does not own: editing one test file would break another."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent


def imported_modules(source: Path) -> list[str]:
    """Every module `source` imports, at the top or inside a function; relative ones as
    written (`.test_x`)."""
    found = []
    for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            module = "." * node.level + (node.module or "")
            found.append(module)
            # `from tests.flows import test_circle` imports a module by its name
            found += [f"{module}.{alias.name}" for alias in node.names]
    return found


def is_test_module(module: str) -> bool:
    """One of ours (not a library's, such as aiohttp.test_utils)."""
    if not module.startswith(("tests.", ".")):
        return False
    last = module.rsplit(".", 1)[-1]
    return last.startswith("test_") or last == "conftest"


def test_no_test_module_imports_another_test_module():
    offending = {}
    for path in sorted(TESTS.rglob("test_*.py")):
        found = sorted({m for m in imported_modules(path) if is_test_module(m)})
        if found:
            offending[str(path.relative_to(TESTS))] = found
    assert offending == {}


def test_the_check_sees_every_way_of_importing_a_test_module(tmp_path: Path):
    source = tmp_path / "test_example.py"
    source.write_text(
        "from tests.flows.test_circle import assigned_conference\n"
        "from tests.flows import test_intake\n"
        "import tests.unit.test_circle\n"
        "from .test_plan import held\n"
        "from tests.flows.conftest import t\n"
        "def later():\n"
        "    from tests.flows.test_worked_example import invite\n"
        "from tests.flows.steps import invite\n"
    )
    found = {m for m in imported_modules(source) if is_test_module(m)}
    assert found == {
        "tests.flows.test_circle",
        "tests.flows.test_intake",
        "tests.unit.test_circle",
        ".test_plan",
        "tests.flows.conftest",
        "tests.flows.test_worked_example",
    }
