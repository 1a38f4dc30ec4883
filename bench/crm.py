"""CRM look-up latencies against the sandbox over real HTTPS: a cold client (new
connection, TLS handshake, first query) and a warm one (connection reused).

    .venv/bin/python bench/crm.py [--runs 30]

Prints median and p95 per look-up. The sandbox runs in this process (a thread), so the
figures include its own work; they are for comparing, not for asserting."""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from liveapp.demo.crm_sandbox import server  # noqa: E402
from liveapp.demo.crm_sandbox.state import DEFAULT_FIXTURE  # noqa: E402
from liveapp.integrations.outreach import OutreachClient  # noqa: E402
from liveapp.integrations.salesforce import SalesforceClient  # noqa: E402
from liveapp.integrations.salesloft import SalesloftClient  # noqa: E402


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return (time.perf_counter() - start) * 1000


def summary(name: str, cold: list[float], warm: list[float]) -> str:
    def stats(values: list[float]) -> str:
        ordered = sorted(values)
        p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
        return f"median {statistics.median(ordered):6.1f} ms  p95 {p95:6.1f} ms"
    return f"{name:<34} cold: {stats(cold)} | warm: {stats(warm)}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    runs = parser.parse_args().runs
    fixture = json.loads(Path(DEFAULT_FIXTURE).read_text())
    running = server.start(fixture)
    settings = running.settings()
    contact = fixture["salesforce"]["objects"]["Contact"][5]["Email"]
    lead = next(x["Email"] for x in fixture["salesforce"]["objects"]["Lead"]
                if not x["IsConverted"])
    prospect = fixture["outreach"]["prospects"][3]["emails"][0]
    person = fixture["salesloft"]["people"][3]["email_address"]
    cases = [
        ("salesforce find_person (Contact)", lambda: SalesforceClient.from_settings(
            settings["salesforce"]), lambda c: c.find_person(contact)),
        ("salesforce find_person (Lead+Acct)", lambda: SalesforceClient.from_settings(
            settings["salesforce"]), lambda c: c.find_person(lead)),
        ("outreach find_prospect", lambda: OutreachClient.from_settings(settings["outreach"]),
         lambda c: c.find_prospect(prospect)),
        ("salesloft find_person", lambda: SalesloftClient.from_settings(settings["salesloft"]),
         lambda c: c.find_person(person)),
    ]
    print(f"{runs} runs each, sandbox at {running.url}")
    for name, make, lookup in cases:
        cold = [timed(lambda m=make, lk=lookup: lk(m())) for _ in range(runs)]
        client = make()
        lookup(client)
        warm = [timed(lambda c=client, lk=lookup: lk(c)) for _ in range(runs)]
        print(summary(name, cold, warm))
    running.stop()


if __name__ == "__main__":
    main()
