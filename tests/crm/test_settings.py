"""Settings → Integrations: validation, secrets never echoed, connection tests, access."""

from __future__ import annotations

from liveapp.extensions import db
from liveapp.models import Integration
from liveapp.services.crm import crm_settings

URL = "/settings/integrations/"
SECRET = "outreach-token-very-secret-9876"


def outreach_form(**fields) -> dict:
    data = {"outreach-enabled": "y", "outreach-base_url": "https://api.outreach.example",
            "outreach-access_token": SECRET}
    data.update({f"outreach-{k}": v for k, v in fields.items()})
    return {k: v for k, v in data.items() if v is not None}


def test_reps_get_403_and_anonymous_users_the_login(as_rep, app):
    assert as_rep.get(URL).status_code == 403
    assert as_rep.post(URL + "outreach", outreach_form()).status_code == 403
    assert as_rep.post(URL + "outreach/test").status_code == 403
    assert as_rep.get(URL + "outreach/users").status_code == 403
    assert app.test_client().get(URL).status_code == 302


def test_the_page_lists_every_crm_and_is_in_the_settings_nav(as_admin):
    page = as_admin.get(URL).get_data(as_text=True)
    assert all(f'id="{name}"' in page for name in ("salesforce", "outreach", "salesloft"))
    assert f'href="{URL}"' in page and "Not tested yet." in page


def test_saving_needs_a_csrf_token(as_admin, app_ctx):
    response = as_admin.client.post(URL + "outreach", data=outreach_form())
    assert response.status_code == 400
    assert db.session.scalar(db.select(Integration)) is None


def test_errors_name_the_field_and_nothing_is_written(as_admin, app_ctx):
    response = as_admin.post(URL + "outreach", outreach_form(base_url="ftp://nope",
                                                             access_token=""))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Enter a URL like https://example.com." in page
    response = as_admin.post(URL + "outreach", outreach_form(access_token=""))
    assert response.status_code == 422
    assert "Give an access token" in response.get_data(as_text=True)
    response = as_admin.post(URL + "salesforce", {"salesforce-enabled": "y",
                                                  "salesforce-ca_bundle": "/no/such/ca.pem"})
    assert "No such file on the server." in response.get_data(as_text=True)
    assert db.session.scalar(db.select(Integration)) is None


def test_a_disabled_integration_may_be_saved_incomplete(as_admin, app_ctx):
    response = as_admin.post(URL + "salesloft", {"salesloft-base_url": "https://sl.example"})
    assert response.status_code == 303
    row = crm_settings.get("salesloft")
    assert row.enabled is False and row.settings == {"base_url": "https://sl.example"}


def test_secrets_are_encrypted_masked_and_never_echoed(as_admin, app_ctx):
    assert as_admin.post(URL + "outreach", outreach_form()).status_code == 303
    page = as_admin.get(URL).get_data(as_text=True)
    assert SECRET not in page and SECRET[:-4] not in page
    assert "••••9876" in page
    row = crm_settings.get("outreach")
    assert SECRET not in (row.secrets_encrypted or "") and SECRET not in str(row.settings)
    assert crm_settings.full_settings(row)["access_token"] == SECRET
    # A failed save re-renders the form: the secret typed in is not sent back either.
    failed = as_admin.post(URL + "outreach", outreach_form(base_url="nope"))
    assert failed.status_code == 422 and SECRET not in failed.get_data(as_text=True)


def test_an_empty_secret_keeps_the_saved_one(as_admin, app_ctx):
    as_admin.post(URL + "outreach", outreach_form(refresh_token="refresh-me-please-1111"))
    assert as_admin.post(URL + "outreach", outreach_form(
        access_token="", refresh_token="", base_url="https://other.example")).status_code == 303
    db.session.expire_all()
    row = crm_settings.get("outreach")
    settings = crm_settings.full_settings(row)
    assert settings["access_token"] == SECRET
    assert settings["refresh_token"] == "refresh-me-please-1111"
    assert settings["base_url"] == "https://other.example" and row.version == 2
    as_admin.post(URL + "outreach", outreach_form(access_token="a-brand-new-token-2222"))
    db.session.expire_all()
    assert crm_settings.full_settings(crm_settings.get("outreach"))["access_token"] == (
        "a-brand-new-token-2222")


def test_secrets_are_unreadable_under_another_secret_key(app, app_ctx):
    token = crm_settings.encrypt({"api_key": "k"})
    assert crm_settings.decrypt(token) == {"api_key": "k"}
    app.config["SECRET_KEY"], old = "another-key", app.config["SECRET_KEY"]
    try:
        assert crm_settings.decrypt(token) is None
    finally:
        app.config["SECRET_KEY"] = old


def test_connection_test_succeeds_against_the_sandbox(as_admin, connected):
    for name in ("salesforce", "outreach", "salesloft"):
        response = as_admin.post(URL + f"{name}/test", headers={"HX-Request": "true"})
        assert response.status_code == 200
        body = response.get_data(as_text=True)
        assert f'id="test-{name}"' in body and "Connection OK" in body, body
    assert "Connection OK" in as_admin.get(URL).get_data(as_text=True)


def test_connection_test_says_what_failed(as_admin, connected, control):
    control.fault("outreach", "/api/v2/users", "401", count=None)
    body = as_admin.post(URL + "outreach/test", headers={"HX-Request": "true"}).get_data(
        as_text=True)
    assert "Connection failed" in body and "Authentication failed" in body
    control.fault("salesloft", "/v2/me", "500", count=None)
    body = as_admin.post(URL + "salesloft/test", headers={"HX-Request": "true"}).get_data(
        as_text=True)
    assert "The service is down or unreachable" in body
    control.fault("salesforce", "/services/data", "429", count=None)
    body = as_admin.post(URL + "salesforce/test", headers={"HX-Request": "true"}).get_data(
        as_text=True)
    assert "Rate limited" in body


def test_test_connection_before_saving(as_admin):
    response = as_admin.post(URL + "outreach/test", headers={"HX-Request": "true"})
    assert response.status_code == 422 and "Save the settings first." in response.get_data(
        as_text=True)


def test_outreach_users_matched_by_email(as_admin, connected, make_user):
    make_user(email="ann@demo.liveapp.test", name="Ann Archer")
    make_user(email="zed@elsewhere.example", name="Zed Nobody")
    body = as_admin.get(URL + "outreach/users").get_data(as_text=True)
    assert 'class="matched"' in body and "Ann Archer" in body
    assert "bob@demo.liveapp.test" in body and "no user with this email" in body
    assert "Zed Nobody (zed@elsewhere.example)" in body


def test_user_mapping_reports_a_crm_that_is_down(as_admin, connected, control):
    control.fault("salesloft", "/v2/users", "500", count=None)
    body = as_admin.get(URL + "salesloft/users").get_data(as_text=True)
    assert "Could not list Salesloft users: The service is down" in body


def test_timeout_must_be_a_sensible_number(as_admin, app_ctx):
    response = as_admin.post(URL + "outreach", outreach_form(timeout="600"))
    assert response.status_code == 422
    assert "Enter a number of seconds from 1 to 60." in response.get_data(as_text=True)
    assert as_admin.post(URL + "outreach", outreach_form(timeout="2.5")).status_code == 303
    assert crm_settings.get("outreach").settings["timeout"] == "2.5"


def test_credentials_from_the_environment_win_and_are_not_shown(as_admin, app, app_ctx,
                                                                 monkeypatch):
    monkeypatch.setitem(app.config, "CRM_SETTINGS", {
        "outreach": {"access_token": "env-token-abcdefgh-5555", "nonsense": "x"}})
    # Enabling needs no token in the form: the environment has one.
    assert as_admin.post(URL + "outreach", outreach_form(access_token="")).status_code == 303
    row = crm_settings.get("outreach")
    settings = crm_settings.full_settings(row)
    assert settings["access_token"] == "env-token-abcdefgh-5555" and "nonsense" not in settings
    page = as_admin.get(URL).get_data(as_text=True)
    assert "LIVEAPP_OUTREACH_ACCESS_TOKEN" in page and "env-token-abcdefgh" not in page


def test_crm_settings_are_read_from_liveapp_variables(monkeypatch):
    from liveapp.config import crm_settings

    monkeypatch.setenv("LIVEAPP_SALESLOFT_API_KEY", "k-1")
    monkeypatch.setenv("LIVEAPP_SALESFORCE_INSTANCE_URL", "https://x.example")
    settings = crm_settings()
    assert settings["salesloft"]["api_key"] == "k-1"
    assert settings["salesforce"]["instance_url"] == "https://x.example"
