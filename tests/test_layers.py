"""Which part of hallcall may import which, read from the source with ``ast`` (nothing is imported).

The rule (docs/decisions.md, "Layout"), one layer per installed package:

- ``hallcall`` (shared: protocol, config, client, mirror, i18n, printer specs) imports only itself
  and the assets, and no library beyond the base dependencies: every program and the server
  stand on it, whatever extras are installed.
- ``hallcall.server`` imports the shared package and the assets, and the libraries of the base and
  the server extra: no Qt, no speech engine, no printer driver, no program and no launcher.
- ``hallcall.gui`` (the Qt helpers) imports the shared package and Qt.
- ``hallcall.kiosk``, ``.counter`` and ``.display`` import the shared package, the assets and the
  gui, and the libraries of their own extra: never the server, a launcher or another program, so
  each installs with its extra alone.
- ``hallcall.launch`` (the CLI, the demo and the simulator) may import every layer: launchers start
  the server and the programs, and the simulator reads the server's database and its calendar.
- ``hallcall.assets`` holds files; its deployment scripts may use the shared package.

Nothing anywhere — tests and benchmarks included — imports a part by its folder's bare name
(``server``, ``kiosk``…), which only resolves from a clone's root; nor runs one with ``-m``.
"""

from __future__ import annotations

import ast
import importlib.metadata
import itertools
import re
import sys
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
PACKAGE_DIRS: dict[str, str] = PYPROJECT["tool"]["setuptools"]["package-dir"]  # installed name → folder
SHARED, ASSETS, SERVER, GUI, LAUNCH = (
    "hallcall",
    "hallcall.assets",
    "hallcall.server",
    "hallcall.gui",
    "hallcall.launch",
)
BARE_NAMES = frozenset(folder for name, folder in PACKAGE_DIRS.items() if name != SHARED)
UNMAPPED = ("tests", "bench", "scripts")  # not installed: checked for bare names only


def _name(requirement: str) -> str:
    """A requirement's distribution name, normalised as PyPI compares them."""
    match = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement)
    assert match, requirement
    return re.sub(r"[-_.]+", "-", match.group()).lower()


@cache
def libraries(extra: str | None = None) -> frozenset[str]:
    """The distributions the base dependencies (``None``) or an extra install by name, the extra's
    own mentions of ``hallcall[...]`` followed."""
    project = PYPROJECT["project"]
    found: set[str] = set()
    for requirement in project["optional-dependencies"][extra] if extra else project["dependencies"]:
        if _name(requirement) == "hallcall":
            for inner in re.search(r"\[([^\]]*)\]", requirement).group(1).split(","):  # type: ignore[union-attr]
                found |= libraries(inner.strip())
        else:
            found.add(_name(requirement))
    return frozenset(found)


@dataclass(frozen=True)
class Rule:
    """What one layer may import: these hallcall layers, these distributions (base included)."""

    layers: frozenset[str]
    extras: tuple[str, ...] = ()
    shared_by_all: bool = False  # gui: only what every one of the extras installs (Qt)

    def allowed(self) -> frozenset[str]:
        sets = [libraries(e) for e in self.extras]
        extra = frozenset.intersection(*sets) if self.shared_by_all else frozenset().union(*sets)
        return libraries() | extra


def _program(layer: str) -> Rule:
    return Rule(frozenset({SHARED, ASSETS, GUI, layer}), (layer.rsplit(".", 1)[1],))


RULES = {
    SHARED: Rule(frozenset({SHARED, ASSETS})),
    ASSETS: Rule(frozenset({SHARED, ASSETS})),
    SERVER: Rule(frozenset({SHARED, ASSETS, SERVER}), ("server",)),
    GUI: Rule(frozenset({SHARED, GUI}), ("kiosk", "counter", "display"), shared_by_all=True),
    "hallcall.kiosk": _program("hallcall.kiosk"),
    "hallcall.counter": _program("hallcall.counter"),
    "hallcall.display": _program("hallcall.display"),
    LAUNCH: Rule(frozenset(PACKAGE_DIRS), ("all", "demo")),  # demo: the web pages' screenshots
}


@dataclass(frozen=True)
class Source:
    """One Python file: where it is, the module it installs as (None outside the packages)."""

    path: Path
    module: str | None

    @property
    def layer(self) -> str | None:
        return layer_of(self.module) if self.module else None


def layer_of(module: str) -> str:
    """The installed package a module belongs to: the longest package-dir name it starts with."""
    return max((n for n in PACKAGE_DIRS if module == n or module.startswith(n + ".")), key=len, default="")


def sources() -> Iterator[Source]:
    """Every Python file of the installed packages (deployment scripts too), tests and benchmarks."""
    for name, folder in PACKAGE_DIRS.items():
        for path in sorted((ROOT / folder).rglob("*.py")):
            parts = path.relative_to(ROOT / folder).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            yield Source(path, ".".join((name, *parts)))
    for folder in UNMAPPED:
        for path in sorted((ROOT / folder).rglob("*.py")):
            yield Source(path, None)


def module_exists(module: str) -> bool:
    """Whether a hallcall module name names a file of the tree."""
    base = layer_of(module)
    if not base:
        return False
    path = ROOT / PACKAGE_DIRS[base] / Path(*module.split(".")[base.count(".") + 1 :])
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def _relative(source: Source, node: ast.ImportFrom) -> str:
    """The absolute name of ``from .x import y`` in ``source``."""
    assert source.module, f"{source.path}: a relative import outside the packages"
    package = source.module if source.path.name == "__init__.py" else source.module.rpartition(".")[0]
    base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
    return f"{base}.{node.module}" if node.module else base


def _named_in_strings(node: ast.List | ast.Tuple) -> Iterator[tuple[str, str, ast.Constant]]:
    """``-m NAME`` in a command list, and the imports of ``-c CODE``: (how, module, the string)."""
    items = node.elts
    for flag, value in itertools.pairwise(items):
        if not (isinstance(flag, ast.Constant) and isinstance(value, ast.Constant) and isinstance(value.value, str)):
            continue
        if flag.value == "-m":
            yield "-m", value.value, value
        elif flag.value == "-c":
            try:
                code = ast.parse(value.value)
            except SyntaxError:
                continue
            for inner in ast.walk(code):
                if isinstance(inner, ast.Import):
                    yield from (("-c", alias.name, value) for alias in inner.names)
                elif isinstance(inner, ast.ImportFrom) and inner.module and not inner.level:
                    yield "-c", inner.module, value


def _imported_by_call(node: ast.Call) -> str | None:
    """The module of ``importlib.import_module("x")``, ``__import__("x")`` or ``runpy.run_module("x")``."""
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    if name in ("import_module", "__import__", "run_module") and node.args:
        first = node.args[0]
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            return first.value
    return None


def imports(source: Source) -> Iterator[tuple[int, str, str]]:
    """(line, how, module) for every import statement of a file — in functions and under
    TYPE_CHECKING too — and every module named to ``-m``, ``-c`` or importlib; a module name
    written as a string (the CLI's table of programs) counts when it names a file of the tree."""
    tree = ast.parse(source.path.read_text(encoding="utf-8"), str(source.path))
    commands: set[int] = set()  # strings already read as -m or -c arguments
    for node in ast.walk(tree):  # breadth first: a command list comes before its strings
        if isinstance(node, ast.Import):
            yield from ((node.lineno, "import", alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            module = _relative(source, node) if node.level else node.module or ""
            yield node.lineno, "from", module
            # `from hallcall import server` imports hallcall.server: name the submodule too.
            yield from ((node.lineno, "from", f"{module}.{alias.name}") for alias in node.names if alias.name != "*")
        elif isinstance(node, ast.List | ast.Tuple):
            for how, module, string in _named_in_strings(node):
                commands.add(id(string))
                yield node.lineno, how, module
        elif isinstance(node, ast.Call) and (module := _imported_by_call(node)):
            yield node.lineno, "importlib", module
        elif id(node) not in commands and _names_a_module(node):
            yield node.lineno, "string", node.value


def _names_a_module(node: ast.AST) -> bool:
    """A string that is the dotted name of a module of the tree (not a logger's name)."""
    text = node.value if isinstance(node, ast.Constant) else None
    return isinstance(text, str) and re.fullmatch(r"hallcall(\.\w+)+", text) is not None and module_exists(text)


@cache
def _distributions(top: str) -> frozenset[str]:
    """The installed distributions that provide the top-level module ``top``."""
    return frozenset(_name(d) for d in importlib.metadata.packages_distributions().get(top, []))


def problem(source: Source, how: str, module: str) -> str | None:
    """What is wrong with ``source`` importing ``module``, or None."""
    top = module.partition(".")[0]
    if top in BARE_NAMES:
        return f"{module!r} by its folder's bare name: write hallcall.{module}"
    if how in ("-m", "importlib") and top == SHARED and not module_exists(module):
        return f"{module!r} is not a module of the tree"
    if how in ("-m", "-c"):
        return None  # another process: the layer does not load it (server/child.py runs the CLI)
    if source.layer is None or top == "__future__" or top in sys.stdlib_module_names:
        return None
    rule = RULES[source.layer]
    if top == SHARED:
        target = layer_of(module)
        return None if target in rule.layers else f"{source.layer} may not import {target}"
    distributions = _distributions(top)
    if not distributions:
        return f"{module!r} is neither the standard library nor an installed distribution"
    if not distributions & rule.allowed():
        return f"{source.layer} may not import {top} ({', '.join(sorted(distributions))}): not in its extra"
    return None


def violations(source: Source) -> list[str]:
    """Every import of one file the rule refuses, as ``path:line: problem``."""
    where = source.path.relative_to(ROOT)
    found = [(line, problem(source, how, module)) for line, how, module in imports(source)]
    return sorted({f"{where}:{line}: {text}" for line, text in found if text})


SOURCES = list(sources())


@pytest.mark.parametrize("source", SOURCES, ids=[str(s.path.relative_to(ROOT)) for s in SOURCES])
def test_every_file_keeps_to_its_layer(source: Source) -> None:
    assert violations(source) == []


def test_every_installed_package_has_a_rule() -> None:
    assert set(RULES) == set(PACKAGE_DIRS)


@pytest.mark.parametrize(
    ("layer", "code", "wrong"),
    [
        (SHARED, "from hallcall.server.storage import Storage", "hallcall may not import hallcall.server"),
        (SHARED, "from PySide6.QtCore import Qt", "hallcall may not import PySide6"),
        (SHARED, "from hallcall import launch", "hallcall may not import hallcall.launch"),
        (SERVER, "import pyttsx3", "hallcall.server may not import pyttsx3"),
        (SERVER, "from escpos.printer import Usb", "hallcall.server may not import escpos"),
        (SERVER, "from PySide6.QtCore import Qt", "hallcall.server may not import PySide6"),
        (SERVER, "from hallcall.kiosk.ticket import render", "hallcall.server may not import hallcall.kiosk"),
        ("hallcall.kiosk", "from hallcall.server.domain.model import GREEN", "may not import hallcall.server"),
        ("hallcall.counter", "from hallcall.launch.sim import plan", "may not import hallcall.launch"),
        ("hallcall.display", "from hallcall.kiosk.printer import TicketPrinter", "may not import hallcall.kiosk"),
        (GUI, "import pyttsx3", "hallcall.gui may not import pyttsx3"),
        (LAUNCH, "import server.app", "'server.app' by its folder's bare name"),
        (LAUNCH, 'cmd = [sys.executable, "-m", "kiosk.cli"]', "'kiosk.cli' by its folder's bare name"),
        (LAUNCH, 'importlib.import_module("hallcall.cli")', "'hallcall.cli' is not a module of the tree"),
        (LAUNCH, 'run([python, "-c", "import display.app"])', "'display.app' by its folder's bare name"),
    ],
)
def test_the_rule_refuses_what_it_should(tmp_path: Path, layer: str, code: str, wrong: str) -> None:
    """The checker itself: each kind of wrong import, put in a file of that layer, is named."""
    path = tmp_path / "example.py"
    path.write_text(code + "\n", encoding="utf-8")
    assert any(wrong in v for v in violations_at(path, f"{layer}.example"))


def violations_at(path: Path, module: str) -> list[str]:
    """violations() of a file outside the tree, as if it were ``module``."""
    source = Source(path, module)
    return [problem(source, how, name) or "" for _, how, name in imports(source)]
