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


#: Top-level names under which the command line can be imported.
CLI_PACKAGES = {"wavetex_cli", "cli"}


def cli_imports(path: Path) -> list[str]:
    """``file:line: statement`` for each import of the command line in ``path``
    (absolute imports, at any level of the file, ``importlib.import_module`` of a literal too)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        elif (isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", None)) in
              ("import_module", "__import__") and node.args and isinstance(node.args[0], ast.Constant)):
            names = [str(node.args[0].value)]
        if any(name.split(".")[0] in CLI_PACKAGES for name in names):
            found.append(f"{path.name}:{node.lineno}: {ast.unparse(node)}")
    return found


def test_the_library_never_imports_the_command_line():
    """The import graph flows one way: cli/ sits on top of wavetex/, never below it."""
    files = sorted(PACKAGE.rglob("*.py"))
    assert len(files) > 20
    offenders = [line for path in files for line in cli_imports(path)]
    assert offenders == [], f"wavetex/ imports the command line: {offenders}"


def test_the_cli_import_check_sees_every_form(tmp_path):
    module = tmp_path / "module.py"
    for statement in ("import wavetex_cli", "from wavetex_cli._finish import summary", "import cli.main as m",
                      "def f():\n    from wavetex_cli import main", "importlib.import_module('wavetex_cli.main')"):
        module.write_text(statement + "\n")
        assert cli_imports(module), statement
    module.write_text("from . import cli_tools\nimport click\nfrom .survey import cli\n")
    assert cli_imports(module) == []
