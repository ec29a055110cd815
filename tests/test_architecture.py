"""The shape of the code, checked: domain arrows, thin routers, services that never commit."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "backbeat"
DEPENDS_ON: dict[str, set[str]] = {
    "identity": set(),
    "billing": {"identity"},
    "catalog": {"identity", "billing"},
    "royalties": {"catalog", "identity", "billing"},
    "media": {"catalog", "identity", "billing"},
    "studio": {"media", "catalog", "identity", "billing"},
    "listening": {"catalog", "identity", "billing"},
    "library": {"catalog", "identity", "billing"},
    "taste": {"listening", "library", "media", "catalog", "identity", "billing"},
    "offerings": {"royalties", "catalog", "identity", "billing"},
    "chain": {"offerings", "royalties", "catalog", "identity", "billing"},
    "live": {"offerings", "royalties", "catalog", "identity", "billing"},
}
"""Each domain and the earlier domains it may import (../shared/ARCHITECTURE.md)."""
COMPOSITION_ROOTS = {"app", "cli", "demo", "models"}
SESSION_CALLS = {"execute", "scalar", "scalars", "flush", "commit", "rollback", "begin", "refresh"}
TRANSACTION_OPENERS = {
    "session_scope",
    "owner_scope",
    "user_scope",
    "owner_sessions",
    "api_sessions",
}
MAX_LINES = 400


def sources() -> list[Path]:
    return sorted(SRC.rglob("*.py"))


def parsed(path: Path) -> ast.Module:
    return ast.parse(path.read_text(), filename=str(path))


def imported_modules(tree: ast.AST) -> list[tuple[ast.stmt, str]]:
    """Every `backbeat…` module an import statement names, with the statement."""
    found: list[tuple[ast.stmt, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found += [(node, f"{node.module}.{alias.name}") for alias in node.names]
    return [(node, name) for node, name in found if name.startswith("backbeat.")]


def layer_of(path: Path) -> str:
    """The domain folder a file is in, or its module name for a top-level file."""
    return path.relative_to(SRC).parts[0].removesuffix(".py")


def arrow_violations(path: Path) -> list[str]:
    layer = layer_of(path)
    if layer in COMPOSITION_ROOTS:
        return []
    allowed = DEPENDS_ON.get(layer, set()) | {layer}
    wrong = []
    for _, name in imported_modules(parsed(path)):
        target = name.split(".")[1]
        is_domain = (SRC / target).is_dir()
        if is_domain and target not in allowed:
            wrong.append(f"{path.relative_to(SRC)} imports {name}")
    return wrong


def is_router(path: Path) -> bool:
    return path.name == "router.py" or path.name.endswith("_router.py")


def is_service(path: Path) -> bool:
    return path.name == "service.py" or path.parent.name == "service"


def called_names(tree: ast.AST) -> list[tuple[int, str]]:
    """Calls by name: `f()`, `x.f()`; `module.f()` is a use case, unless it opens a transaction."""
    modules = {
        alias.asname or alias.name
        for n in ast.walk(tree)
        if isinstance(n, ast.Import | ast.ImportFrom)
        for alias in n.names
    }
    found = []
    for call in (n for n in ast.walk(tree) if isinstance(n, ast.Call)):
        if isinstance(call.func, ast.Name):
            found.append((call.lineno, call.func.id))
        elif isinstance(call.func, ast.Attribute):
            receiver = call.func.value
            is_module = isinstance(receiver, ast.Name) and receiver.id in modules
            if not is_module or call.func.attr in TRANSACTION_OPENERS:
                found.append((call.lineno, call.func.attr))
    return found


def test_every_domain_is_declared() -> None:
    domains = {p.name for p in SRC.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert domains <= set(DEPENDS_ON), f"declare the arrows of {domains - set(DEPENDS_ON)}"


def test_domains_import_one_way_and_the_core_imports_no_domain() -> None:
    wrong = [v for path in sources() for v in arrow_violations(path)]
    assert not wrong, "\n".join(wrong)


def test_routers_run_no_sql_and_open_no_transactions() -> None:
    wrong = []
    for path in filter(is_router, sources()):
        tree = parsed(path)
        wrong += [f"{path.name}:{n.lineno} sqlalchemy" for n, m in _sqlalchemy_imports(tree)]
        for line, name in called_names(tree):
            if name in SESSION_CALLS | TRANSACTION_OPENERS | {"text", "select"}:
                wrong.append(f"{path.relative_to(SRC)}:{line} {name}()")
    assert not wrong, "\n".join(wrong)


def _sqlalchemy_imports(tree: ast.AST) -> list[tuple[ast.stmt, str]]:
    found = [n for n in ast.walk(tree) if isinstance(n, ast.Import | ast.ImportFrom)]
    names = [
        (n, n.module or "" if isinstance(n, ast.ImportFrom) else n.names[0].name) for n in found
    ]
    return [(n, m) for n, m in names if m.startswith("sqlalchemy")]


def test_services_never_commit() -> None:
    wrong = [
        f"{path.relative_to(SRC)}:{line}"
        for path in filter(is_service, sources())
        for line, name in called_names(parsed(path))
        if name == "commit"
    ]
    assert not wrong, "\n".join(wrong)


def test_backbeat_is_imported_at_module_level_only() -> None:
    wrong = []
    for path in sources():
        tree = parsed(path)
        top = {id(n) for n in tree.body} | {
            id(child) for n in tree.body if isinstance(n, ast.If) for child in n.body
        }
        wrong += [
            f"{path.relative_to(SRC)}:{n.lineno} {name}"
            for n, name in imported_modules(tree)
            if id(n) not in top
        ]
    assert not wrong, "\n".join(wrong)


def test_no_source_file_is_over_the_line_budget() -> None:
    long = {
        str(p.relative_to(SRC)): n
        for p in sources()
        if (n := len(p.read_text().splitlines())) > MAX_LINES
    }
    assert not long, long


def test_no_formatter_escapes() -> None:
    wrong = [str(p.relative_to(SRC)) for p in sources() if "fmt: skip" in p.read_text()]
    assert not wrong, wrong


@pytest.mark.parametrize(
    "module",
    ["errors", "db", *(f"{d}.service" for d in ("identity", "catalog", "royalties", "media"))],
)
def test_importing_a_service_does_not_import_fastapi(module: str) -> None:
    probe = f"import backbeat.{module}, sys; sys.exit('fastapi' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", probe], check=False).returncode == 0
