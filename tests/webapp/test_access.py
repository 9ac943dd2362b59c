"""Every endpoint says who may use it, and the rule holds for anonymous and wrong-role users."""

from __future__ import annotations

import pytest
from flask import Flask
from werkzeug.routing import Rule

from tests.conftest import TEST_PASSWORD
from webapp.auth.access import access_rule
from webapp.auth.models import ROLE_VALUES

SAMPLE_ARGUMENTS = {"integer": 1, "float": 1.0, "uuid": "00000000-0000-0000-0000-000000000000"}


def concrete_url(app: Flask, rule: Rule) -> str:
    values = {}
    for name, converter in rule._converters.items():
        # By class and base classes, so that a subclass of IntegerConverter gets an integer.
        kinds = [cls.__name__.replace("Converter", "").lower() for cls in type(converter).__mro__]
        values[name] = next((SAMPLE_ARGUMENTS[k] for k in kinds if k in SAMPLE_ARGUMENTS), "sample")
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **values)


def protected_rules(app: Flask) -> list[tuple[Rule, frozenset[str]]]:
    rules = []
    for rule in app.url_map.iter_rules():
        is_public, roles = access_rule(app, rule.endpoint)
        if not is_public:
            rules.append((rule, roles))
    return rules


def test_every_endpoint_declares_who_may_use_it(app: Flask) -> None:
    undeclared = [
        rule.endpoint for rule, roles in protected_rules(app) if roles is None or not roles
    ]
    assert undeclared == [], f"endpoints without @public or @roles_required: {undeclared}"


def test_protected_endpoints_refuse_anonymous_and_wrong_roles(app, make_user) -> None:
    staff_clients = {}
    for role in ROLE_VALUES:
        staff = app.test_client()
        user = make_user(role)
        signed_in = staff.post("/sign-in", data={"email": user.email, "password": TEST_PASSWORD})
        assert signed_in.status_code == 302
        staff_clients[role] = staff
    anonymous = app.test_client()
    checked = 0
    for rule, roles in protected_rules(app):
        url = concrete_url(app, rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = anonymous.open(url, method=method)
            assert response.status_code in {302, 401}, (method, url, response.status_code)
            if response.status_code == 302:
                assert "/sign-in" in response.headers["Location"]
            for role in set(ROLE_VALUES) - set(roles):
                response = staff_clients[role].open(url, method=method)
                assert response.status_code == 403, (role, method, url, response.status_code)
            checked += 1
    assert checked >= 4


@pytest.mark.parametrize("path", ["/", "/healthz", "/sign-in", "/regions/"])
def test_public_pages_open_to_anyone(client, path: str) -> None:
    assert client.get(path).status_code == 200
