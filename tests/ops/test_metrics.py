"""GET /metrics: token-protected, and its values move when events, batches and jobs do."""

from __future__ import annotations

import os

from tests.ops.scrape import TOKEN, value


def test_no_token_configured_means_no_endpoint(app, browser, as_admin):
    assert app.config["METRICS_TOKEN"] == ""
    assert browser.get("/metrics").status_code == 404  # even for a signed-in admin
    assert app.test_client().get("/metrics", headers={"Authorization": "Bearer "}
                                 ).status_code == 404


def test_the_token_comes_from_the_environment(monkeypatch, tmp_path):
    from liveapp import config

    monkeypatch.setenv("LIVEAPP_METRICS_TOKEN", " abc ")
    assert config.from_environment(tmp_path)["METRICS_TOKEN"] == "abc"


def test_a_missing_or_wrong_token_is_refused(app, metrics_token):
    client = app.test_client()
    missing = client.get("/metrics")
    assert missing.status_code == 401
    assert missing.headers["WWW-Authenticate"] == "Bearer"
    assert client.get("/metrics", headers={"Authorization": "Basic " + TOKEN}
                      ).status_code == 401
    wrong = client.get("/metrics", headers={"Authorization": "Bearer " + TOKEN + "x"})
    assert wrong.status_code == 403
    assert b"liveapp_" not in wrong.data


def test_events_accepted_and_rejected_and_the_pipeline_batches(scrape, api):
    before = scrape()
    assert api.send().status_code == 202  # the pipeline drains after the answer
    assert api.send(type="heartbeat").status_code == 202
    assert api.raw("{not json").status_code == 400
    assert api.send(site_key="nope").status_code == 403
    after = scrape()

    def moved(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved("liveapp_events_accepted_total", type="page_view") == 1
    assert moved("liveapp_events_accepted_total", type="heartbeat") == 1
    assert moved("liveapp_events_rejected_total", type="unknown", reason="invalid") == 1
    assert moved("liveapp_events_rejected_total", type="page_view",
                 reason="unknown_site") == 1
    assert moved("liveapp_pipeline_batch_size_count") >= 2
    assert moved("liveapp_pipeline_batch_size_sum") >= 2
    assert moved("liveapp_pipeline_batch_seconds_count") >= 2
    # The fast path's requests, under the view's endpoint name, by status class.
    assert moved("liveapp_http_request_duration_seconds_count",
                 endpoint="tracking.events", status="2xx") == 2
    assert moved("liveapp_http_request_duration_seconds_count",
                 endpoint="tracking.events", status="4xx") == 2
    assert value(after, "liveapp_pipeline_entries_waiting") == 0


def test_pipeline_lag_is_what_waits_in_the_streams(app, scrape, api, drain):
    app.extensions["test_drain"].enabled = False
    try:
        assert api.send().status_code == 202
        assert api.send().status_code == 202
        waiting = scrape()
        assert value(waiting, "liveapp_pipeline_entries_waiting") == 2
        assert value(waiting, "liveapp_pipeline_oldest_entry_age_seconds") >= 0
        assert drain() == 2
    finally:
        app.extensions["test_drain"].enabled = True
    drained = scrape()
    assert value(drained, "liveapp_pipeline_entries_waiting") == 0
    assert value(drained, "liveapp_pipeline_oldest_entry_age_seconds") == 0
    assert value(drained, "liveapp_pipeline_dead_entries") == 0


def test_dead_letters_are_counted(app_ctx, scrape):
    from liveapp.extensions import redis
    from liveapp.services.tracking import pipeline

    redis.client.xadd(pipeline.dead_key(), {"v": "someone", "error": "boom"})
    assert value(scrape(), "liveapp_pipeline_dead_entries") == 1


def test_flask_requests_are_timed_by_endpoint_not_path(scrape, browser):
    before = scrape()
    browser.get("/auth/login")
    browser.get("/no/such/page/1")
    browser.get("/no/such/page/2")
    for visitor in ("one-visitor", "another-visitor"):  # one rule, two paths
        assert browser.get(f"/board/visitors/{visitor}").status_code == 302
    after = scrape()
    assert (value(after, "liveapp_http_request_duration_seconds_count",
                  endpoint="board.visitor", status="3xx")
            - value(before, "liveapp_http_request_duration_seconds_count",
                    endpoint="board.visitor", status="3xx")) == 2
    assert "one-visitor" not in after
    assert (value(after, "liveapp_http_request_duration_seconds_count",
                  endpoint="auth.login", status="2xx")
            - value(before, "liveapp_http_request_duration_seconds_count",
                    endpoint="auth.login", status="2xx")) == 1
    assert (value(after, "liveapp_http_request_duration_seconds_count",
                  endpoint="none", status="4xx")
            - value(before, "liveapp_http_request_duration_seconds_count",
                    endpoint="none", status="4xx")) == 2
    assert "/no/such/page" not in after


def test_jobs_are_counted_by_queue_and_outcome(app_ctx, scrape):
    from jobs.worker import LiveappWorker
    from liveapp.extensions import queue, redis

    default = queue("default")
    before = scrape()
    default.enqueue("tests.worker.tasks.pid")
    default.enqueue("tests.worker.tasks.sleep_for", "not a number")
    LiveappWorker([default], connection=redis.client, serializer="json").work(
        burst=True, max_jobs=5)
    after = scrape()

    def moved(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved("liveapp_jobs_total", queue=default.name, outcome="finished") == 1
    assert moved("liveapp_jobs_total", queue=default.name, outcome="failed") == 1
    assert moved("liveapp_job_duration_seconds_count", queue=default.name) == 2


def test_each_command_counts_in_a_folder_of_its_own_and_stale_ones_go(tmp_path, monkeypatch):
    from liveapp import metrics_folder

    # Set, then removed: monkeypatch restores it afterwards (a bare delenv of a variable
    # that is not set records nothing, and multiprocess_dir's would outlive the test,
    # sending every later /metrics to that folder instead of this process's counters).
    monkeypatch.setenv(metrics_folder.MULTIPROC_VARIABLE, "unset")
    monkeypatch.delenv(metrics_folder.MULTIPROC_VARIABLE)
    root = tmp_path / "metrics"
    (root / "web-999999999").mkdir(parents=True)  # no such process: stale
    (root / "web-999999999" / "counter_1.db").write_bytes(b"")
    alive = root / f"worker-{os.getppid()}"
    alive.mkdir()
    folder = metrics_folder.multiprocess_dir(tmp_path, "pipeline")
    assert folder == root / f"pipeline-{os.getpid()}" and folder.is_dir()
    assert os.environ[metrics_folder.MULTIPROC_VARIABLE] == str(folder)
    assert sorted(p.name for p in root.iterdir()) == sorted([alive.name, folder.name])
    # A child (the demo's web, worker, pipeline) keeps its parent's folder.
    assert metrics_folder.multiprocess_dir(tmp_path, "web") == folder


def test_metric_names_follow_prometheus_conventions(scrape):
    """liveapp_ prefix, snake_case names and labels, counters in _total, times in
    seconds (histograms: _seconds, or a count's _size), gauges never _total; help text."""
    import re

    from prometheus_client.metrics import MetricWrapperBase
    from prometheus_client.parser import text_string_to_metric_families

    from liveapp import metrics

    snake = re.compile(r"[a-z][a-z0-9_]*")
    declared = [(m._name, m._type, m._labelnames, m._documentation)
                for m in vars(metrics).values() if isinstance(m, MetricWrapperBase)]
    scraped = [(f.name, f.type, {k for s in f.samples for k in s.labels}, f.documentation)
               for f in text_string_to_metric_families(scrape())
               # the client's own families, and its _created timestamps outside
               # multiprocess mode (a test process), are not ours to name
               if not f.name.startswith(("python_", "process_"))
               and not f.name.endswith("_created")]
    assert len(declared) >= 14 and {"liveapp_visitors_live", "liveapp_queue_jobs_waiting",
                                    "liveapp_pipeline_dead_entries"} <= {n for n, *_ in scraped}
    for name, kind, labels, documentation in declared + scraped:
        assert name.startswith("liveapp_") and snake.fullmatch(name), name
        assert all(snake.fullmatch(label) for label in labels), name
        assert documentation.strip(), name
        assert not name.endswith("_total"), name  # the client appends it to counters alone
        if kind == "histogram":
            assert name.endswith(("_seconds", "_size")), name
        if "duration" in name or "age" in name or "timestamp" in name:
            assert name.endswith("_seconds"), name
