"""The code's layout stays findable (issue 16): no module over 400 lines, services grouped
in packages by product area, each package's docstring naming what it owns."""

import ast
from pathlib import Path

import pytest

LIVEAPP = Path(__file__).resolve().parent.parent / "liveapp"
SERVICES = LIVEAPP / "services"
MAX_LINES = 400


def _modules() -> list[Path]:
    return sorted(p for p in LIVEAPP.rglob("*.py") if "migrations" not in p.parts)


def _packages(root: Path) -> list[Path]:
    return sorted(p.parent for p in root.glob("*/__init__.py"))


def test_no_module_under_liveapp_is_over_400_lines():
    long = {str(p.relative_to(LIVEAPP)): n for p in _modules()
            if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert long == {}, f"split these along their seams (at most {MAX_LINES} lines): {long}"


def test_services_are_packages_by_area_not_a_flat_folder():
    loose = sorted(p.name for p in SERVICES.glob("*.py") if p.name != "__init__.py")
    assert loose == [], "a service module belongs in the package of its area"
    assert len(_packages(SERVICES)) >= 7


@pytest.mark.parametrize("package", [*_packages(SERVICES), LIVEAPP / "infra",
                                     LIVEAPP / "blueprints" / "forms"],
                         ids=lambda p: str(p.relative_to(LIVEAPP)))
def test_each_package_docstring_says_what_each_of_its_modules_owns(package):
    doc = ast.get_docstring(ast.parse((package / "__init__.py").read_text()))
    assert doc, f"{package.name}/__init__.py needs a docstring saying what the package owns"
    modules = sorted(p.stem for p in package.glob("*.py") if p.name != "__init__.py")
    missing = [m for m in modules if m not in doc.split()]
    assert missing == [], f"{package.name}/__init__.py does not say what these own: {missing}"


def test_the_services_docstring_names_every_area():
    doc = ast.get_docstring(ast.parse((SERVICES / "__init__.py").read_text()))
    missing = [p.name for p in _packages(SERVICES) if p.name not in doc.split()]
    assert missing == [], f"services/__init__.py does not say what these own: {missing}"


def _function_imports(path: Path) -> list[tuple[int, str]]:
    """The imports inside functions of a module, with the line that says why: the import's
    own comment, or the comment line just above its block of imports."""
    lines = path.read_text().splitlines()
    found = []
    for function in ast.walk(ast.parse("\n".join(lines))):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(function):
            if isinstance(node, ast.Import | ast.ImportFrom):
                above = node.lineno - 2  # the line above the import's block of imports
                while above >= 0 and lines[above].lstrip().startswith(("from ", "import ")):
                    above -= 1
                comment_above = lines[above].strip() if above >= 0 else ""
                why = lines[node.lineno - 1].partition("#")[2].strip() or (
                    comment_above if comment_above.startswith("#") else "")
                found.append((node.lineno, why))
    return found


def test_every_import_inside_a_function_says_why():
    """Imports go at the top; one inside a function (to wait for PROMETHEUS_MULTIPROC_DIR,
    or to keep demo-only code out of production processes) carries a comment saying why."""
    root = LIVEAPP.parent
    modules = [*_modules(), *sorted((root / "jobs").rglob("*.py")), root / "app.py"]
    silent = [f"{path.relative_to(root)}:{line}" for path in modules
              for line, why in _function_imports(path) if not why]
    assert not silent, f"imports inside functions with no comment saying why: {silent}"
