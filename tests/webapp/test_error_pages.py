"""Error pages are titled with what went wrong, in the page's language, not a bare code.

The browser's tab and a screen reader announced "404 · Listening State"; the heading said
what the code means."""

from __future__ import annotations

import re

import pytest


def title(page: str) -> str:
    found = re.search(r"<title>(.*?)</title>", page, re.S)
    assert found, "no title"
    return found.group(1).strip()


@pytest.mark.parametrize(
    ("language", "wanted", "site"),
    [
        ("en", "Page not found (404)", "Listening State"),
        ("ru", "Страница не найдена (404)", "Слышащее государство"),
        ("kk", "Бет табылмады (404)", "Тыңдаушы мемлекет"),
    ],
)
def test_not_found_page_is_titled_with_its_heading(app, client, language, wanted, site):
    response = client.get("/no-such-page", headers={"Accept-Language": language})
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert title(page) == f"{wanted} · {site}"
    heading = wanted.rsplit(" (", 1)[0]
    assert f"<h1>{heading}</h1>" in page


def test_forbidden_page_is_titled_with_its_heading(app, client, make_user, sign_in):
    sign_in(make_user("council_member"))
    response = client.get("/surveys/", headers={"Accept-Language": "en"})
    assert response.status_code == 403
    assert title(response.get_data(as_text=True)) == (
        "You do not have access to this page (403) · Listening State"
    )
