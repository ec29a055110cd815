"""The shape of the code, checked: domain arrows, thin routers, services that never commit."""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path, PurePosixPath

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
    "offerings": {"royalties", "media", "catalog", "identity", "billing"},
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
Check = Callable[[PurePosixPath, str], list[str]]
"""A rule: a file's path under src/backbeat and its text → what breaks the rule."""


def sources() -> list[tuple[PurePosixPath, str]]:
    return [
        (PurePosixPath(p.relative_to(SRC).as_posix()), p.read_text())
        for p in sorted(SRC.rglob("*.py"))
    ]


def imported_modules(tree: ast.AST) -> list[tuple[ast.stmt, str]]:
    """Every `backbeat…` module an import statement names, with the statement."""
    found: list[tuple[ast.stmt, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found += [(node, f"{node.module}.{alias.name}") for alias in node.names]
    return [(node, name) for node, name in found if name.startswith("backbeat.")]


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


def wrong_arrows(path: PurePosixPath, text: str) -> list[str]:
    """A domain imports only earlier domains; the core (db, edge, jobs, …) imports none."""
    layer = path.parts[0].removesuffix(".py")
    if layer in COMPOSITION_ROOTS:
        return []
    allowed = DEPENDS_ON.get(layer, set()) | {layer}
    targets = [name for _, name in imported_modules(ast.parse(text))]
    return [
        f"{path} imports {name}"
        for name in targets
        if name.split(".")[1] in DEPENDS_ON and name.split(".")[1] not in allowed
    ]


def sql_in_router(path: PurePosixPath, text: str) -> list[str]:
    """Routers neither import SQLAlchemy, nor call a session, nor open a transaction."""
    if not (path.name == "router.py" or path.name.endswith("_router.py")):
        return []
    tree = ast.parse(text)
    imports = [n for n in ast.walk(tree) if isinstance(n, ast.Import | ast.ImportFrom)]
    modules = [
        n.module or "" if isinstance(n, ast.ImportFrom) else n.names[0].name for n in imports
    ]
    wrong = [f"{path} imports {m}" for m in modules if m.startswith("sqlalchemy")]
    forbidden = SESSION_CALLS | TRANSACTION_OPENERS | {"text", "select"}
    return wrong + [
        f"{path}:{line} {name}()" for line, name in called_names(tree) if name in forbidden
    ]


def commit_in_service(path: PurePosixPath, text: str) -> list[str]:
    """The edge owns the transaction: a service never commits."""
    if not (path.name == "service.py" or path.parent.name == "service"):
        return []
    return [f"{path}:{line}" for line, name in called_names(ast.parse(text)) if name == "commit"]


def local_backbeat_import(path: PurePosixPath, text: str) -> list[str]:
    """`backbeat` is imported at module level (an `if TYPE_CHECKING:` block counts)."""
    tree = ast.parse(text)
    top = {id(n) for n in tree.body} | {
        id(child) for n in tree.body if isinstance(n, ast.If) for child in n.body
    }
    return [f"{path}:{n.lineno} {name}" for n, name in imported_modules(tree) if id(n) not in top]


def over_budget(path: PurePosixPath, text: str) -> list[str]:
    lines = len(text.splitlines())
    return [f"{path}: {lines} lines"] if lines > MAX_LINES else []


def formatter_escape(path: PurePosixPath, text: str) -> list[str]:
    return [f"{path}: fmt: skip"] if "fmt: skip" in text else []


CHECKS: list[Check] = [
    wrong_arrows,
    sql_in_router,
    commit_in_service,
    local_backbeat_import,
    over_budget,
    formatter_escape,
]


@pytest.mark.parametrize("check", CHECKS, ids=lambda check: check.__name__)
def test_the_source_tree_keeps_the_rule(check: Check) -> None:
    wrong = [v for path, text in sources() for v in check(path, text)]
    assert not wrong, "\n".join(wrong)


VIOLATIONS: list[tuple[Check, str, str]] = [
    (wrong_arrows, "catalog/service/x.py", "from backbeat.royalties import service\n"),
    (wrong_arrows, "db.py", "from backbeat.catalog.models import Track\n"),
    (wrong_arrows, "identity/x.py", "import backbeat.media.storage\n"),
    (sql_in_router, "media/router.py", "from sqlalchemy import select\n"),
    (sql_in_router, "catalog/router.py", "async def f(session):\n    await session.execute(q)\n"),
    (
        sql_in_router,
        "x_router.py",
        "from m import service\nasync def f(d):\n    service.user_scope(d)\n",
    ),
    (commit_in_service, "royalties/service/x.py", "async def f(s):\n    await s.commit()\n"),
    (commit_in_service, "media/service.py", "async def f(s):\n    await s.commit()\n"),
    (local_backbeat_import, "catalog/x.py", "def f():\n    from backbeat.db import Base\n"),
    (over_budget, "catalog/x.py", "x = 1\n" * (MAX_LINES + 1)),
    (formatter_escape, "catalog/x.py", "x = [1,  2]  # fmt: skip\n"),
]


@pytest.mark.parametrize(("check", "path", "text"), VIOLATIONS)
def test_each_rule_catches_its_violation(check: Check, path: str, text: str) -> None:
    assert check(PurePosixPath(path), text)


def test_allowed_shapes_pass() -> None:
    allowed = [
        (wrong_arrows, "royalties/x.py", "from backbeat.catalog import service\n"),
        (sql_in_router, "catalog/router.py", "from m import service\nawait service.refresh(x)\n"),
        (local_backbeat_import, "x.py", "if TYPE_CHECKING:\n    from backbeat.db import Base\n"),
    ]
    assert all(not check(PurePosixPath(path), text) for check, path, text in allowed)


def test_every_domain_is_declared() -> None:
    domains = {p.name for p in SRC.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert domains <= set(DEPENDS_ON), f"declare the arrows of {domains - set(DEPENDS_ON)}"


@pytest.mark.parametrize(
    "module",
    ["errors", "db", *(f"{d}.service" for d in ("identity", "catalog", "royalties", "media"))],
)
def test_importing_a_service_does_not_import_fastapi(module: str) -> None:
    probe = f"import backbeat.{module}, sys; sys.exit('fastapi' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", probe], check=False).returncode == 0


def test_no_test_module_imports_another() -> None:
    """Shared helpers live in factories.py, conftest.py or servers.py, never in a test module."""
    root = SRC.parents[1] / "tests"
    wrong = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                last = node.module.rsplit(".", 1)[-1]
                if node.module.startswith("tests.") and last.startswith("test_"):
                    wrong.append(f"{path.relative_to(root)} imports {node.module}")
    assert not wrong, "\n".join(wrong)
