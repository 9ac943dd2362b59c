"""Fuzz fixtures: one SQLite app per module, filled with one of everything a form can touch.

Hypothesis runs many examples per test, so the app, the accounts and the data are built once
per module (a function-scoped app per example would cost seconds each). Unhandled exceptions
propagate (``PROPAGATE_EXCEPTIONS``): a crash fails the example with its traceback instead of
hiding behind the 500 page. Property checks run on the accumulated rows after each target.

Cases run per target are counted in ``support.CASES`` and printed at the end of the session.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import TEST_PASSWORD
from tests.fuzz import support


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if support.CASES:
        terminalreporter.section("fuzz cases per target")
        for target, count in sorted(support.CASES.items()):
            terminalreporter.write_line(f"{count:6d}  {target}")
        total = sum(n for target, n in support.CASES.items() if ", of which" not in target)
        terminalreporter.write_line(f"{total:6d}  total")


class World:
    """Ids of the data every fuzz module can aim at, and signed-in session cookies."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.sessions: dict[str, str] = {}
        self.ids: dict[str, Any] = {}
        #: role -> (pages, forms) found by the crawler in tests/fuzz/test_forms.py
        self.crawls: dict[str | None, Any] = {}
        #: account key -> password hash at sign-in (see ``reset``)
        self.password_hashes: dict[str, str] = {}

    def reset(self) -> None:
        """Undo what earlier fuzz cases did to the fixtures: re-enable the accounts with
        their roles and passwords (a reset password ends the account's sessions, and so the
        signed-in cookies), restore council memberships, reopen both surveys without dates."""
        from webapp.auth.models import User
        from webapp.extensions import db
        from webapp.surveys import councils
        from webapp.surveys.models import Council, Survey

        with self.app.app_context():
            for key, user_id in self.ids["users"].items():
                user = db.session.get(User, user_id)
                user.is_enabled = True
                user.role = role_of(key)
                user.password_hash = self.password_hashes[key]
            for key, council_key in (
                ("council_member", "council"),
                ("council_member2", "other_council"),
            ):
                if councils.find_membership(self.ids[council_key], self.ids["users"][key]) is None:
                    council = db.session.get(Council, self.ids[council_key])
                    councils.add_member(council, support.ACCOUNTS[key])
            for key in ("public_survey", "council_survey"):
                survey = db.session.get(Survey, self.ids[key])
                survey.state = "open"
                survey.opens_at = survey.closes_at = None
            db.session.commit()
            db.session.remove()

    def client(self, role: str | None = None) -> FlaskClient:
        """A fresh test client, signed in as ``role`` (cookie reused: no password hashing)."""
        client = self.app.test_client()
        if role is not None:
            client.set_cookie("session", self.sessions[role])
        return client


def role_of(account: str) -> str:
    """``council_member2`` -> ``council_member``, ``analyst2`` -> ``analyst``."""
    return account.rstrip("0123456789")


def build_app(directory: Path) -> Flask:
    from webapp import create_app
    from webapp.database import create_schema

    app = create_app(
        {
            "TESTING": True,
            "PROPAGATE_EXCEPTIONS": True,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{directory / 'fuzz.sqlite3'}",
            "SECRET_KEY": "fuzz-secret-key",
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "MODEL_REGISTRY_DIR": str(directory / "model-registry"),
            "INSTANCE_PATH": str(directory / "instance"),
        }
    )
    with app.app_context():
        create_schema()
    return app


def populate(world: World) -> None:
    """Accounts of every role, councils, an open public and council survey, a published run
    with a comment: enough for every page and form to have something real to work on."""
    from tests.webapp.review.materialised import materialise_run
    from webapp.auth.services import create_user
    from webapp.extensions import db
    from webapp.regions.services import all_regions, load_regions
    from webapp.review.comments import add_comment
    from webapp.surveys import councils
    from webapp.surveys.services import authoring

    app = world.app
    with app.app_context():
        load_regions()
        users = {}
        for role, email in support.ACCOUNTS.items():
            user, _ = create_user(email, role_of(role), TEST_PASSWORD)
            users[role] = user
        db.session.flush()
        body = councils.create_state_body(
            councils.Names("Министрлік", "Министерство", "Ministry"), "republican"
        )
        council = councils.create_council(councils.Names("Кеңес", "Совет", "Council"), body.id)
        other = councils.create_council(councils.Names("Басқа", "Другой", "Other"), body.id)
        councils.add_member(council, users["council_member"].email)
        councils.add_member(other, users["council_member2"].email)
        public = authoring.create_survey(
            authoring.read_definition(support.survey_xlsx(), "fuzz.xlsx"), slug="fuzz-public"
        )
        authoring.open_survey(public)
        feedback = authoring.create_survey(
            authoring.read_definition(support.survey_xlsx(form_id="feedback"), "feedback.xlsx"),
            slug="fuzz-council",
            audience="council",
            state_body_id=body.id,
        )
        authoring.open_survey(feedback)
        db.session.commit()
        codes = tuple(region.code for region in all_regions() if region.is_current)
        run = materialise_run("run-fuzz", codes, active=True)
        from webapp.regions.models import Region
        from webapp.risk.models import RiskModelRun

        comment = add_comment(
            db.session.get(RiskModelRun, run.run_id),
            db.session.get(Region, codes[0]),
            run.periods[-1],
            "agree",
            "A first comment",
            users["council_member"],
        )
        db.session.commit()
        world.ids.update(
            users={role: user.id for role, user in users.items()},
            state_body=body.id,
            council=council.id,
            other_council=other.id,
            public_survey=public.id,
            council_survey=feedback.id,
            run=run.run_id,
            periods=run.periods,
            region=codes[0],
            comment=comment.id,
        )
        world.password_hashes.update({key: user.password_hash for key, user in users.items()})
        db.session.remove()
    for role in ("admin", "analyst", "council_member"):
        client = app.test_client()
        response = client.post(
            "/sign-in", data={"email": support.ACCOUNTS[role], "password": TEST_PASSWORD}
        )
        assert response.status_code == 302, response.status_code
        world.sessions[role] = client.get_cookie("session").value


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    from webapp.extensions import db

    directory = tmp_path_factory.mktemp("fuzz")
    app = build_app(directory)
    built = World(app)
    populate(built)
    yield built
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="session")
def fuzz_app(world: World) -> Flask:
    return world.app
