"""The `liveapp` console script: demo, web, worker, pipeline, migrate, seed-demo,
create-admin, erase, simulate, crm-sandbox."""

from __future__ import annotations

import contextlib
import logging
import os
import resource
import signal
import socket
import sys
from pathlib import Path

import click

from liveapp import create_app, embedded_redis, instance, metrics_folder, simulated_clients
from liveapp.errors import NothingToErase, ValidationFailed
from liveapp.processes import ProcessGroup
from liveapp.services.ops.schema import migrate_to_head
from liveapp.services.settings import users

DEFAULT_PORT = 8000


def _instance_path() -> Path:
    path = Path(os.environ.get("LIVEAPP_INSTANCE") or Path.cwd() / "instance").resolve()
    instance.private_folder(path)
    os.environ["LIVEAPP_INSTANCE"] = str(path)  # children share the same instance folder
    return path


def _prepare() -> Path:
    """Instance folder, Redis (embedded unless REDIS_URL is set), and an env children inherit."""
    folder = _instance_path()
    if not os.environ.get("REDIS_URL"):
        url = embedded_redis.ensure(folder)
        click.echo(f"liveapp: embedded Redis at {embedded_redis.shown(url)}", err=True)
    return folder


def _counting(folder: Path, command: str) -> None:
    """This command's (and its children's) metrics folder, before anything imports
    prometheus-client (see liveapp.metrics_folder)."""
    metrics_folder.multiprocess_dir(folder, command)


def _app():
    return create_app()


def _migrate(app) -> None:
    migrate_to_head(app)


def _port_free(host: str, port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


DEFAULT_CONNECTIONS = 10000  # per worker: every board and every widget holds a stream


def _connections() -> int:
    """Concurrent connections per gevent worker (LIVEAPP_WORKER_CONNECTIONS)."""
    raw = os.environ.get("LIVEAPP_WORKER_CONNECTIONS", str(DEFAULT_CONNECTIONS))
    try:
        value = int(raw)
    except ValueError:
        raise click.ClickException(
            f"LIVEAPP_WORKER_CONNECTIONS must be a whole number, not {raw!r}") from None
    if value < 1:
        raise click.ClickException("LIVEAPP_WORKER_CONNECTIONS must be at least 1")
    return value


def _raise_open_files(wanted: int) -> int:
    """Lift this process's soft open-files limit towards `wanted` (up to the hard limit),
    so gunicorn (a child) can hold that many streams; returns the soft limit now."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
    return soft


# gevent's own WSGI server (gunicorn's "gevent_pywsgi") rather than gunicorn's parser on
# gevent ("gevent"): measured 25-30% less worker CPU per events API request (0.70-0.91 ms
# against 1.02-1.10 ms a heartbeat, one worker, 16 keep-alive connections, same run), and
# every request and open stream of a node goes through it. No access log unless asked:
# gunicorn formats each line even for /dev/null.
WORKER_CLASS = "gevent_pywsgi"


def _gunicorn_argv(host: str, port: int, workers: int) -> list[str]:
    connections = _connections()
    _raise_open_files(connections + 256)  # each worker its streams, plus files and Redis
    return [
        sys.executable, "-m", "gunicorn",
        "--worker-class", WORKER_CLASS,
        "--workers", str(workers),
        "--worker-connections", str(connections),
        "--bind", f"{host}:{port}",
        "--timeout", "60",
        "--graceful-timeout", "5",
        "--no-control-socket",
        "--config", "python:liveapp.gunicorn_conf",
        *(["--access-logfile", "-"] if os.environ.get("LIVEAPP_ACCESS_LOG") else []),
        "liveapp:create_app()",
    ]


def _worker_argv() -> list[str]:
    return [sys.executable, "-m", "jobs.worker"]


@click.group()
def main() -> None:
    """liveapp: live visitor streams and conversation routing."""
    # Whatever this command and its children create (the database, logs, settings) is
    # the owner's only: it holds visitors' data and credentials.
    os.umask(0o077)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=DEFAULT_PORT, show_default=True)
@click.option("--workers", default=2, show_default=True, help="gunicorn (gevent) processes")
def web(host: str, port: int, workers: int) -> None:
    """Serve the app with gunicorn (gevent workers), after applying migrations."""
    _counting(_prepare(), "web")
    _migrate(_app())

    group = ProcessGroup()  # supervised, so an embedded Redis outlives gunicorn
    group.start("web", _gunicorn_argv(host, port, workers))
    sys.exit(group.wait())


@main.command()
def worker() -> None:
    """Run jobs (without forking per job) and the periodic tasks on liveapp's queues."""
    _counting(_prepare(), "worker")
    # Here, after _counting: jobs.worker imports prometheus-client, which reads
    # PROMETHEUS_MULTIPROC_DIR when imported (see liveapp.metrics_folder).
    from jobs.worker import run

    run()


@main.command()
def migrate() -> None:
    """Apply pending database migrations (once per deploy, before the other processes;
    `liveapp web` applies them at start too). The migrations ship in the package."""
    _prepare()
    _migrate(_app())
    click.echo("Database schema up to date.")


@main.command("seed-demo")
def seed_demo() -> None:
    """Create the demo data (idempotent)."""
    _prepare()
    app = _app()
    _migrate(app)
    with app.app_context():
        # demo-only code, loaded by the demo's commands alone (never by a production process)
        from liveapp.demo import seeding

        logins = seeding.seed()
        seeding.seed_past()
    _print_logins(logins)


@main.command("create-admin")
@click.option("--email", prompt=True)
@click.option("--name", prompt=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
def create_admin(email: str, name: str, password: str) -> None:
    """Create an admin user."""
    if len(password) < 8:
        raise click.BadParameter("at least 8 characters", param_hint="--password")
    _prepare()
    app = _app()
    _migrate(app)
    with app.app_context():
        try:
            users.create_user(email=email, name=name, password=password, role="admin")
        except ValidationFailed as failed:
            raise click.ClickException(str(failed)) from None
    click.echo(f"Admin {email} created.")


@main.command()
@click.option("--email", default=None, help="erase every visitor with this email")
@click.option("--visitor", "visitor_id", default=None, help="erase one visitor (internal id)")
@click.option("--yes", is_flag=True, help="do not ask for confirmation")
def erase(email: str | None, visitor_id: str | None, yes: bool) -> None:
    """Erase everything about a visitor, or every visitor with an email (GDPR)."""
    if (email is None) == (visitor_id is None):
        raise click.UsageError("give either --email or --visitor")
    if email is not None and "@" not in email.strip()[1:-1]:
        raise click.BadParameter("not an email address", param_hint="--email")
    _prepare()
    app = _app()
    _migrate(app)
    _show_audit_lines()
    with app.app_context():
        # Here, not at the top: erasure imports prometheus-client, which must not be
        # imported before a command sets PROMETHEUS_MULTIPROC_DIR (liveapp.metrics_folder).
        from liveapp.services.ops import erasure

        found = erasure.visitors_with_email(email) if email else [visitor_id]
        if email and not found:
            raise click.ClickException("No visitor has this email: nothing erased.")
        if not yes:
            click.confirm(f"Erase {len(found)} visitor(s) and everything about them?",
                          abort=True)
        try:
            counts = (erasure.erase_email(email, by="cli") if email
                      else erasure.erase_visitor(visitor_id, by="cli"))
        except NothingToErase as nothing:
            raise click.ClickException(f"{nothing} Nothing erased.") from None
    click.echo("Erased: " + ", ".join(f"{n} {what}" for what, n in counts.items()))


def _show_audit_lines() -> None:
    """The audit line on stderr, unless logging is configured already."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("liveapp.audit").setLevel(logging.INFO)


def _print_logins(logins) -> None:
    # demo-only code, loaded by the demo's commands alone (never by a production process)
    from liveapp.demo.seeding import DEMO_PASSWORD

    click.echo(f"Logins (password for all: {DEMO_PASSWORD}):")
    for spec in logins:
        group = f", {spec.group}" if spec.group else ""
        click.echo(f"  {spec.role:<5}  {spec.email:<28} {spec.name}{group}{spec.note}")


def _demo_site_key() -> str:
    _prepare()
    app = _app()
    with app.app_context():
        # demo-only code, loaded by the demo's commands alone (never by a production process)
        from liveapp.demo.seeding import demo_site

        site = demo_site()
    if site is None:
        raise click.ClickException("No demo site: run `liveapp seed-demo` or pass --site-key.")
    return site.site_key


@main.command()
@click.option("--url", "base_url", default=f"http://127.0.0.1:{DEFAULT_PORT}",
              show_default=True, help="the running app's base URL")
@click.option("--visitors", default=20, show_default=True, help="concurrent visitors")
@click.option("--rate", default=1.0, show_default=True, help="new visitors per second")
@click.option("--site-key", default=None, help="default: the demo site's key")
@click.option("--speed", default=1.0, show_default=True, help="time compression factor")
@click.option("--total", default=None, type=int, help="stop after this many visitors")
@click.option("--seed", default=None, type=int, help="random seed, for repeatable runs")
@click.option("--chat-share", default=0.25, show_default=True, type=click.FloatRange(0, 1),
              help="share of the visitors on the pricing page who answer its chat flow, "
                   "ask for a rep and answer the rep's messages (0: nobody chats)")
def simulate(base_url: str, visitors: int, rate: float, site_key: str | None, speed: float,
             total: int | None, seed: int | None, chat_share: float) -> None:
    """Send realistic visitor journeys to the events API over HTTP; some visitors on the
    pricing page use the chat widget's API (/t/v1/chat) as the widget does."""
    # demo-only code, loaded by the demo's commands alone (never by a production process)
    from liveapp.demo import simulator

    key = site_key or _demo_site_key()
    click.echo(f"liveapp simulate: {visitors} visitors, {rate}/s, to {base_url}", err=True)
    try:
        stats = simulator.run(base_url, key, visitors=visitors, rate=rate, speed=speed,
                              total=total, seed=seed, chat_share=chat_share,
                              simulator_key=os.environ.get(simulated_clients.KEY_VARIABLE, ""))
    except KeyboardInterrupt:
        return
    except RuntimeError as failed:
        raise click.ClickException(str(failed)) from None
    click.echo(f"{stats.journeys} visitors, {stats.events} events, "
               f"answers {dict(stats.statuses)}, {stats.errors} connection errors; "
               f"chat: {stats.chat_requests} requests, {stats.chat_messages} messages, "
               f"{stats.chat_bookings} bookings, {stats.chat_throttled} throttled, "
               f"{stats.chat_errors} errors")


@main.command("crm-sandbox")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8443, show_default=True, help="0 picks a free port")
@click.option("--fixture", type=click.Path(exists=True, dir_okay=False), default=None,
              help="JSON fixture (default: the bundled demo fixture)")
@click.option("--quiet", is_flag=True, help="do not log each request")
def crm_sandbox(host: str, port: int, fixture: str | None, quiet: bool) -> None:
    """Serve the Salesforce/Outreach/Salesloft sandbox over TLS (see instance/crm-sandbox.json)."""
    # demo-only code, loaded by the demo's commands alone (never by a production process)
    from liveapp.demo.crm_sandbox import server

    folder = _instance_path()
    running = server.start(fixture, host, port, folder / "crm-sandbox", background=False,
                           quiet=quiet)
    settings_file = folder / server.SETTINGS_FILE
    server.write_settings(settings_file, running)
    click.echo(f"CRM sandbox at {running.url} (CA: {running.tls.ca_bundle}); "
               f"settings in {settings_file}")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        with contextlib.suppress(KeyboardInterrupt):
            running.server.serve_forever()
    finally:  # nobody should point at a sandbox that is gone
        settings_file.unlink(missing_ok=True)


@main.command()
@click.option("--batch", default=50, show_default=True, help="entries per batch")
@click.option("--block-ms", default=1000, show_default=True,
              help="how long to wait for new entries before looking for stale ones")
def pipeline(batch: int, block_ms: int) -> None:
    """Record the events the events API accepted (its Redis Stream), in batches; run
    several for more throughput (one consumer group shares the load)."""
    _counting(_prepare(), "pipeline")

    # Here, after _counting: the pipeline imports prometheus-client, which reads
    # PROMETHEUS_MULTIPROC_DIR when imported (see liveapp.metrics_folder).
    from liveapp.services.tracking import processors

    logging.basicConfig(level=os.environ.get("LIVEAPP_PIPELINE_LOG_LEVEL", "INFO"),
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    app = _app()
    with app.app_context():
        processors.run(f"{socket.gethostname()}:{os.getpid()}", batch, block_ms)


def _pipeline_argv() -> list[str]:
    return [sys.executable, "-m", "liveapp.cli", "pipeline"]


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=DEFAULT_PORT, show_default=True)
def demo(host: str, port: int) -> None:
    """Everything in one process group, on embedded defaults, with demo data."""
    folder = _prepare()
    _counting(folder, "demo")  # the web, worker and pipeline children count in it too
    # Someone trying the demo should not wait two minutes for the meeting booker.
    os.environ.setdefault("LIVEAPP_ROUTING_QUEUE_WAIT", "45")
    app = _app()
    _migrate(app)
    while not _port_free(host, port):
        port += 1
    # The site snippet points here, whatever Host header a request carries.
    os.environ.setdefault("LIVEAPP_PUBLIC_URL", f"http://{host}:{port}")
    with app.app_context():
        # demo-only code, loaded by the demo's commands alone (never by a production process)
        from liveapp.demo import seeding

        logins = seeding.seed()
        seeding.seed_past()
        seeding.allow_demo_origin(f"http://{host}:{port}")
        extras = seeding.announcements()
        seeding.forget_crm_sandbox(folder)
    group = ProcessGroup()
    # The simulator signs its visitors' company addresses with a key only the demo's
    # processes hold (children inherit it); nobody else can choose their address.
    os.environ[simulated_clients.KEY_VARIABLE] = instance.secret(
        folder / simulated_clients.KEY_FILE)
    group.start("web", _gunicorn_argv(host, port, workers=2))
    group.start("worker", _worker_argv())
    # The web processes only accept events; this process records them (issue 13).
    group.start("pipeline", _pipeline_argv())
    for name, argv in seeding.extra_processes(f"http://{host}:{port}"):
        group.start(name, argv)
    with app.app_context():
        sandbox_url = seeding.connect_crm_sandbox(folder)
    extras.append(f"CRM sandbox (Salesforce, Outreach, Salesloft) at {sandbox_url}; "
                  "Settings → Integrations points at it." if sandbox_url
                  else "CRM sandbox did not start: CRM look-ups are off.")
    url = f"http://{host}:{port}/"
    click.echo("")
    click.echo(f"liveapp demo is running at {url}")
    _print_logins(logins)
    for line in extras:
        click.echo(line.replace("<URL>", url))
    click.echo(f"Data: {folder}. Press Ctrl-C to stop.")
    sys.exit(group.wait())


if __name__ == "__main__":
    main()
