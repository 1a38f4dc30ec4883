"""CRM look-ups counted by service and outcome, timed, and their last success and failure
stamped (liveapp_crm_*), through a real worker against the sandbox; and Settings → Status
shows the same figures."""

from __future__ import annotations

import re
import time

from tests.ops.scrape import value

CONTACT = "morgan.moreau0@northwindanalytics.example"  # a Contact, an Outreach prospect


def test_lookups_are_counted_timed_and_stamped(connected, make_visitor, run_jobs, control,
                                               scrape, as_admin):
    from liveapp.services.crm import owner_lookup

    before = scrape()
    started = time.time()
    first = make_visitor(email=CONTACT, company_name="Northwind Analytics")
    owner_lookup.request(first.id)
    run_jobs()  # asks all three CRMs
    owner_lookup.request(first.id)
    run_jobs()  # answered from the cache
    control.fault("outreach", "/", "500", count=None)
    second = make_visitor(email="nobody.known@example.org")
    owner_lookup.request(second.id)
    run_jobs()  # Outreach is down
    after = scrape()

    def moved(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    lookups = "liveapp_crm_lookups_total"
    assert moved(lookups, service="salesforce", outcome="ok") == 1
    assert moved(lookups, service="outreach", outcome="ok") == 1
    assert moved(lookups, service="salesloft", outcome="not_found") == 2  # knows neither
    for service in ("salesforce", "outreach", "salesloft"):
        assert moved(lookups, service=service, outcome="cached") == 1
    assert moved(lookups, service="outreach", outcome="unavailable") == 1
    assert moved(lookups, service="salesforce", outcome="not_found") == 1
    # Timed when a CRM was asked (twice each), never for a cached answer.
    for service in ("salesforce", "outreach", "salesloft"):
        assert moved("liveapp_crm_lookup_duration_seconds_count", service=service) == 2
        assert moved("liveapp_crm_lookup_duration_seconds_sum", service=service) > 0
    stamp = "liveapp_crm_last_lookup_timestamp_seconds"
    assert value(after, stamp, service="outreach", result="failure") >= started
    assert value(after, stamp, service="outreach", result="success") >= started
    assert value(after, stamp, service="salesloft", result="failure") < started

    page = as_admin.get("/settings/status/figures").get_data(as_text=True)
    row = page[page.index('data-service="outreach"'):]
    row = row[:row.index("</tr>")]
    cells = dict(re.findall(r'data-figure="(\w+)">([^<]*)<', row))
    # The same totals as /metrics (since the processes started: earlier tests count too).
    outreach = {o: value(after, lookups, service="outreach", outcome=o)
                for o in ("ok", "not_found", "cached", "unavailable")}
    assert (cells["answered"], cells["failed"], cells["cached"]) == tuple(
        str(int(n)) for n in (outreach["ok"] + outreach["not_found"], outreach["unavailable"],
                              outreach["cached"]))
    assert cells["mean_ms"].endswith(" ms")
    assert "s ago" in row and "never" not in row  # its last success and last failure
