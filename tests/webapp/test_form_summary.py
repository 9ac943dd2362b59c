"""The error summary above a form names the field of each message, in the page's language.

Two bare "This field is required." under "There is a problem" did not say which field was
meant; each entry now reads "Label: message" and links to its field."""

from __future__ import annotations

import html
import re

import pytest


def summary(page: str) -> list[tuple[str, str]]:
    block = re.search(r'class="error-summary".*?</ul>', page, re.S)
    assert block, "no error summary"
    return [
        (target, html.unescape(text).strip())
        for target, text in re.findall(r'<li><a href="#([^"]*)">([^<]*)</a></li>', block[0])
    ]


@pytest.mark.parametrize(
    ("language", "email", "password", "required"),
    [
        ("en", "E-mail", "Password", "This field is required."),
        ("ru", "E-mail", "Пароль", "Обязательное поле."),
        ("kk", "E-mail", "Құпиясөз", "Бұл өріс міндетті түрде керек."),
    ],
)
def test_sign_in_summary_names_each_missing_field(app, client, language, email, password, required):
    response = client.post(
        "/sign-in", data={"email": "", "password": ""}, headers={"Accept-Language": language}
    )
    page = response.get_data(as_text=True)
    assert summary(page) == [
        ("email", f"{email}: {required}"),
        ("password", f"{password}: {required}"),
    ]


def test_message_that_already_names_its_field_is_not_prefixed_twice(
    app, client, make_user, sign_in
):
    """Forms whose messages begin with their label keep them as written (no "Label: Label: ...")."""
    sign_in(make_user("admin"))
    response = client.post(
        "/admin/users",
        data={"email": "not-an-address", "role": "analyst"},
        headers={"Accept-Language": "en"},
    )
    entries = summary(response.get_data(as_text=True))
    assert entries, "no error listed"
    for target, text in entries:
        assert text.startswith("E-mail: ")
        assert not text.startswith("E-mail: E-mail")
        assert target == "email"
