"""``flask demo load``: the first-start sign-ins, pointed at the address the server uses."""

from __future__ import annotations

import pytest
from flask import Flask


@pytest.fixture
def without_loaders(app: Flask) -> Flask:
    # The domains' demo content is tested with each domain; here only the accounts matter.
    app.extensions["demo_loaders"] = []
    return app


def test_first_load_prints_one_sign_in_per_role_at_the_given_address(without_loaders):
    runner = without_loaders.test_cli_runner()
    result = runner.invoke(args=["demo", "load", "--server-url", "http://127.0.0.1:5077/"])
    assert result.exit_code == 0, result.output
    assert "Sign in at http://127.0.0.1:5077/sign-in with" in result.output
    for role in ("admin", "analyst", "council_member"):
        assert f"  {role} " in result.output
    again = runner.invoke(args=["demo", "load"])
    assert again.exit_code == 0
    assert "Demo accounts already exist" in again.output
    assert "Sign in at" not in again.output


def test_default_address_is_the_development_server(without_loaders):
    result = without_loaders.test_cli_runner().invoke(args=["demo", "load"])
    assert "Sign in at http://127.0.0.1:5000/sign-in with" in result.output
