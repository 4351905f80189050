"""The layering of ARCHITECTURE.md, checked: imports point inward and the domain stays pure."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ("domain", "application", "projections", "api")
# What each layer may import from the project (besides itself).
ALLOWED = {
    "domain": set(),
    "application": {"domain"},
    "projections": {"domain", "application"},
    "api": {"domain", "application", "projections"},
}
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


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


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
    assert offending == []


def test_the_domain_imports_only_the_stdlib_and_eventsourcing_domain():
    offending = []
    for path in modules_of("domain"):
        for name in imported_modules(path):
            top = name.split(".")[0]
            if top in THIRD_PARTY_FORBIDDEN_IN_DOMAIN or (
                top == "eventsourcing" and name != "eventsourcing.domain"
            ):
                offending.append(f"{path.relative_to(ROOT)} imports {name}")
    assert offending == []
    assert modules_of("domain"), "the domain package is missing"
