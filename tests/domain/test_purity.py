"""The domain stays pure: standard library and liveapp.domain imports, plus a few pure
libraries that touch no I/O and no app state (email address syntax)."""

import ast
import sys
from pathlib import Path

import liveapp.domain

DOMAIN = Path(liveapp.domain.__file__).parent
PURE_LIBRARIES = {"email_validator"}


def imported_modules(path: Path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            modules.add(node.module or "")
    return modules


def test_domain_modules_import_only_the_standard_library_and_each_other():
    for path in DOMAIN.rglob("*.py"):
        for module in imported_modules(path):
            top = module.split(".")[0]
            stdlib = top in sys.stdlib_module_names or top in PURE_LIBRARIES
            domain = module == "liveapp.domain" or module.startswith("liveapp.domain.")
            assert stdlib or domain, f"{path.name} imports {module}"
