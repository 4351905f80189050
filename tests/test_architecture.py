"""The layering of ARCHITECTURE.md, checked: imports point inward (api → application → domain,
projections → domain), the domain stays pure, only the bench command imports `bench`, and no product
module grows past 400 lines.

Projections may also use application's infrastructure (the Application, settings, the store's
recorders and subscriptions, the principal, paging, and the scope rules of application/access/
with the lookups that load their facts) but never a use case (``application.usecases``)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ("domain", "application", "projections", "api")
PROJECT = (*LAYERS, "bench")
# What each layer may import from the project (besides itself).
ALLOWED = {
    "domain": set(),
    "application": {"domain"},
    "projections": {"domain", "application"},
    "api": {"domain", "application", "projections"},
}
# ... except these parts of an allowed layer.
FORBIDDEN = {"projections": ("application.usecases",)}
BENCH_COMMAND = Path("api/cli/bench.py")
MAX_LINES = 400
THIRD_PARTY_FORBIDDEN_IN_DOMAIN = {
    "fastapi",
    "pydantic",
    "pydantic_settings",
    "psycopg",
    "psycopg_pool",
    "sqlite3",
    "starlette",
    "uvicorn",
}


def imports(path: Path) -> list[tuple[str, bool]]:
    """(module, whether imported inside a function) for each import of a file; ``from a import
    b`` counts as ``a.b`` too (b may be a module)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[tuple[str, bool]] = []

    def visit(node: ast.AST, lazy: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inner = lazy or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            if isinstance(child, ast.Import):
                found.extend((alias.name, lazy) for alias in child.names)
            elif isinstance(child, ast.ImportFrom) and child.module and child.level == 0:
                found.append((child.module, lazy))
                found.extend((f"{child.module}.{alias.name}", lazy) for alias in child.names)
            visit(child, inner)

    visit(tree, False)
    return found


def imported_modules(path: Path) -> set[str]:
    return {name for name, _ in imports(path)}


def modules_of(layer: str) -> list[Path]:
    return sorted((ROOT / layer).rglob("*.py"))


@pytest.mark.parametrize("layer", LAYERS)
def test_imports_point_inward(layer):
    offending = []
    for path in modules_of(layer):
        for name in imported_modules(path):
            top = name.split(".")[0]
            if top in LAYERS and top != layer and top not in ALLOWED[layer]:
                offending.append(f"{path.relative_to(ROOT)} imports {name}")
            if any(name == f or name.startswith(f + ".") for f in FORBIDDEN.get(layer, ())):
                offending.append(f"{path.relative_to(ROOT)} imports {name}")
    assert offending == []


def test_only_the_bench_command_imports_bench_and_only_when_it_runs():
    offending = []
    for layer in LAYERS:
        for path in modules_of(layer):
            for name, lazy in imports(path):
                if name.split(".")[0] == "bench" and not (
                    path.relative_to(ROOT) == BENCH_COMMAND and lazy
                ):
                    offending.append(f"{path.relative_to(ROOT)} imports {name}")
    assert offending == []
    assert any(
        name.startswith("bench.") and lazy for name, lazy in imports(ROOT / BENCH_COMMAND)
    )


def test_the_domain_imports_only_the_stdlib_and_eventsourcing_domain():
    offending = []
    for path in modules_of("domain"):
        for name in imported_modules(path):
            top = name.split(".")[0]
            if top in THIRD_PARTY_FORBIDDEN_IN_DOMAIN or (
                top == "eventsourcing" and not name.startswith("eventsourcing.domain")
            ):
                offending.append(f"{path.relative_to(ROOT)} imports {name}")
    assert offending == []
    assert modules_of("domain"), "the domain package is missing"


def test_no_product_module_exceeds_400_lines():
    sizes = {
        path.relative_to(ROOT).as_posix(): len(path.read_text(encoding="utf-8").splitlines())
        for layer in LAYERS
        for path in modules_of(layer)
    }
    over = {path: lines for path, lines in sorted(sizes.items()) if lines > MAX_LINES}
    assert over == {}, f"split these modules by concern (lines): {over}"
