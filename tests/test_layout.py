"""The package's shape (DESIGN.md, "Layout"), checked on every import in hallq/.

- The device agent (devices/) imports only the standard library, its drivers'
  libraries, hallq.protocol and hallq.wording: never the database, Flask or a
  server module.
- Domain folders (queue, kiosk, display, evaluator, assessment, supervision, cases) import no Flask,
  no Socket.IO, no driver and no web adapter; each component's web/ is the only
  place in it that imports Flask.
- Arrows point one way: no two folders import each other, directly or round a
  longer loop.

Imports inside functions count as much as those at the top: a lazy import is
still an arrow.
"""
from __future__ import annotations

import ast
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

import hallq

ROOT = Path(hallq.__file__).parent
DOMAIN = ("queue", "kiosk", "display", "evaluator", "assessment", "supervision", "cases")
SHARED = ("protocol", "wording")  # what the server and the agent both read
# Libraries that mean "web" or "database": none of them may reach the agent or a domain module.
WEB_LIBRARIES = ("flask", "werkzeug", "jinja2", "socketio", "engineio", "gunicorn")
DATABASE_LIBRARIES = ("sqlalchemy", "alembic", "psycopg")
AGENT_FORBIDDEN = (*WEB_LIBRARIES[:3], "gunicorn", *DATABASE_LIBRARIES)
# werkzeug's password hashing is a hashing module, not the web: accounts keep their hashes in its format.
NOT_WEB = ("werkzeug.security",)
DRIVERS = ("escpos", "serial", "usb", "pyttsx3", "miniaudio", "espeakng_loader")
# The one arrow from a web adapter into devices/: display pages and the kiosk serve the call
# as a WAV rendered by the agent's own speech engine, so the hall hears one voice.
WEB_MAY_USE_DEVICES = ("hallq.devices.voice",)


def modules() -> list[Path]:
    return sorted(p for p in ROOT.rglob("*.py") if "migrations" not in p.parts)


def dotted(path: Path) -> str:
    parts = ["hallq", *path.relative_to(ROOT).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def imports(path: Path) -> tuple[str, ...]:
    """Every module `path` imports, absolute, wherever in the file the import sits."""
    package = dotted(path) if path.name == "__init__.py" else dotted(path).rsplit(".", 1)[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            found.append(base)
            # `from hallq.x import y` may name the module hallq.x.y
            found += [f"{base}.{alias.name}" for alias in node.names
                      if (ROOT.parent / f"{base}.{alias.name}".replace(".", "/")).with_suffix(".py").exists()
                      or (ROOT.parent / f"{base}.{alias.name}".replace(".", "/") / "__init__.py").exists()]
    return tuple(found)


def room(module: str) -> str:
    """The folder a module lives in, as the layout counts them: 'queue', 'queue.web', 'server', 'cli'..."""
    parts = module.split(".")[1:]
    if not parts:
        return "hallq"
    if len(parts) > 1 and parts[1] == "web":
        return f"{parts[0]}.web"
    return parts[0]


def top(name: str) -> str:
    return name.split(".")[0]


def violations(rule) -> list[str]:
    found = []
    for path in modules():
        module = dotted(path)
        for imported in imports(path):
            why = rule(module, imported)
            if why:
                found.append(f"{module} imports {imported}: {why}")
    return sorted(set(found))


def test_the_agent_imports_only_its_own_the_protocol_and_the_wording():
    def rule(module, imported):
        if room(module) != "devices":
            return None
        if top(imported) in AGENT_FORBIDDEN:
            return "the agent never touches the web or the database"
        if top(imported) == "hallq" and room(imported) not in ("hallq", "devices", *SHARED):
            return "the agent shares only hallq.protocol and hallq.wording with the server"
        return None
    assert violations(rule) == []


@pytest.mark.parametrize("shared", SHARED)
def test_what_server_and_agent_share_stands_alone(shared):
    def rule(module, imported):
        if room(module) == shared and top(imported) in ("hallq", *AGENT_FORBIDDEN, *WEB_LIBRARIES) \
                and room(imported) not in SHARED:
            return f"hallq.{shared} is read by the agent too"
        return None
    assert violations(rule) == []


def test_domain_folders_import_no_web_no_socket_and_no_driver():
    def rule(module, imported):
        if room(module) not in DOMAIN:
            return None
        if top(imported) in WEB_LIBRARIES and imported not in NOT_WEB:
            return "only the component's web/ imports Flask or Socket.IO"
        if top(imported) in DRIVERS:
            return "drivers belong to the device agent"
        if top(imported) == "hallq" and (room(imported).endswith(".web") or
                                         room(imported) in ("devices", "server", "web", "demo", "cli")):
            return "arrows point from web and server into the domain, never back"
        return None
    assert violations(rule) == []


def test_web_adapters_use_the_domain_and_the_shared_web_helpers_only():
    def rule(module, imported):
        if not room(module).endswith(".web") and room(module) != "web":
            return None
        if top(imported) != "hallq":
            return None
        if room(imported) in ("server", "demo", "cli"):
            return "the server wires the web adapters, not the other way"
        if room(imported).endswith(".web") and room(imported) != room(module):
            return "a route module never imports another component's routes"
        if room(imported) == "devices" and not imported.startswith(WEB_MAY_USE_DEVICES):
            return "the server speaks to devices through hallq.protocol and the hub"
        if room(module) == "web" and room(imported).endswith(".web"):
            return "the shared web helpers know no component's routes"
        return None
    assert violations(rule) == []


def test_no_two_folders_import_each_other_even_round_a_loop():
    arrows: dict[str, set[str]] = {}
    for path in modules():
        here = room(dotted(path))
        for imported in imports(path):
            if top(imported) == "hallq" and room(imported) not in (here, "hallq"):
                arrows.setdefault(here, set()).add(room(imported))
    loops = []

    def visit(node, trail):
        for nxt in sorted(arrows.get(node, ())):
            if nxt in trail:
                loops.append(" -> ".join(trail[trail.index(nxt):] + [nxt]))
            elif len(trail) < 12:
                visit(nxt, trail + [nxt])

    for start in sorted(arrows):
        visit(start, [start])
    assert sorted(set(loops)) == []


def test_importing_the_agent_loads_no_database_and_no_web_framework():
    code = ("import sys, hallq.devices.agent, hallq.devices.agent_config\n"
            f"bad = sorted({{m.split('.')[0] for m in sys.modules}} & {set(AGENT_FORBIDDEN)!r})\n"
            "own = sorted(m for m in sys.modules if m.startswith('hallq.') and not m.startswith(('hallq.devices', "
            "'hallq.protocol', 'hallq.wording')))\n"
            "print(bad, own)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[] []"


def test_the_rules_see_a_broken_arrow(tmp_path, monkeypatch):
    """The walk finds lazy and relative imports: a rule that sees nothing would pass anything."""
    fake = tmp_path / "hallq"
    (fake / "devices").mkdir(parents=True)
    (fake / "queue").mkdir()
    (fake / "__init__.py").write_text("")
    (fake / "devices" / "__init__.py").write_text("")
    (fake / "queue" / "__init__.py").write_text("")
    (fake / "queue" / "models.py").write_text("")
    (fake / "devices" / "agent.py").write_text("def f():\n    from ..queue import models\n    import flask\n")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", fake)
    imports.cache_clear()
    try:
        found = imports(fake / "devices" / "agent.py")
    finally:
        imports.cache_clear()
    assert "hallq.queue.models" in found and "flask" in found
