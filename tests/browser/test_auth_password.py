"""A one-time password in a browser: the change page it leads to, audited in three languages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.browser.conftest import (
    LANGUAGES,
    Account,
    AxeAudit,
    LiveApp,
    fail_on_serious,
    sign_in,
    switch_language,
)
from webapp.auth import services
from webapp.extensions import db

pytestmark = pytest.mark.browser

NEW_PASSWORD = "a phrase of my very own"


def submit(page: Any, current: str, new: str) -> None:
    page.locator("input[name=current_password]").fill(current)
    page.locator("input[name=new_password]").fill(new)
    page.locator("input[name=confirm_password]").fill(new)
    with page.expect_navigation():
        page.locator("main form.form button[type=submit]").click()


def test_a_one_time_password_leads_to_an_accessible_change_page(
    live_app: LiveApp, open_context: Any, axe: Callable[..., AxeAudit]
) -> None:
    with live_app.app.app_context():
        user, password = services.create_user("browser-one-time@example.org", "analyst")
        db.session.commit()
        account = Account(user.email, password)
    page = open_context(accessibility=True).new_page()
    sign_in(page, account)
    assert page.url.endswith("/account/password")
    audits = []
    for language in LANGUAGES:
        switch_language(page, language)
        audits.append(axe(page, "choose your own password"))
        submit(page, password, "too short")
        assert page.locator(".error-summary").count() == 1
        audits.append(axe(page, "choose your own password: errors"))
    switch_language(page, "en")

    submit(page, password, NEW_PASSWORD)
    assert page.url == f"{live_app.url}/"
    fail_on_serious(audits)
