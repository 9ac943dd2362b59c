"""The per-address sign-in limit holds back guessing, not colleagues signing in.

A council meeting or a ministry's office signs in from one address (one Wi-Fi, one NAT):
each successful sign-in counted against that address, so the eleventh member to sign in
within a minute, or the 51st of an office in an hour, was refused for up to an hour.
"""

from __future__ import annotations

import pytest

from tests.conftest import TEST_PASSWORD


@pytest.mark.app_config(RATELIMIT_ENABLED=True, SIGN_IN_RATE_LIMIT="3 per minute")
def test_successful_sign_ins_from_one_address_are_not_throttled(app, make_user):
    members = [make_user("council_member") for _ in range(6)]
    for member in members:
        client = app.test_client()  # a colleague's browser, the same address
        response = client.post("/sign-in", data={"email": member.email, "password": TEST_PASSWORD})
        assert response.status_code == 302, member.email
    # Failed attempts from the address are still limited, whoever they are for.
    guesser = app.test_client()
    statuses = [
        guesser.post(
            "/sign-in", data={"email": f"guess{n}@example.org", "password": "x"}
        ).status_code
        for n in range(4)
    ]
    assert statuses == [200, 200, 200, 429]
    blocked = app.test_client().post(
        "/sign-in", data={"email": members[0].email, "password": TEST_PASSWORD}
    )
    assert blocked.status_code == 429
