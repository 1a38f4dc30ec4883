"""Settings → Jobs (rq-dashboard at /settings/jobs/): admins only, pages and JSON alike;
an admin sees a failed job's traceback and requeues it, with a CSRF token."""

import pytest
from rq.registry import FailedJobRegistry

from tests.rq_workers import SimpleWorker

DASHBOARD = [
    "/settings/jobs/",
    "/settings/jobs/0/view/workers",
    "/settings/jobs/0/view/jobs",
    "/settings/jobs/0/data/queues.json",
    "/settings/jobs/0/data/workers.json",
    "/settings/jobs/0/data/jobs/q/failed/8/asc/1.json",
    "/settings/jobs/0/data/job/some-id.json",
]


@pytest.mark.parametrize("path", DASHBOARD)
def test_a_rep_gets_403(as_rep, path):
    assert as_rep.get(path).status_code == 403


@pytest.mark.parametrize("path", DASHBOARD)
def test_anonymous_goes_to_sign_in(browser, path):
    response = browser.get(path)
    assert response.status_code == 302
    assert "/auth/login?next=" in response.headers["Location"]


def test_a_rep_cannot_requeue_or_delete(as_rep, failed_job):
    for action in ("requeue", "delete"):
        response = as_rep.post(f"/settings/jobs/job/{failed_job.id}/{action}")
        assert response.status_code == 403
    assert failed_job.id in FailedJobRegistry(queue=_default()).get_job_ids()


def test_the_admin_sees_liveapp_queues_and_the_failed_job(as_admin, failed_job):
    page = as_admin.get("/settings/jobs/")
    assert page.status_code == 200
    assert b"rq_dashboard" in page.data or b"RQ" in page.data
    queues = as_admin.get("/settings/jobs/0/data/queues.json").get_json()["queues"]
    default = next(q for q in queues if q["name"] == _default().name)
    assert default["failed_job_registry_count"] == 1
    listed = as_admin.get(
        f"/settings/jobs/0/data/jobs/{_default().name}/failed/8/asc/1.json").get_json()
    assert [job["id"] for job in listed["jobs"]] == [failed_job.id]
    info = as_admin.get(f"/settings/jobs/0/data/job/{failed_job.id}.json").get_json()
    assert info["status"] == "failed"
    assert "ValueError: the CRM refused order 42" in info["exc_info"]
    assert "Traceback" in info["exc_info"]


def test_the_admin_requeues_a_failed_job_with_the_csrf_token(as_admin, failed_job):
    # No token: refused, nothing moves.
    refused = as_admin.client.post(f"/settings/jobs/job/{failed_job.id}/requeue")
    assert refused.status_code == 400
    assert failed_job.id in FailedJobRegistry(queue=_default()).get_job_ids()
    # The dashboard's script sends the `_csrf_token` cookie back as X-CSRFToken.
    as_admin.get("/settings/jobs/")
    cookie = as_admin.client.get_cookie("_csrf_token", path="/settings/jobs/")
    assert cookie is not None
    response = as_admin.client.post(f"/settings/jobs/job/{failed_job.id}/requeue",
                                    headers={"X-CSRFToken": cookie.value})
    assert response.status_code == 200
    assert response.get_json() == {"status": "OK"}
    assert failed_job.id not in FailedJobRegistry(queue=_default()).get_job_ids()
    assert failed_job.id in _default().job_ids


def test_the_admin_deletes_a_failed_job(as_admin, failed_job):
    as_admin.get("/settings/jobs/")
    token = as_admin.client.get_cookie("_csrf_token", path="/settings/jobs/").value
    response = as_admin.client.post(f"/settings/jobs/job/{failed_job.id}/delete",
                                    headers={"X-CSRFToken": token})
    assert response.get_json() == {"status": "OK"}
    assert failed_job.id not in FailedJobRegistry(queue=_default()).get_job_ids()


def test_requeue_all_is_not_a_get(as_admin, failed_job):
    assert as_admin.get(f"/settings/jobs/requeue/{_default().name}").status_code == 405
    assert failed_job.id in FailedJobRegistry(queue=_default()).get_job_ids()


def test_an_unknown_job_is_404(as_admin):
    assert as_admin.get("/settings/jobs/0/view/job/no-such-job").status_code == 404


def test_the_settings_nav_links_jobs(as_admin):
    assert b"/settings/jobs/" in as_admin.get("/").data


def _default():
    from liveapp.extensions import queue

    return queue("default")


def test_compacting_an_empty_queue_is_no_error(as_admin):
    as_admin.get("/settings/jobs/")
    token = as_admin.client.get_cookie("_csrf_token", path="/settings/jobs/").value
    response = as_admin.client.post(f"/settings/jobs/queue/{_default().name}/compact",
                                    headers={"X-CSRFToken": token})
    assert response.get_json() == {"status": "OK"}


@pytest.fixture
def foreign_failed_job(app_ctx):
    """Another RQ app's failed job, on a queue of its own in the same Redis database."""
    from rq import Queue

    from liveapp.extensions import redis

    other = Queue("otherapp-default", connection=redis.client, serializer="json")
    job = other.enqueue("tests.ops.failed_jobs.explode", 9)
    SimpleWorker([other], connection=redis.client, serializer="json").work(burst=True,
                                                                          max_jobs=1)
    assert job.id in FailedJobRegistry(queue=other).get_job_ids()
    yield job
    job.delete()  # outside liveapp's namespace: the suite's cleaning leaves it
    other.delete(delete_jobs=True)


def test_another_apps_queue_and_jobs_are_out_of_reach(as_admin, failed_job,
                                                      foreign_failed_job):
    """Listed (rq-dashboard 0.9.0 lists every queue of the database), but not viewed,
    requeued, deleted, emptied or compacted through liveapp; liveapp's own still are."""
    other, job = foreign_failed_job.origin, foreign_failed_job.id
    for path in (f"/settings/jobs/0/view/jobs/{other}/failed/8/asc/1",
                 f"/settings/jobs/0/data/jobs/{other}/failed/8/asc/1.json",
                 f"/settings/jobs/0/view/job/{job}", f"/settings/jobs/0/data/job/{job}.json"):
        assert as_admin.get(path).status_code == 404, path
    as_admin.get("/settings/jobs/")
    token = as_admin.client.get_cookie("_csrf_token", path="/settings/jobs/").value
    for path in (f"/settings/jobs/job/{job}/requeue", f"/settings/jobs/job/{job}/delete",
                 f"/settings/jobs/requeue/{other}", f"/settings/jobs/queue/{other}/compact",
                 f"/settings/jobs/queue/{other}/failed/empty"):
        assert as_admin.client.post(path, headers={"X-CSRFToken": token}
                                    ).status_code == 404, path
    assert FailedJobRegistry(queue=_other(other)).get_job_ids() == [job]
    assert as_admin.get(f"/settings/jobs/0/data/job/{failed_job.id}.json").status_code == 200
    assert as_admin.get(f"/settings/jobs/0/data/jobs/{_default().name}/failed/8/asc/1.json"
                        ).status_code == 200


def _other(name: str):
    from rq import Queue

    from liveapp.extensions import redis

    return Queue(name, connection=redis.client, serializer="json")


def test_jobs_naming_no_queue_opens_liveapps_default_queue(as_admin):
    """The dashboard's "Jobs" link names no queue: RQ's un-namespaced "default" is not
    liveapp's (its list would be a 404), so liveapp's own default queue opens."""
    response = as_admin.get("/settings/jobs/0/view/jobs")
    assert response.status_code == 302
    queued = f"/settings/jobs/0/view/jobs/{_default().name}/queued/8/asc/1"
    assert response.headers["Location"] == queued
    assert as_admin.get(queued).status_code == 200
    assert as_admin.get(f"{queued.replace('/view/', '/data/')}.json").status_code == 200


def test_our_copies_of_its_templates_are_of_the_installed_version():
    """liveapp renders its own copies of some of the dashboard's templates: upgrading
    rq-dashboard fails here until each is copied afresh (and its changes made again)."""
    from importlib.metadata import version
    from pathlib import Path

    import liveapp

    copies = sorted((Path(liveapp.__file__).parent / "templates/rq_dashboard").glob("*.html"))
    assert [copy.name for copy in copies] == ["base.html", "jobs.html", "navbar.html"]
    for copy in copies:
        assert f"rq-dashboard {version('rq-dashboard')} " in copy.read_text(), copy.name


def _every_dashboard_request(app, failed_job) -> list[tuple[str, str]]:
    """(method, path) for every route of the dashboard's blueprint and each of its methods,
    the job and queue in them real ones, so nothing but access control can refuse."""
    values = {"instance_number": 0, "job_id": failed_job.id, "queue_name": _default().name,
              "registry_name": "failed", "per_page": 8, "order": "asc", "page": 1,
              "filename": "css/bootstrap.min.css"}
    found = []
    adapter = app.url_map.bind("localhost")
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("rq_dashboard."):
            path = adapter.build(rule.endpoint, {k: values[k] for k in rule.arguments})
            found += [(method, path) for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return found


def test_every_dashboard_route_is_closed_to_reps_and_anonymous(app, browser, rep, failed_job):
    """The access matrix over the whole blueprint, whatever rq-dashboard adds."""
    requests = _every_dashboard_request(app, failed_job)
    assert len(requests) >= 20
    for method, path in requests:  # anonymous: the sign-in page (a POST: no token either)
        response = browser.client.open(path, method=method)
        assert response.status_code in ((302, 400) if method == "POST" else (302,)), path
        if response.status_code == 302:
            assert "/auth/login?next=" in response.headers["Location"], path
    browser.login(rep.email)
    for method, path in requests:  # a rep, with a CSRF token: 403 all the same
        response = browser.post(path) if method == "POST" else browser.get(path)
        assert response.status_code == 403, (method, path)
    assert failed_job.id in FailedJobRegistry(queue=_default()).get_job_ids()
