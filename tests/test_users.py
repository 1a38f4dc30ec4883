"""Settings → Users and Groups: forms, field errors, and what they save."""

import pytest
from sqlalchemy import select

from liveapp.errors import ValidationFailed
from liveapp.extensions import db
from liveapp.models import Group, User
from liveapp.services.settings import users as user_service

NEW_USER = {
    "name": "Nina New",
    "email": "nina@example.com",
    "role": "rep",
    "password": "long-enough-pw",
    "is_chat_user": "y",
    "availability": "available",
    "max_concurrent_chats": "4",
    "salesforce_user_id": "0055g00000ABCDE",
}
NEW_USER_SF_ID = "0055g00000ABCDEAA5"  # the 18-character form: A-E set bits 0-4 of chunk 3


def _user(email):
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.email == email))


def test_admin_creates_user_who_can_log_in(as_admin, app, app_ctx):
    response = as_admin.post("/settings/users/new", NEW_USER)
    assert response.status_code == 303
    user = _user("nina@example.com")
    assert user.name == "Nina New" and user.max_concurrent_chats == 4
    assert user.salesforce_user_id == NEW_USER_SF_ID
    assert user.check_password("long-enough-pw")
    other = app.test_client()
    from tests.conftest import Browser

    assert Browser(other).login("nina@example.com", "long-enough-pw").status_code == 303


def test_user_form_field_errors_write_nothing(as_admin, app_ctx):
    bad = {**NEW_USER, "email": "not-an-email", "password": "short",
           "max_concurrent_chats": "0", "salesforce_user_id": "bad id!"}
    response = as_admin.post("/settings/users/new", bad)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Invalid email address" in page
    assert "at least 8 characters" in page
    assert "Number must be between 1 and 50" in page
    assert "A Salesforce id has only letters A-Z, a-z and digits" in page
    assert db.session.scalar(select(db.func.count(User.id))) == 1  # only the admin


def test_new_user_needs_password(as_admin, app_ctx):
    response = as_admin.post("/settings/users/new", {**NEW_USER, "password": ""})
    assert response.status_code == 422
    assert b"A new user needs a password" in response.data
    assert _user("nina@example.com") is None


def test_duplicate_email_is_a_field_error(as_admin, rep, app_ctx):
    response = as_admin.post("/settings/users/new", {**NEW_USER, "email": "REP@example.com"})
    assert response.status_code == 422
    assert b"Another user already has this email" in response.data


@pytest.mark.parametrize("stored", ["0055g00000ABCDE", NEW_USER_SF_ID])
@pytest.mark.parametrize("typed", ["0055g00000ABCDE", NEW_USER_SF_ID])
def test_duplicate_salesforce_id_is_a_field_error_in_either_form(
        as_admin, make_user, app_ctx, stored, typed):
    make_user(name="Sam Sf", salesforce_user_id=stored)
    response = as_admin.post("/settings/users/new", {**NEW_USER, "salesforce_user_id": typed})
    assert response.status_code == 422
    assert b"Sam Sf already has this Salesforce user id" in response.data
    assert _user("nina@example.com") is None


def test_salesforce_ids_differing_only_in_case_are_two_users(as_admin, make_user, app_ctx):
    make_user(name="Sam Sf", salesforce_user_id="0055g00000abcdeAAA")
    assert as_admin.post("/settings/users/new", NEW_USER).status_code == 303
    assert _user("nina@example.com").salesforce_user_id == NEW_USER_SF_ID


@pytest.mark.parametrize("typed, message", [
    ("0055g00000DEMO02", "A Salesforce id is 15 or 18 characters; this one has 16."),
    ("0055g00000ABCDEAAA", "they should be AA5 here. Copy the id again exactly."),
    ("0055g00000abcdeAA5", "they should be AAA here. Copy the id again exactly."),
    ("0055g00000ABC-E", "A Salesforce id has only letters A-Z, a-z and digits."),
    ("<b>0055g00000ABC</b>", "A Salesforce id has only letters A-Z, a-z and digits."),
])
def test_invalid_salesforce_ids_are_field_errors_and_write_nothing(
        as_admin, rep, app_ctx, typed, message):
    created = as_admin.post("/settings/users/new", {**NEW_USER, "salesforce_user_id": typed})
    assert created.status_code == 422
    page = created.get_data(as_text=True)
    assert message in page and "<b>0055g" not in page
    assert _user("nina@example.com") is None
    edit = {**NEW_USER, "email": rep.email, "name": "Rita Renamed", "password": "",
            "salesforce_user_id": typed}
    edited = as_admin.post(f"/settings/users/{rep.id}", edit)
    assert edited.status_code == 422 and message in edited.get_data(as_text=True)
    user = _user(rep.email)
    assert user.name == "Rita Rep" and user.salesforce_user_id is None


@pytest.mark.parametrize("typed", ["0055g00000ABCDE", NEW_USER_SF_ID, f"  {NEW_USER_SF_ID} "])
def test_a_salesforce_id_is_stored_in_its_18_character_form(as_admin, rep, app_ctx, typed):
    edit = {**NEW_USER, "email": rep.email, "password": "", "salesforce_user_id": typed}
    assert as_admin.post(f"/settings/users/{rep.id}", edit).status_code == 303
    assert _user(rep.email).salesforce_user_id == NEW_USER_SF_ID
    page = as_admin.get("/settings/integrations/").get_data(as_text=True)
    assert NEW_USER_SF_ID in page  # the user mapping on Integrations shows the stored form
    cleared = {**edit, "salesforce_user_id": ""}
    assert as_admin.post(f"/settings/users/{rep.id}", cleared).status_code == 303
    assert _user(rep.email).salesforce_user_id is None


def test_the_service_refuses_an_invalid_salesforce_id_too(app_ctx):
    """The demo seed and the CLI call the service without the form."""
    with pytest.raises(ValidationFailed) as failed:
        user_service.create_user(email="x@example.com", name="X", password="long-enough-pw",
                                 salesforce_user_id="0055g00000DEMO02")
    assert failed.value.errors == {
        "salesforce_user_id": "A Salesforce id is 15 or 18 characters; this one has 16."}
    assert db.session.scalar(select(db.func.count(User.id))) == 0


def test_user_form_needs_csrf(as_admin, app_ctx):
    response = as_admin.client.post("/settings/users/new", data=NEW_USER)
    assert response.status_code == 400
    assert _user("nina@example.com") is None


def test_reps_cannot_set_salesforce_ids(as_rep, rep, app_ctx):
    edit = {**NEW_USER, "email": rep.email, "password": ""}
    assert as_rep.post(f"/settings/users/{rep.id}", edit).status_code == 403
    assert _user(rep.email).salesforce_user_id is None


def test_edit_user_keeps_password_when_empty(as_admin, rep, app_ctx):
    form = {**NEW_USER, "email": rep.email, "name": "Rita Renamed", "password": ""}
    response = as_admin.post(f"/settings/users/{rep.id}", form)
    assert response.status_code == 303
    user = _user(rep.email)
    assert user.name == "Rita Renamed"
    assert user.check_password("correct-horse-battery")


def test_admin_cannot_demote_self(as_admin, admin, app_ctx):
    form = {**NEW_USER, "email": admin.email, "role": "rep", "password": ""}
    response = as_admin.post(f"/settings/users/{admin.id}", form)
    assert response.status_code == 422
    assert b"You cannot remove your own admin role" in response.data
    assert _user(admin.email).role == "admin"


def test_deactivate_and_reactivate(as_admin, rep, app_ctx):
    assert as_admin.post(f"/settings/users/{rep.id}/deactivate").status_code == 303
    user = _user(rep.email)
    assert not user.active and user.availability == "offline"
    assert as_admin.post(f"/settings/users/{rep.id}/reactivate").status_code == 303
    assert _user(rep.email).active


def test_deactivated_user_session_ends(app, as_admin, rep, app_ctx):
    from tests.conftest import Browser

    rep_browser = Browser(app.test_client())
    rep_browser.login(rep.email)
    assert rep_browser.get("/").status_code == 200
    as_admin.post(f"/settings/users/{rep.id}/deactivate")
    assert rep_browser.get("/").status_code == 302


def test_edit_unknown_user_is_404(as_admin):
    assert as_admin.get("/settings/users/9999").status_code == 404


def test_group_create_with_members(as_admin, rep, app_ctx):
    response = as_admin.post("/settings/groups/new", {"name": "Enterprise", "members": [rep.id]})
    assert response.status_code == 303
    group = db.session.scalar(select(Group).where(Group.name == "Enterprise"))
    assert [m.email for m in group.members] == [rep.email]


def test_group_errors(as_admin, app_ctx):
    assert as_admin.post("/settings/groups/new", {"name": ""}).status_code == 422
    as_admin.post("/settings/groups/new", {"name": "Enterprise"})
    dup = as_admin.post("/settings/groups/new", {"name": "enterprise"})
    assert dup.status_code == 422
    assert b"A group with this name already exists" in dup.data
    bad_member = as_admin.post("/settings/groups/new", {"name": "X", "members": ["9999"]})
    assert bad_member.status_code == 422
    assert db.session.scalar(select(db.func.count(Group.id))) == 1


def test_group_delete(as_admin, app_ctx):
    as_admin.post("/settings/groups/new", {"name": "Temp"})
    group = db.session.scalar(select(Group).where(Group.name == "Temp"))
    assert as_admin.post(f"/settings/groups/{group.id}/delete").status_code == 303
    assert db.session.scalar(select(Group).where(Group.name == "Temp")) is None


def test_names_are_escaped(as_admin, make_user):
    make_user(name="<script>alert(1)</script>")
    page = as_admin.get("/settings/users/").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
