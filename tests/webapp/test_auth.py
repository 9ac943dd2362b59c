"""Staff accounts: creation, sign-in, throttling, and every attempt in the audit log."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import pytest
import sqlalchemy as sa

from tests.conftest import TEST_PASSWORD
from webapp.audit.models import AuditEvent
from webapp.auth import services
from webapp.auth.models import User
from webapp.extensions import db


def audit_actions(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)))


def test_sign_in_and_out_are_audited(app, client, make_user):
    user = make_user("analyst")
    response = client.post(
        "/sign-in", data={"email": user.email.upper(), "password": TEST_PASSWORD}
    )
    assert response.status_code == 302
    assert client.post("/sign-out").status_code == 302
    assert audit_actions(app)[-2:] == ["user.sign_in", "user.sign_out"]


def test_failed_sign_in_is_refused_and_audited(app, client, make_user):
    user = make_user("analyst")
    response = client.post("/sign-in", data={"email": user.email, "password": "wrong password"})
    assert response.status_code == 200
    assert "The e-mail or password is not right." in response.get_data(as_text=True)
    assert audit_actions(app)[-1] == "user.sign_in_failed"
    assert client.get("/admin/users").status_code == 302  # still anonymous


def test_disabled_account_cannot_sign_in(app, client, make_user):
    user = make_user("analyst")
    with app.app_context():
        services.set_enabled(db.session.get(User, user.id), False)
        db.session.commit()
    response = client.post("/sign-in", data={"email": user.email, "password": TEST_PASSWORD})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    # The right password: its owner is told why, not that the password is wrong.
    assert "This account is disabled. Ask an administrator to enable it again." in page
    assert "The e-mail or password is not right." not in page
    assert client.get("/admin/users").status_code == 302  # still anonymous
    page = client.post("/sign-in", data={"email": user.email, "password": "wrong password"})
    assert "The e-mail or password is not right." in page.get_data(as_text=True)
    with app.app_context():
        event = db.session.scalars(
            sa.select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)
        ).one()
        assert event.action == "user.sign_in_failed"
        assert event.details == {"email": user.email, "reason": "account disabled"}


def test_a_password_typed_into_the_email_field_is_not_logged(app, client, make_user):
    make_user("analyst")
    for typed in ("Secret-Passw0rd-2026", "my secret@phrase here"):
        client.post("/sign-in", data={"email": typed, "password": "x"})
    client.post("/sign-in", data={"email": "Nobody@Example.org", "password": "x"})
    with app.app_context():
        events = db.session.scalars(
            sa.select(AuditEvent)
            .where(AuditEvent.action == "user.sign_in_failed")
            .order_by(AuditEvent.id)
        ).all()
    assert [event.details["email"] for event in events] == [
        "(not an e-mail address)",
        "(not an e-mail address)",
        "nobody@example.org",
    ]


def test_passwords_are_stored_with_a_key_derivation_function(app, make_user):
    user = make_user("analyst")
    assert user.password_hash.startswith("scrypt:")
    assert TEST_PASSWORD not in user.password_hash


@pytest.mark.app_config(RATELIMIT_ENABLED=True)
def test_sign_in_attempts_are_rate_limited(app, make_user):
    user = make_user("analyst")
    client = app.test_client()
    statuses = [
        client.post("/sign-in", data={"email": user.email, "password": "wrong"}).status_code
        for _ in range(12)
    ]
    assert statuses[:10] == [200] * 10
    assert statuses[10:] == [429, 429]


@pytest.mark.app_config(RATELIMIT_ENABLED=True)
def test_failed_sign_ins_are_limited_per_account_from_any_address(app, make_user):
    user = make_user("analyst")
    other = make_user("analyst")
    client = app.test_client()

    def attempt(email: str, password: str, address: str) -> int:
        return client.post(
            "/sign-in",
            data={"email": email, "password": password},
            environ_base={"REMOTE_ADDR": address},
        ).status_code

    # A successful sign-in does not count against the account.
    assert attempt(user.email, TEST_PASSWORD, "10.0.0.200") == 302
    client.post("/sign-out", environ_base={"REMOTE_ADDR": "10.0.0.200"})
    statuses = [attempt(user.email.upper(), "wrong", f"10.0.0.{number}") for number in range(11)]
    assert statuses == [200] * 10 + [429]
    # Held back from a new address and with the right password too; other accounts are not.
    assert attempt(user.email, TEST_PASSWORD, "10.0.1.1") == 429
    assert attempt(other.email, TEST_PASSWORD, "10.0.1.1") == 302
    # An e-mail without an account is held back the same way (nothing told about accounts).
    statuses = [attempt("nobody@example.org", "x", f"10.0.2.{number}") for number in range(11)]
    assert statuses[-1] == 429


@pytest.mark.app_config(RATELIMIT_ENABLED=True)
def test_too_many_sign_ins_page_says_how_long_to_wait_in_the_visitors_language(app, make_user):
    user = make_user("analyst")
    client = app.test_client()
    client.post("/language", data={"language": "ru"})
    for number in range(10):
        client.post("/sign-in", data={"email": f"guess{number}@example.org", "password": "x"})
    response = client.post("/sign-in", data={"email": user.email, "password": TEST_PASSWORD})
    assert response.status_code == 429 and int(response.headers["Retry-After"]) <= 60
    page = response.get_data(as_text=True)
    assert "Слишком много попыток входа. Попробуйте снова через 1 минуту." in page
    assert 'name="password"' in page  # the form is there to try again later


@pytest.mark.app_config(RATELIMIT_ENABLED=True, SIGN_IN_RATE_LIMIT="2 per hour")
def test_an_hourly_limit_is_not_announced_as_a_minute(app):
    client = app.test_client()
    for _ in range(2):
        client.post("/sign-in", data={"email": "someone@example.org", "password": "x"})
    response = client.post("/sign-in", data={"email": "someone@example.org", "password": "x"})
    page = response.get_data(as_text=True)
    assert response.status_code == 429
    assert "Too many sign-in attempts. Try again in 60 minutes." in page
    assert "wait a minute" not in page


def test_next_parameter_never_leaves_the_site(client, make_user):
    user = make_user("admin")
    response = client.post(
        "/sign-in?next=https://evil.example/",
        data={"email": user.email, "password": TEST_PASSWORD},
    )
    assert response.headers["Location"] == "/"


def test_cli_creates_user_and_prints_password_once(app, runner):
    result = runner.invoke(args=["users", "create", "New.Analyst@Example.org", "--role", "analyst"])
    assert result.exit_code == 0, result.output
    password = re.search(r"Password \(shown once\): (\S+)", result.output).group(1)
    with app.app_context():
        user = services.find_user("new.analyst@example.org")
        assert user.role == "analyst"
        assert user.check_password(password)


def test_cli_prompts_for_password_when_asked(app, runner):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "council@example.org",
            "--role",
            "council_member",
            "--password-prompt",
        ],
        input="a long enough secret\na long enough secret\n",
    )
    assert result.exit_code == 0, result.output
    assert "shown once" not in result.output
    with app.app_context():
        assert services.find_user("council@example.org").check_password("a long enough secret")


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["someone@example.org", "--role", "superuser"], "Unknown role 'superuser'"),
        (["not-an-email", "--role", "analyst"], "is not a valid e-mail address"),
    ],
)
def test_cli_refuses_bad_input_and_changes_nothing(app, runner, arguments, message):
    result = runner.invoke(args=["users", "create", *arguments])
    assert result.exit_code != 0
    assert message in result.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_cli_refuses_duplicate_email(app, runner, make_user):
    make_user("analyst", email="taken@example.org")
    result = runner.invoke(args=["users", "create", "TAKEN@example.org", "--role", "admin"])
    assert result.exit_code != 0
    assert "already exists" in result.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1


def test_role_constraint_lives_in_the_database(app_context):
    db.session.add(User(email="x@example.org", role="superuser", password_hash="x"))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_admin_creates_and_changes_accounts(app, client, make_user, sign_in):
    admin = make_user("admin")
    sign_in(admin)
    response = client.post(
        "/admin/users", data={"email": "member@example.org", "role": "council_member"}
    )
    assert response.status_code == 302
    page = client.get("/admin/users").get_data(as_text=True)
    assert "member@example.org" in page
    assert "one-time password" in page
    with app.app_context():
        member = services.find_user("member@example.org")
        member_id = member.id
    response = client.post(f"/admin/users/{member_id}", data={"role": "analyst", "enabled": "y"})
    assert response.status_code == 302
    duplicate = client.post("/admin/users", data={"email": "member@example.org", "role": "admin"})
    assert "already exists" in duplicate.get_data(as_text=True)
    assert audit_actions(app)[-2:] == ["user.create", "user.change_role"]


def test_admin_resets_a_password_on_the_account_page_and_its_sessions_end(
    app, client, make_user, sign_in
):
    admin = make_user("admin")
    member = make_user("council_member")
    member_client = app.test_client()
    remembered = member_client.post(
        "/sign-in", data={"email": member.email, "password": TEST_PASSWORD, "remember": "y"}
    )
    assert remembered.status_code == 302
    assert member_client.get("/review/").status_code != 302
    sign_in(admin)
    page = client.get(f"/admin/users/{member.id}").get_data(as_text=True)
    assert f'action="/admin/users/{member.id}/reset-password"' in page
    response = client.post(f"/admin/users/{member.id}/reset-password", follow_redirects=True)
    text = response.get_data(as_text=True)
    password = re.search(r"New one-time password for \S+: (\S+) —", text).group(1)
    with app.app_context():
        assert db.session.get(User, member.id).check_password(password)
    assert audit_actions(app)[-1] == "user.reset_password"
    # The old session and its remember-me cookie no longer sign anyone in.
    assert member_client.get("/review/").headers["Location"].startswith("/sign-in")
    member_client.delete_cookie("session")
    assert member_client.get("/review/").headers["Location"].startswith("/sign-in")
    assert (
        app.test_client()
        .post("/sign-in", data={"email": member.email, "password": password})
        .status_code
        == 302
    )
    # Only administrators may reset passwords.
    assert member_client.post(f"/admin/users/{admin.id}/reset-password").status_code == 302


def test_cli_password_reset_ends_the_accounts_sessions(app, client, runner, make_user, sign_in):
    analyst = make_user("analyst")
    sign_in(analyst)
    assert client.get("/risk/imports").status_code == 200
    result = runner.invoke(args=["users", "reset-password", analyst.email])
    assert result.exit_code == 0, result.output
    assert client.get("/risk/imports").status_code == 302


def test_account_list_heads_the_persons_name_as_a_name_in_russian(app, client, make_user, sign_in):
    sign_in(make_user("admin"))
    client.post("/language", data={"language": "ru"})
    page = client.get("/admin/users").get_data(as_text=True)
    assert ">Имя</th>" in page and "Название" not in page


def test_admin_cannot_remove_own_admin_access(app, client, make_user, sign_in):
    admin = make_user("admin")
    sign_in(admin)
    response = client.post(f"/admin/users/{admin.id}", data={"role": "analyst", "enabled": "y"})
    assert response.status_code == 200
    assert "cannot remove your own administrator access" in response.get_data(as_text=True)


def test_an_anonymous_session_is_not_rewritten_on_every_request(app, client):
    """The session protection has nothing to check without a signed-in user: an anonymous
    visitor's session (a CSRF token) is sent once, not again with every response."""
    first = client.get("/s/")
    assert any(c.startswith("session=") for c in first.headers.getlist("Set-Cookie"))
    for _ in range(2):
        again = client.get("/s/", headers={"User-Agent": "another browser"})
        assert again.headers.getlist("Set-Cookie") == []


def test_a_signed_in_session_used_elsewhere_is_dropped_with_its_remember_cookie(
    app, client, make_user
):
    """'Strong' session protection: the session (and the remember-me cookie) of a signed-in
    user, presented by another browser, signs nobody in and is cleared."""
    user = make_user("analyst")
    response = client.post(
        "/sign-in", data={"email": user.email, "password": TEST_PASSWORD, "remember": "y"}
    )
    assert response.status_code == 302
    assert any(c.startswith("remember_token=") for c in response.headers.getlist("Set-Cookie"))
    assert client.get("/admin/users").status_code == 403  # signed in (an analyst)

    elsewhere = client.get("/admin/users", headers={"User-Agent": "a stolen copy"})
    assert elsewhere.status_code == 302  # to the sign-in page: nobody is signed in
    cookies = elsewhere.headers.getlist("Set-Cookie")
    assert any(c.startswith("remember_token=;") and "Max-Age=0" in c for c in cookies)
    assert client.get("/admin/users").status_code == 302  # and the session stays dropped


def test_an_idle_staff_session_ends_and_asks_for_the_password_again(app, client, make_user):
    admin = make_user("admin")
    assert (
        client.post("/sign-in", data={"email": admin.email, "password": TEST_PASSWORD}).status_code
        == 302
    )
    assert client.get("/admin/users").status_code == 200
    idle = app.config["STAFF_IDLE_TIMEOUT"].total_seconds()
    with client.session_transaction() as stored:
        stored["last_seen"] -= idle - 120  # used two minutes before the limit: still in
    assert client.get("/admin/users").status_code == 200
    with client.session_transaction() as stored:
        stored["last_seen"] -= idle + 1
    response = client.get("/admin/users")
    assert response.status_code == 302
    assert response.headers["Location"] == "/sign-in?next=/admin/users"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "You were signed out after a while without activity." in page
    assert client.get("/admin/users").status_code == 302  # signed out for good


def test_keep_me_signed_in_lasts_two_weeks_and_is_not_cut_by_the_idle_limit(app, client, make_user):
    admin = make_user("admin")
    response = client.post(
        "/sign-in", data={"email": admin.email, "password": TEST_PASSWORD, "remember": "y"}
    )
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("remember"))
    expires = re.search(r"Expires=([^;]+)", cookie).group(1)
    days = (parsedate_to_datetime(expires) - datetime.now(UTC)).days
    assert 13 <= days <= 14
    with client.session_transaction() as stored:
        idle = app.config["STAFF_IDLE_TIMEOUT"].total_seconds()
        stored["last_seen"] = datetime.now(UTC).timestamp() - idle - 1
    assert client.get("/admin/users").status_code == 200


def test_cli_disables_and_enables_an_account(app, client, runner, make_user, sign_in):
    analyst = make_user("analyst")
    sign_in(analyst)
    result = runner.invoke(args=["users", "disable", analyst.email.upper()])
    assert result.exit_code == 0 and "disabled" in result.output, result.output
    assert client.get("/risk/imports").status_code == 302  # its session ended
    listed = runner.invoke(args=["users", "list"]).output
    assert f"{analyst.email}\tanalyst\tdisabled" in listed
    assert runner.invoke(args=["users", "enable", analyst.email]).exit_code == 0
    assert audit_actions(app)[-2:] == ["user.disable", "user.enable"]
    missing = runner.invoke(args=["users", "disable", "nobody@example.org"])
    assert missing.exit_code != 0 and "No account for nobody@example.org." in missing.output


@pytest.mark.parametrize(
    ("language", "said"),
    [
        ("en", "The page you opened is for staff and public council members: sign in to see it."),
        ("ru", "Открытая вами страница — для сотрудников и членов общественных советов"),
        ("kk", "Сіз ашқан бет қызметкерлер мен қоғамдық кеңес мүшелеріне арналған"),
    ],
)
def test_sign_in_says_why_when_a_protected_page_sent_you_there(app, client, language, said):
    """A council member following a link to /review/ landed on a bare sign-in form."""
    headers = {"Accept-Language": language}
    sent = client.get("/review/", headers=headers, follow_redirects=True)
    assert sent.request.path == "/sign-in"
    assert said in sent.get_data(as_text=True)
    plain = client.get("/sign-in", headers=headers).get_data(as_text=True)
    assert said not in plain
    # A next that leads off the site is not followed, and not announced either.
    assert said not in client.get("/sign-in?next=//evil.example/", headers=headers).get_data(
        as_text=True
    )


def test_account_list_says_in_which_zone_the_last_sign_in_is(app, client, make_user, sign_in):
    """The list showed the last sign-in in the platform's zone without saying so, beside an
    audit log in UTC: 09:00 UTC read as "9:00 AM" on one page and "2:00 PM" on the other."""
    admin = make_user("admin")
    member = make_user("council_member", email="member@example.org")
    with app.app_context():
        db.session.get(User, member.id).last_sign_in_at = datetime(2026, 3, 5, 9, 0, tzinfo=UTC)
        db.session.commit()
    sign_in(admin)
    page = client.get("/admin/users?lang=en").get_data(as_text=True)
    row = re.search(r"member@example\.org</a>.*?</tr>", page, re.S).group(0)
    assert "2:00" in row and "(Almaty time, UTC+5)" in row, row
