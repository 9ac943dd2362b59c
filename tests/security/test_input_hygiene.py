"""Input that every database chokes on is refused at the door, on SQLite and PostgreSQL alike.

Found by fuzzing: a NUL character anywhere in a request, or an id too large for an integer
column, reached a query and failed there (HTTP 500 on PostgreSQL; ids on SQLite too).
"""

from __future__ import annotations

import io

import pytest
from flask import Flask, url_for
from werkzeug.routing import AnyConverter, IntegerConverter, Rule

from tests.conftest import TEST_PASSWORD
from tests.fuzz.support import assert_no_server_error, changed_tables, table_counts
from webapp.security import MAX_DATABASE_ID, DatabaseIdConverter

NUL = "\x00"


def signed_in(app: Flask, make_user, role: str):
    user = make_user(role)
    client = app.test_client()
    response = client.post("/sign-in", data={"email": user.email, "password": TEST_PASSWORD})
    assert response.status_code == 302
    return client


def int_rules(app: Flask) -> list[Rule]:
    return [
        rule
        for rule in app.url_map.iter_rules()
        if any(isinstance(c, DatabaseIdConverter) for c in rule._converters.values())
    ]


def url_with_ids(app: Flask, rule: Rule, number: int) -> str:
    values: dict[str, object] = {}
    for name, converter in rule._converters.items():
        if isinstance(converter, DatabaseIdConverter):
            values[name] = number
        elif isinstance(converter, AnyConverter):
            values[name] = sorted(converter.items)[0]
        else:
            values[name] = "sample"
    with app.test_request_context():
        return url_for(rule.endpoint, **values)


def test_every_int_route_uses_the_bounded_converter(app: Flask) -> None:
    plain = [
        rule.rule
        for rule in app.url_map.iter_rules()
        for converter in rule._converters.values()
        if type(converter) is IntegerConverter
    ]
    assert plain == []
    assert len(int_rules(app)) >= 5


@pytest.mark.parametrize("number", [MAX_DATABASE_ID + 1, 10**20, 10**300])
def test_ids_too_large_for_the_database_are_404(app: Flask, make_user, number: int) -> None:
    admin = signed_in(app, make_user, "admin")
    checked = 0
    for rule in int_rules(app):
        url = url_with_ids(app, rule, number)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = admin.open(url, method=method)
            # 405 when a rule for another method matched the path first: refused all the same.
            assert response.status_code in {404, 405}, (method, url, response.status_code)
            checked += 1
    assert checked >= 5


def test_largest_database_id_is_still_routed(app: Flask, make_user) -> None:
    admin = signed_in(app, make_user, "admin")
    response = admin.get(f"/admin/users/{MAX_DATABASE_ID}")
    assert response.status_code == 404  # routed, looked up, not found
    assert "DatabaseIdConverter" not in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "method, path, data",
    [
        ("GET", "/s/a%00b", None),
        ("GET", "/api/v1/regions/KZ%00", None),
        ("GET", "/api/v1/indicators?domain=a%00b", None),
        ("GET", "/regions/?q=%00", None),
        ("POST", "/sign-in", {"email": f"a{NUL}@example.org", "password": "x"}),
        ("POST", "/sign-in", {"email": "a@example.org", f"pass{NUL}word": "x"}),
        ("POST", "/language", {"language": "kk", "next": f"/{NUL}"}),
        ("POST", "/s/x/r/00000000-0000-4000-8000-000000000000", {"page": "0", "a": NUL}),
    ],
)
def test_nul_characters_are_refused_with_400(app: Flask, method: str, path: str, data) -> None:
    before = table_counts(app)
    response = app.test_client().open(path, method=method, data=data)
    assert response.status_code == 400, response.status_code
    assert_no_server_error(response, path)
    assert changed_tables(before, table_counts(app)) == {}


def test_nul_in_an_upload_file_name_is_refused_but_not_in_its_content(
    app: Flask, make_user
) -> None:
    analyst = signed_in(app, make_user, "analyst")
    before = table_counts(app)
    response = analyst.post(
        "/risk/imports",
        data={"file": (io.BytesIO(b"region,period,value\n"), f"a{NUL}.csv"), "layout": "auto"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert changed_tables(before, table_counts(app)) == {}
    response = analyst.post(
        "/risk/imports",
        data={"file": (io.BytesIO(b"\x00\x01binary\x00"), "data.csv"), "layout": "auto"},
        content_type="multipart/form-data",
    )
    assert_no_server_error(response, "binary upload")
    assert response.status_code != 400 or "NUL" not in response.get_data(as_text=True)


@pytest.mark.parametrize("number", ["9" * 400, "-" + "9" * 400, "1e400", "0"])
def test_huge_numbers_in_integer_fields_are_refused_not_crashed(
    app: Flask, make_user, number: str
) -> None:
    """WTForms' NumberRange overflowed on a 400-digit integer (found by the form fuzzer)."""
    analyst = signed_in(app, make_user, "analyst")
    before = table_counts(app)
    response = analyst.post("/risk/training", data={"horizon": number, "n_origins": "3"})
    assert response.status_code == 400
    assert_no_server_error(response, number)
    assert "training_jobs" not in changed_tables(before, table_counts(app))


def test_safe_number_range_keeps_the_usual_message() -> None:
    from wtforms import Form, IntegerField

    from webapp.security import SafeNumberRange

    class Small(Form):
        value = IntegerField(validators=[SafeNumberRange(min=1, max=5)])

    from werkzeug.datastructures import MultiDict

    for text, valid in [("3", True), ("6", False), ("9" * 400, False), ("-" + "9" * 400, False)]:
        form = Small(MultiDict({"value": text}))
        assert form.validate() is valid, text
        if not valid:
            assert form.errors["value"] == ["Number must be between 1 and 5."]
