"""The package's modules import each other without cycles (function-level imports included)."""

import ast
from pathlib import Path

import wavetex

PACKAGE = Path(wavetex.__file__).resolve().parent


def relative_imports(path: Path) -> set[str]:
    """Modules of the package that ``path`` imports anywhere, as top-level module names."""
    imported = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module:
                imported.add(node.module.split(".")[0])
            else:
                imported.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("wavetex."):
            imported.add(node.module.split(".")[1])
    return imported


def test_no_import_cycles():
    graph = {
        (path.parent.name if path.name == "__init__.py" else path.stem): relative_imports(path)
        for path in PACKAGE.rglob("*.py")
        if path.parent == PACKAGE or path.name == "__init__.py"
    }
    graph.pop("wavetex", None)  # the package's __init__ imports everything, by design
    graph.pop("__init__", None)
    assert "_validate" in graph and "statistics" in graph

    def cycle_from(module, trail):
        for target in graph.get(module, ()):
            if target in trail:
                return [*trail[trail.index(target):], target]
            found = cycle_from(target, [*trail, target])
            if found:
                return found
        return None

    for module in graph:
        assert cycle_from(module, [module]) is None, cycle_from(module, [module])
