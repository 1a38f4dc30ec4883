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
