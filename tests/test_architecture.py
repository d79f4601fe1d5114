"""Architecture rules, checked on the source (AST), not by convention.

(a) Computing modules (``estimators``, ``segments``, ``stats``, ``registry``)
    import neither matplotlib nor the report nor the plotting package; the
    one exception is a lazy import of :mod:`csanalysis.plotting` inside a
    result's ``plot*`` method, which delegates the drawing.
(b) No module imports a private name (leading underscore, not dunder) of
    another csanalysis module. A private *module* (``_results``,
    ``io/_common``) is private to its package: modules of that package (and
    its subpackages) may import it.
(c) A result's ``plot*`` method is a delegation: at most three statements
    (docstring, import, return).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "csanalysis"
COMPUTING = ("estimators", "segments", "stats", "registry")
FORBIDDEN = ("matplotlib", "csanalysis.report", "csanalysis.plotting")

#: Imports of private names allowed to remain, as (importing module, imported module, name): none.
#: Keep it empty: make a shared helper public in the module that owns its idea and import it from there.
KNOWN_PRIVATE_IMPORTS: frozenset[tuple[str, str, str]] = frozenset()


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _modules() -> Iterator[tuple[str, Path, ast.Module]]:
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        yield name, path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _package(module: str, path: Path) -> str:
    return module if path.name == "__init__.py" else module.rpartition(".")[0]


def _resolve(node: ast.ImportFrom, module: str, path: Path) -> str:
    """The absolute module name of ``from <...> import``."""
    if not node.level:
        return node.module or ""
    base = _package(module, path).split(".")
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _is_module(dotted: str) -> bool:
    rel = Path(*dotted.split("."))
    return (ROOT.parent / rel).with_suffix(".py").is_file() or (ROOT.parent / rel / "__init__.py").is_file()


def _private_module_allowed(target: str, importer_package: str) -> bool:
    """A private module ``pkg._mod`` may be imported from ``pkg`` and its subpackages."""
    parts = target.split(".")
    for i, p in enumerate(parts):
        if _private(p):
            owner = ".".join(parts[:i])
            if not (importer_package == owner or importer_package.startswith(owner + ".")):
                return False
    return True


def _imports(tree: ast.Module) -> Iterator[tuple[ast.AST, list[ast.AST]]]:
    """Every import node with the chain of enclosing nodes (outermost first)."""
    def walk(node: ast.AST, chain: list[ast.AST]) -> Iterator[tuple[ast.AST, list[ast.AST]]]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                yield child, chain
            yield from walk(child, chain + [child])
    yield from walk(tree, [])


def _targets(node: ast.AST, module: str, path: Path) -> list[str]:
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    base = _resolve(node, module, path)
    return [base] + [f"{base}.{a.name}" for a in node.names if _is_module(f"{base}.{a.name}")]


def _forbidden(target: str) -> bool:
    return any(target == f or target.startswith(f + ".") for f in FORBIDDEN)


def _in_plot_method(chain: list[ast.AST]) -> bool:
    funcs = [n for n in chain if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    return (len(funcs) == 1 and funcs[0].name.startswith("plot") and len(chain) >= 2
            and isinstance(chain[chain.index(funcs[0]) - 1], ast.ClassDef))


def private_imports() -> set[tuple[str, str, str]]:
    """(importing module, imported module, private name) of every import of a private name."""
    found: set[tuple[str, str, str]] = set()
    for module, path, tree in _modules():
        pkg = _package(module, path)
        aliases: dict[str, str] = {}  # local name -> csanalysis module it is bound to
        for node, _chain in _imports(tree):
            if isinstance(node, ast.Import):
                for a in node.names:
                    if not a.name.startswith("csanalysis"):
                        continue
                    if not _private_module_allowed(a.name, pkg):
                        found.add((module, a.name, a.name.rpartition(".")[2]))
                    if a.asname:
                        aliases[a.asname] = a.name
                continue
            base = _resolve(node, module, path)
            if not base.startswith("csanalysis"):
                continue
            if not _private_module_allowed(base, pkg):
                found.update((module, base, a.name) for a in node.names)
                continue
            for a in node.names:
                full = f"{base}.{a.name}"
                if _is_module(full):
                    if not _private_module_allowed(full, pkg):
                        found.add((module, base, a.name))
                    aliases[a.asname or a.name] = full
                elif _private(a.name):
                    found.add((module, base, a.name))
        for node in ast.walk(tree):  # module._private through an imported module
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                    and node.value.id in aliases and _private(node.attr)
                    and not _is_module(f"{aliases[node.value.id]}.{node.attr}")):
                found.add((module, aliases[node.value.id], node.attr))
    return found


# --------------------------------------------------------------------------- (a)
@pytest.mark.parametrize("package", COMPUTING)
def test_computing_modules_import_neither_matplotlib_nor_report_nor_plotting(package):
    bad = []
    for module, path, tree in _modules():
        if not (module == f"csanalysis.{package}" or module.startswith(f"csanalysis.{package}.")):
            continue
        for node, chain in _imports(tree):
            for target in _targets(node, module, path):
                if not _forbidden(target):
                    continue
                lazy_delegation = target.startswith("csanalysis.plotting") and _in_plot_method(chain)
                if not lazy_delegation:
                    bad.append(f"{path.relative_to(ROOT.parent)}:{node.lineno} imports {target}")
    assert not bad, "computing modules must not draw or report:\n" + "\n".join(bad)


# --------------------------------------------------------------------------- (b)
def test_no_module_imports_a_private_name_of_another():
    found = private_imports()
    new = sorted(found - KNOWN_PRIVATE_IMPORTS)
    assert not new, ("imports of private names (make the helper public in the module that owns its idea):\n"
                     + "\n".join(f"{m} imports {n} from {src}" for m, src, n in new))


def test_known_private_imports_are_still_there():
    """An entry of KNOWN_PRIVATE_IMPORTS that was fixed must leave the list (it only shrinks)."""
    gone = sorted(KNOWN_PRIVATE_IMPORTS - private_imports())
    assert not gone, "fixed: remove from KNOWN_PRIVATE_IMPORTS:\n" + "\n".join(map(str, gone))


# --------------------------------------------------------------------------- (c)
def test_plot_methods_only_delegate():
    long = []
    for module, path, tree in _modules():
        if not any(module.startswith(f"csanalysis.{p}") for p in COMPUTING):
            continue
        for cls in (n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)):
            for fn in cls.body:
                if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)) and fn.name.startswith("plot") \
                        and len(fn.body) > 3:
                    long.append(f"{path.relative_to(ROOT.parent)}:{fn.lineno} {cls.name}.{fn.name} has "
                                f"{len(fn.body)} statements")
    assert not long, "plot methods must delegate to csanalysis.plotting:\n" + "\n".join(long)


def test_the_rules_catch_what_they_should():
    tree = ast.parse("class R:\n    def plot(self):\n        from csanalysis.plotting import x\n        return x\n"
                     "def f():\n    import matplotlib.pyplot as plt\n")
    chains = {type(n).__name__: _in_plot_method(c) for n, c in _imports(tree)}
    assert chains == {"ImportFrom": True, "Import": False}
    assert _forbidden("matplotlib.pyplot") and _forbidden("csanalysis.report.run")
    assert not _forbidden("csanalysis.display")
    assert _private_module_allowed("csanalysis.io._common", "csanalysis.io")
    assert not _private_module_allowed("csanalysis.io._common", "csanalysis.segments")
