"""deploy/ names only commands, options and settings liveapp has (nothing is built or run)."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import click
import pytest
from flask_migrate.cli import db as db_commands

from liveapp.cli import main

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
UNITS = sorted((DEPLOY / "systemd").glob("*.service"))
# systemd specifiers, as an instance would fill them in (liveapp-web@8001: the port).
SPECIFIERS = {"%i": "8001", "%I": "8001"}
# Read by Python, pip and gunicorn's multiprocess metrics, not by liveapp's own code.
STANDARD_VARIABLES = {"PYTHONPATH", "PYTHONDONTWRITEBYTECODE", "PYTHONUNBUFFERED",
                      "PIP_NO_CACHE_DIR", "PIP_DISABLE_PIP_VERSION_CHECK"}


def _argv_lists(text: str, key: str) -> list[list[str]]:
    """The JSON-style lists after `key` (compose `command:`, Dockerfile `CMD`)."""
    return [json.loads(found) for found in
            re.findall(rf"^\s*{key}\s*(\[.*?\])", text, flags=re.MULTILINE | re.DOTALL)]


def _exec_lines(text: str) -> list[list[str]]:
    return [shlex.split(line) for line in re.findall(r"^ExecStart=(.+)$", text, re.MULTILINE)]


def _deploy_commands() -> list[tuple[str, list[str]]]:
    """(where, argv) of every command deploy/ runs."""
    found = [("compose.yaml", argv)
             for argv in _argv_lists((DEPLOY / "compose.yaml").read_text(), "command:")]
    found += [("Dockerfile", argv)
              for argv in _argv_lists((DEPLOY / "Dockerfile").read_text(), "CMD")]
    for unit in UNITS:
        found += [(unit.name, argv) for argv in _exec_lines(unit.read_text())]
    return found


def liveapp_problems(argv: list[str]) -> list[str]:
    """What is wrong with a `liveapp ...` command line: an unknown command, an unknown
    option or a value its option refuses. Nothing runs (click only parses)."""
    if Path(argv[0]).name != "liveapp":
        return []
    if len(argv) < 2 or argv[1] not in main.commands:
        return [f"{shlex.join(argv)}: `liveapp --help` lists no such command"]
    args = [SPECIFIERS.get(arg, arg) for arg in argv[2:]]
    try:
        main.commands[argv[1]].make_context(f"liveapp {argv[1]}", args)
    except click.ClickException as refused:
        return [f"{shlex.join(argv)}: {refused.format_message()}"]
    return []


def _app_variables() -> set[str]:
    """The environment variables liveapp's code reads."""
    source = "\n".join(path.read_text() for folder in ("liveapp", "jobs")
                       for path in (ROOT / folder).rglob("*.py"))
    return set(re.findall(r"\bLIVEAPP_[A-Z0-9_]+\b", source)) | {
        "DATABASE_URL", "REDIS_URL", "SECRET_KEY", "PROMETHEUS_MULTIPROC_DIR"}


def _deploy_variables() -> dict[str, set[str]]:
    """Variables deploy/ sets for liveapp's processes, by file (commented examples too)."""
    env_file = (DEPLOY / "liveapp.env.example").read_text()
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    env_block = re.findall(r"^ENV ((?:.*\\\n)*.*)$", dockerfile, re.MULTILINE)
    found = {
        "liveapp.env.example": set(re.findall(r"^#?([A-Z][A-Z0-9_]*)=", env_file, re.MULTILINE)),
        "Dockerfile": set(re.findall(r"\b([A-Z][A-Z0-9_]*)=", "\n".join(env_block))),
    }
    for unit in UNITS:
        found[unit.name] = set(re.findall(r"^Environment=([A-Z][A-Z0-9_]*)=",
                                          unit.read_text(), re.MULTILINE))
    return found


def test_the_checker_refuses_unknown_commands_options_and_values():
    assert liveapp_problems(["liveapp", "serve"])
    assert liveapp_problems(["liveapp", "web", "--threads", "4"])
    assert liveapp_problems(["liveapp", "web", "--port", "eighty"])
    assert liveapp_problems(["liveapp"])
    assert not liveapp_problems(["/opt/liveapp/venv/bin/liveapp", "web", "--port", "%i"])


def test_deploy_runs_every_process_of_the_production_shape():
    commands = _deploy_commands()
    for where in ["compose.yaml", "liveapp-web@.service", "liveapp-worker@.service",
                  "liveapp-pipeline@.service"]:
        names = {argv[1] for place, argv in commands
                 if place == where and Path(argv[0]).name == "liveapp"}
        assert names & {"web", "worker", "pipeline"}, where
    compose = {argv[1] for place, argv in commands
               if place == "compose.yaml" and argv[0] == "liveapp"}
    assert compose == {"migrate", "web", "worker", "pipeline"}


def test_every_liveapp_command_in_deploy_exists_with_its_options():
    commands = _deploy_commands()
    assert sum(Path(argv[0]).name == "liveapp" for _, argv in commands) >= 7
    problems = [f"{where}: {problem}" for where, argv in commands
                for problem in liveapp_problems(argv)]
    assert problems == []


def test_the_migration_job_runs_the_installed_package():
    migrations = [argv for _, argv in _deploy_commands()
                  if Path(argv[0]).name == "liveapp" and argv[1] == "migrate"]
    assert len(migrations) == 2  # compose's migrate job and liveapp-migrate.service
    assert not [argv for _, argv in _deploy_commands() if Path(argv[0]).name == "flask"]
    text = "\n".join(path.read_text() for path in [DEPLOY / "Dockerfile", *UNITS])
    assert "PYTHONPATH" not in text  # nothing imports the source tree


def test_flask_db_still_runs_from_the_source_tree(app):
    assert "upgrade" in db_commands.commands
    assert (ROOT / "app.py").exists()
    directory = Path(app.extensions["migrate"].directory)
    assert directory == ROOT / "liveapp" / "migrations" and (directory / "env.py").exists()


def test_the_wheel_ships_the_migrations_and_liveapp_migrate_runs_from_it(tmp_path, redis_url):
    """Built as deploy/Dockerfile builds it (from a copy: setuptools writes beside the
    sources); run from the unpacked wheel, away from the source tree, on a new SQLite
    database."""
    source = tmp_path / "src"
    junk = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", "build")
    for part in ("liveapp", "jobs"):
        shutil.copytree(ROOT / part, source / part, ignore=junk)
    for part in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / part, source / part)
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", str(source),
                            "-w", str(tmp_path / "dist")], capture_output=True, text=True,
                           timeout=300)
    assert built.returncode == 0, built.stderr
    [wheel] = (tmp_path / "dist").glob("liveapp-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    tree = ROOT / "liveapp" / "migrations"
    shipped = {str(p.relative_to(ROOT)) for p in tree.rglob("*")
               if p.is_file() and "__pycache__" not in p.parts}
    assert len(shipped) > 15 and shipped <= names
    zipfile.ZipFile(wheel).extractall(tmp_path / "site")
    database = tmp_path / "fresh.db"
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "site"), "REDIS_URL": redis_url,
           "DATABASE_URL": f"sqlite:///{database}", "LIVEAPP_INSTANCE": str(tmp_path / "i")}
    run = subprocess.run([sys.executable, "-m", "liveapp.cli", "migrate"], cwd=tmp_path,
                         env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "up to date" in run.stdout
    with sqlite3.connect(database) as db:
        [(version,)] = db.execute("SELECT version_num FROM alembic_version").fetchall()
    assert version == max(p.stem for p in (tree / "versions").glob("0*.py"))
    where = subprocess.run([sys.executable, "-c", "import liveapp; print(liveapp.__file__)"],
                           cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert where.stdout.startswith(str(tmp_path / "site"))


@pytest.mark.parametrize("where", ["liveapp.env.example", "Dockerfile",
                                   *(unit.name for unit in UNITS)])
def test_deploy_sets_only_variables_liveapp_reads(where):
    unknown = _deploy_variables()[where] - _app_variables() - STANDARD_VARIABLES
    assert unknown == set()


def test_the_env_file_holds_the_required_settings_and_every_process_reads_it():
    variables = _deploy_variables()["liveapp.env.example"]
    assert {"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "LIVEAPP_TRUSTED_PROXIES",
            "LIVEAPP_HTTPS", "LIVEAPP_PUBLIC_URL"} <= variables
    compose = (DEPLOY / "compose.yaml").read_text()
    assert "env_file: liveapp.env" in compose
    for service in ("migrate", "web", "worker", "pipeline"):
        block = re.search(rf"^  {service}:\n((?:    .*\n|\n)*)", compose, re.MULTILINE)
        assert block and "<<: *liveapp" in block.group(1), service
    for unit in UNITS:
        assert "EnvironmentFile=/etc/liveapp/liveapp.env" in unit.read_text(), unit.name


def test_redis_persists_what_it_acknowledged_and_never_evicts():
    redis = _argv_lists((DEPLOY / "compose.yaml").read_text(), "command:")
    redis = next(argv for argv in redis if argv[0] == "redis-server")
    assert redis[redis.index("--appendonly") + 1] == "yes"
    assert redis[redis.index("--maxmemory-policy") + 1] == "noeviction"


def test_the_image_runs_as_a_user_other_than_root():
    users = re.findall(r"^USER\s+(\S+)", (DEPLOY / "Dockerfile").read_text(), re.MULTILINE)
    assert users and users[-1] not in {"root", "0", "0:0"}


def test_the_units_run_as_a_dedicated_user_with_hardening():
    for unit in UNITS:
        text = unit.read_text()
        for line in ["User=liveapp", "NoNewPrivileges=yes", "ProtectSystem=strict",
                     "ReadWritePaths=/var/lib/liveapp", "PrivateTmp=yes"]:
            assert line in text.splitlines(), (unit.name, line)
        if "oneshot" not in text:
            assert "Restart=on-failure" in text and "LimitNOFILE=65536" in text, unit.name
