"""One-time passwords: a handed-over password must be replaced by its holder at first sign-in.

An administrator's new account or reset shows a "one-time password"; it used to work for
ever. Now it leads to the change-password page, which every other page redirects to until the
holder has chosen their own. Passwords typed by their holder (``--password-prompt``) and the
demo's accounts (printed to the person who runs it) are not one-time.
"""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import TEST_PASSWORD
from webapp.audit.models import AuditEvent
from webapp.auth import services
from webapp.auth.models import User
from webapp.extensions import db

CHANGE_PAGE = "/account/password"
NEW_PASSWORD = "a phrase of my very own"


def last_event(action: str) -> AuditEvent | None:
    return db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id.desc())
    ).first()


# --------------------------------------------------------------------------- services


def test_a_generated_password_is_one_time_and_a_typed_one_is_not(app_context):
    handed_over, _ = services.create_user("member@example.org", "council_member")
    typed, _ = services.create_user("analyst@example.org", "analyst", TEST_PASSWORD)
    demo_like, _ = services.create_user("demo@example.org", "admin", one_time=False)
    assert handed_over.must_change_password is True
    assert typed.must_change_password is False
    assert demo_like.must_change_password is False

    services.reset_password(typed)
    assert typed.must_change_password is True
    services.reset_password(handed_over, "typed by the operator")
    assert handed_over.must_change_password is False


def test_the_flag_defaults_to_false_in_the_database(app_context):
    """Rows written without it (the migration's existing accounts) are not flagged."""
    db.session.execute(
        sa.insert(User.__table__).values(
            email="old@example.org", role="analyst", password_hash="x", display_name=""
        )
    )
    db.session.expire_all()
    assert services.find_user("old@example.org").must_change_password is False


def test_choosing_a_password_checks_the_rules_then_clears_the_flag(app_context):
    user, one_time = services.create_user("member@example.org", "council_member")
    db.session.commit()
    stamp = user.password_stamp

    with pytest.raises(services.WrongPassword):
        services.choose_password(user, "not the one-time password", NEW_PASSWORD)
    assert last_event("user.change_password_failed").target_id == str(user.id)
    with pytest.raises(services.PasswordTooShort):
        services.choose_password(user, one_time, "x" * (services.MINIMUM_PASSWORD_LENGTH - 1))
    with pytest.raises(services.SamePassword):
        services.choose_password(user, one_time, one_time)
    assert user.must_change_password is True
    assert user.check_password(one_time)
    assert last_event("user.change_password") is None

    services.choose_password(user, one_time, NEW_PASSWORD)
    db.session.commit()
    assert user.must_change_password is False
    assert user.check_password(NEW_PASSWORD) and not user.check_password(one_time)
    assert user.password_stamp != stamp  # sessions made with the one-time password end
    event = last_event("user.change_password")
    assert (event.actor_id, event.target_id, event.details) == (
        user.id,
        str(user.id),
        {"one_time": True},
    )


def test_demo_accounts_are_not_one_time(app_context):
    from webapp.demo.services import DEMO_ACCOUNTS, ensure_demo_accounts

    created = ensure_demo_accounts()
    assert len(created) == len(DEMO_ACCOUNTS)
    assert [services.find_user(email).must_change_password for email, _, _ in created] == [
        False
    ] * len(DEMO_ACCOUNTS)


# --------------------------------------------------------------------------- requests


@pytest.fixture
def one_time_member(app: Flask, client: FlaskClient, make_user, sign_in) -> tuple[str, str]:
    """A council member created on /admin/users: (e-mail, the one-time password shown)."""
    sign_in(make_user("admin"))
    response = client.post(
        "/admin/users",
        data={"email": "member@example.org", "role": "council_member"},
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    password = re.search(r"Its one-time password is (\S+) —", page).group(1)
    assert "its holder is asked to choose their own password" in page
    assert "one-time password not yet replaced" in page
    client.post("/sign-out")
    return "member@example.org", password


def test_signing_in_with_a_one_time_password_leads_to_the_change_page(app: Flask, one_time_member):
    email, password = one_time_member
    member = app.test_client()
    response = member.post("/sign-in", data={"email": email, "password": password})
    assert response.headers["Location"] == CHANGE_PAGE
    page = member.get(CHANGE_PAGE).get_data(as_text=True)
    assert "<h1>Choose your own password</h1>" in page
    assert ">One-time password</label>" in page
    assert 'autocomplete="new-password"' in page

    # Every other page, staff or public, leads there, and says where it was going.
    assert member.get("/review/").headers["Location"] == f"{CHANGE_PAGE}?next=/review/"
    assert member.get("/").headers["Location"] == f"{CHANGE_PAGE}?next=/"
    assert member.get("/s/").headers["Location"] == f"{CHANGE_PAGE}?next=/s/"
    assert member.post("/sign-in", data={}).headers["Location"] == CHANGE_PAGE
    # Except the language switch, static files, and the open-data API (which authenticates
    # nobody: it answers this session as it answers anyone).
    switched = member.post("/language", data={"language": "ru", "next": CHANGE_PAGE})
    assert switched.headers["Location"] == CHANGE_PAGE
    assert "Выберите собственный пароль" in member.get(CHANGE_PAGE).get_data(as_text=True)
    assert member.get("/static/favicon.svg").status_code == 200
    api = member.get("/api/v1/domains")
    assert api.status_code == 200 and api.is_json
    assert api.get_json() == app.test_client().get("/api/v1/domains").get_json()
    # And signing out.
    assert member.post("/sign-out").headers["Location"] == "/"
    assert member.get("/review/").headers["Location"].startswith("/sign-in")


def test_the_change_page_refuses_a_bad_new_password(app: Flask, one_time_member):
    email, password = one_time_member
    member = app.test_client()
    member.post("/sign-in", data={"email": email, "password": password})

    def attempt(current: str, new: str, again: str | None = None) -> str:
        response = member.post(
            CHANGE_PAGE,
            data={
                "current_password": current,
                "new_password": new,
                "confirm_password": new if again is None else again,
            },
        )
        assert response.status_code == 200
        return response.get_data(as_text=True)

    assert "The one-time password is not right." in attempt("wrong", NEW_PASSWORD)
    assert "At least 12 characters." in attempt(password, "too short")
    assert "not the one-time password" in attempt(password, password)
    assert "The two new passwords are not the same." in attempt(
        password, NEW_PASSWORD, NEW_PASSWORD + "!"
    )
    with app.app_context():
        user = services.find_user(email)
        assert user.must_change_password and user.check_password(password)
    assert member.get("/review/").headers["Location"].startswith(CHANGE_PAGE)


def test_choosing_a_password_opens_the_site_and_ends_the_one_time_password(
    app: Flask, one_time_member
):
    email, password = one_time_member
    member = app.test_client()
    other_device = app.test_client()
    response = member.post(
        "/sign-in?next=/review/", data={"email": email, "password": password, "remember": "y"}
    )
    assert response.headers["Location"] == f"{CHANGE_PAGE}?next=/review/"
    other_device.post("/sign-in", data={"email": email, "password": password})

    response = member.post(
        f"{CHANGE_PAGE}?next=/review/",
        data={
            "current_password": password,
            "new_password": NEW_PASSWORD,
            "confirm_password": NEW_PASSWORD,
        },
    )
    assert response.headers["Location"] == "/review/"
    # This session goes on, with a new remember-me cookie (the old one named the old password).
    assert any(c.startswith("remember_token=") for c in response.headers.getlist("Set-Cookie"))
    assert member.get("/review/").status_code == 200
    member.delete_cookie("session")
    assert member.get("/review/").status_code == 200  # signed in again by the new cookie
    # Sessions made with the one-time password end, as on any password change.
    assert other_device.get("/review/").headers["Location"].startswith("/sign-in")
    # The one-time password no longer signs in; the new one signs in straight to the site.
    fresh = app.test_client()
    assert fresh.post("/sign-in", data={"email": email, "password": password}).status_code == 200
    response = fresh.post("/sign-in", data={"email": email, "password": NEW_PASSWORD})
    assert response.headers["Location"] == "/review/"  # a council member's home
    with app.app_context():
        assert services.find_user(email).must_change_password is False
        assert last_event("user.change_password").details == {"one_time": True}


def test_an_admin_reset_makes_the_password_one_time_again(
    app: Flask, client: FlaskClient, make_user, sign_in
):
    analyst = make_user("analyst")
    sign_in(make_user("admin"))
    page = client.post(f"/admin/users/{analyst.id}/reset-password", follow_redirects=True).get_data(
        as_text=True
    )
    password = re.search(r"New one-time password for \S+: (\S+) —", page).group(1)
    assert "its holder is asked to choose their own password" in page
    response = app.test_client().post(
        "/sign-in", data={"email": analyst.email, "password": password}
    )
    assert response.headers["Location"] == CHANGE_PAGE


def test_an_account_with_its_own_password_is_not_sent_to_the_change_page(
    app: Flask, client: FlaskClient, make_user, sign_in
):
    analyst = make_user("analyst")
    sign_in(analyst)
    imports = client.get("/risk/imports")
    assert imports.status_code == 200
    # Every page's header leads there: the signed-in name is the link.
    assert re.search(
        r'<a class="who" href="/account/password">[^<]+<span class="visually-hidden">: '
        r"Change your password</span></a>",
        imports.get_data(as_text=True),
    )
    # The page is open to it for a change of its own choosing, asking the current password.
    page = client.get(CHANGE_PAGE).get_data(as_text=True)
    assert "<h1>Change your password</h1>" in page and ">Current password</label>" in page
    wrong = client.post(
        CHANGE_PAGE,
        data={
            "current_password": "wrong",
            "new_password": NEW_PASSWORD,
            "confirm_password": NEW_PASSWORD,
        },
    )
    assert "The current password is not right." in wrong.get_data(as_text=True)
    response = client.post(
        CHANGE_PAGE,
        data={
            "current_password": TEST_PASSWORD,
            "new_password": NEW_PASSWORD,
            "confirm_password": NEW_PASSWORD,
        },
    )
    assert response.headers["Location"] == "/"
    assert client.get("/risk/imports").status_code == 200
    with app.app_context():
        assert last_event("user.change_password").details == {"one_time": False}


def test_demo_sign_ins_open_the_site_straight_away(app: Flask):
    """README's first command prints these; the person who ran it signs in with them."""
    app.extensions["demo_loaders"] = []  # only the accounts matter here
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    sign_ins = re.findall(r"^  (\w+)\s+(\S+@\S+)\s+(\S+)$", result.output, re.MULTILINE)
    assert {role for role, _, _ in sign_ins} == {"admin", "analyst", "council_member"}
    for _role, email, password in sign_ins:
        client = app.test_client()
        response = client.post("/sign-in", data={"email": email, "password": password})
        assert response.status_code == 302
        assert not response.headers["Location"].startswith(CHANGE_PAGE)
        assert client.get(response.headers["Location"]).status_code == 200


# --------------------------------------------------------------------------- command line


def test_cli_generated_passwords_are_one_time_and_typed_ones_are_not(app: Flask, runner):
    created = runner.invoke(args=["users", "create", "member@example.org", "--role", "analyst"])
    assert "at first sign-in its holder chooses their own" in created.output
    typed = runner.invoke(
        args=["users", "create", "me@example.org", "--role", "admin", "--password-prompt"],
        input="my own long secret\nmy own long secret\n",
    )
    assert typed.exit_code == 0, typed.output
    with app.app_context():
        assert services.find_user("member@example.org").must_change_password is True
        assert services.find_user("me@example.org").must_change_password is False

    reset = runner.invoke(args=["users", "reset-password", "me@example.org"])
    assert "at first sign-in its holder chooses their own" in reset.output
    with app.app_context():
        assert services.find_user("me@example.org").must_change_password is True
    typed_reset = runner.invoke(
        args=["users", "reset-password", "me@example.org", "--password-prompt"],
        input="another long secret\nanother long secret\n",
    )
    assert typed_reset.exit_code == 0, typed_reset.output
    assert "shown once" not in typed_reset.output
    with app.app_context():
        user = services.find_user("me@example.org")
        assert user.must_change_password is False
        assert user.check_password("another long secret")
    short = runner.invoke(
        args=["users", "reset-password", "me@example.org", "--password-prompt"],
        input="short\nshort\n",
    )
    assert short.exit_code != 0 and "at least 12 characters" in short.output
