"""An adversarial trial: attacks tried as each role that found a weakness, kept as tests.

Each test failed before its fix. What held is in the trial's report, not here.
"""

from __future__ import annotations

import pytest

from tests.conftest import TEST_PASSWORD

#: ``next`` values a browser follows to another host although ``urlsplit`` sees a path:
#: browsers read ``\\`` as ``/`` and drop tabs and line breaks inside a URL.
OFF_SITE = ["/\\evil.example", "/\\/evil.example", "/\\\\evil.example/x", "/\t/evil.example"]


@pytest.mark.parametrize("target", OFF_SITE)
def test_sign_in_never_redirects_off_site(app, make_user, target) -> None:
    user = make_user("analyst")
    client = app.test_client()
    response = client.post(
        "/sign-in",
        query_string={"next": target},
        data={"email": user.email, "password": TEST_PASSWORD},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("target", OFF_SITE)
def test_language_switch_never_redirects_off_site(client, target) -> None:
    response = client.post("/language", data={"language": "ru", "next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_an_inside_address_is_still_followed(client) -> None:
    target = "/review/regions/KZ-ALA?period=2025-Q1&lang=ru"
    response = client.post("/language", data={"language": "ru", "next": target})
    assert response.headers["Location"] == target
