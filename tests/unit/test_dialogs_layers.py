"""dialogs/ in layers: the flows use what renders messages and what they share, never the
other way round, so a newcomer can read `render/` without knowing any flow."""

from __future__ import annotations

import ast
from pathlib import Path

DIALOGS = Path(__file__).resolve().parents[2] / "dialogs"


def imported_modules(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_nothing_outside_the_flows_imports_a_flow() -> None:
    outside = [*(DIALOGS / "render").glob("*.py"), *DIALOGS.glob("*.py")]
    offenders = {
        str(path.relative_to(DIALOGS)): sorted(
            m for m in imported_modules(path) if m.startswith("dialogs.flows")
        )
        for path in outside
        if path.name != "__init__.py" or path.parent != DIALOGS  # the root router lists them
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_the_check_sees_an_import_of_a_flow(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("from dialogs.flows.invitation import invitation_text\n")
    assert "dialogs.flows.invitation" in imported_modules(sample)
