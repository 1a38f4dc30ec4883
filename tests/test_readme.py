"""The README documents every setting liveapp reads and every `liveapp` command and option."""

from __future__ import annotations

import re
from pathlib import Path

from liveapp.cli import main

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
# Families documented by their pattern: LIVEAPP_<CRM>_<SETTING> and the LIVEAPP_SMTP_* rows.
PATTERNS = {"LIVEAPP_", "LIVEAPP_SMTP_"}


def _section(title: str) -> str:
    """A `## title` section of the README, up to the next `## `."""
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## )", README, re.DOTALL | re.MULTILINE)
    assert match, title
    return match.group(1)


def _variables_read() -> set[str]:
    """The LIVEAPP_* variables the code reads (liveapp/, jobs/), by name."""
    source = "\n".join(path.read_text() for folder in ("liveapp", "jobs")
                       for path in (ROOT / folder).rglob("*.py"))
    return set(re.findall(r"\bLIVEAPP_[A-Z0-9_]*", source)) - PATTERNS


def test_every_variable_the_code_reads_is_in_the_configuration_table():
    table = _section("Configuration")
    crm_examples = {f"LIVEAPP_{crm.upper()}_" for crm in ("salesforce", "outreach", "salesloft")}
    missing = sorted(name for name in _variables_read()
                     if f"`{name}`" not in table
                     and not re.search(rf"`{name}` / |/ `{name}`", table)
                     and not any(name.startswith(prefix) for prefix in crm_examples))
    assert missing == [], "document these in README → Configuration"
    assert "`LIVEAPP_<CRM>_<SETTING>`" in README


def test_every_command_and_option_is_in_the_commands_table():
    table = _section("Commands")
    missing = []
    for name, command in main.commands.items():
        rows = [line for line in table.splitlines() if line.startswith(f"| `liveapp {name}")]
        options = {opt for param in command.params for opt in param.opts if opt.startswith("--")}
        missing += [f"liveapp {name}"] if not rows else []
        missing += sorted(f"liveapp {name} {opt}" for opt in options
                          if not any(re.search(rf"{opt}\b", row) for row in rows))
    assert missing == [], "document these in README → Commands"


def test_the_commands_table_is_one_table():
    """Every row of it sits in one block (a paragraph in the middle cuts the table)."""
    table = _section("Commands")
    rows = [n for n, line in enumerate(table.splitlines()) if line.startswith("| `")]
    assert rows == list(range(rows[0], rows[0] + len(rows)))
