"""An adversarial trial: attacks tried as each role that found a weakness, kept as tests.

Each test failed before its fix. What held is in the trial's report, not here.
"""

from __future__ import annotations

import csv
import io

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


def test_the_catalogue_csv_does_not_hand_on_an_analysts_formula(app, make_user) -> None:
    """An analyst uploads a catalogue whose names and source are spreadsheet formulas; the
    catalogue CSV another analyst downloads (and opens in Excel) must not run them. Numbers
    (direction -1) stay numbers, so the file still uploads as a template."""
    from pathlib import Path

    rows = (
        Path(__file__)
        .parents[2]
        .joinpath("forecasting/data/indicators.csv")
        .read_text(encoding="utf-8")
        .splitlines()
    )
    header, first = rows[0].split(","), rows[1].split(",")
    first[header.index("name_en")] = '"=HYPERLINK(""http://evil.example"",""x"")"'
    first[header.index("source")] = "@SUM(1+1)*cmd|' /C calc'!A0"
    rows[1] = ",".join(first)
    analyst = make_user("analyst")
    client = app.test_client()
    client.post("/sign-in", data={"email": analyst.email, "password": TEST_PASSWORD})
    uploaded = client.post(
        "/risk/catalogue",
        data={"file": (io.BytesIO("\n".join(rows).encode()), "catalogue.csv")},
        content_type="multipart/form-data",
    )
    assert uploaded.status_code == 302
    exported = list(csv.DictReader(io.StringIO(client.get("/risk/catalogue.csv").text)))
    cells = [value for row in exported for value in row.values() if value]
    assert not [cell for cell in cells if cell.startswith(("=", "+", "@", "\t", "\r"))]
    assert not [
        c for c in cells if c.startswith("-") and not c.lstrip("-").replace(".", "").isdigit()
    ]
    assert exported[0]["name_en"] == '\'=HYPERLINK("http://evil.example","x")'
    assert {row["direction"] for row in exported} <= {"1", "-1"}
    assert "-1" in {row["direction"] for row in exported}
    again = client.post(
        "/risk/catalogue",
        data={"file": (io.BytesIO(client.get("/risk/catalogue.csv").data), "again.csv")},
        content_type="multipart/form-data",
    )
    assert again.status_code == 302


def test_a_huge_xlsform_is_refused_before_it_is_read_into_memory(tmp_path, monkeypatch) -> None:
    """A 2 MB workbook of 150,000 rows (a 10 MB one holds ~750,000) cost 15 s and ~150 MB
    before the 5,000-row limit refused it: pyxform first read every row into dicts. The row
    count is now checked while streaming the sheet, stopping at the limit, and pyxform is
    never asked to read such a file."""
    from openpyxl import Workbook

    from webapp.surveys import xlsform

    read_by_pyxform = []
    original = xlsform.xlsx_to_dict
    monkeypatch.setattr(
        xlsform, "xlsx_to_dict", lambda *args: read_by_pyxform.append(1) or original(*args)
    )
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("survey")
    sheet.append(["type", "name", "label"])
    for number in range(150_000):
        sheet.append(["text", f"q{number}", "x"])
    workbook.create_sheet("choices").append(["list_name", "name", "label"])
    path = tmp_path / "huge.xlsx"
    workbook.save(path)
    with pytest.raises(xlsform.XLSFormError) as refused:
        xlsform.read_xlsform(path.read_bytes(), "huge.xlsx")
    problem = refused.value.problems[0]
    assert problem.sheet == "survey"
    assert str(xlsform.MAX_SURVEY_ROWS) in problem.message
    assert read_by_pyxform == []


@pytest.mark.app_config(RATELIMIT_ENABLED=True)
def test_a_stolen_session_cannot_guess_the_password_without_limit(app, make_user) -> None:
    """Sign-in allows 10 wrong passwords per account per 15 minutes; /account/password asked
    for the current password without any limit, so whoever held a session (a stolen cookie,
    a computer left signed in) could guess it there, then change it and keep the account."""
    from webapp.config import DefaultConfig

    user = make_user("analyst")
    client = app.test_client()
    client.post("/sign-in", data={"email": user.email, "password": TEST_PASSWORD})
    allowed = int(DefaultConfig.SIGN_IN_ACCOUNT_RATE_LIMIT.split()[0])
    new = "a new and long enough password"
    statuses = [
        client.post(
            "/account/password",
            data={"current_password": f"guess {n}", "new_password": new, "confirm_password": new},
        ).status_code
        for n in range(allowed)
    ]
    assert set(statuses) == {200}, statuses  # the form again, saying the password is wrong
    guessed = client.post(
        "/account/password",
        data={"current_password": TEST_PASSWORD, "new_password": new, "confirm_password": new},
    )
    assert guessed.status_code == 429
    assert "Retry-After" in guessed.headers or "X-RateLimit-Reset" in guessed.headers
    page = guessed.get_data(as_text=True)
    assert 'name="current_password"' in page  # the password page, not the sign-in form
    assert "Too many" in page
    # The password did not change: the old one still signs in elsewhere.
    other = app.test_client()
    signed = other.post("/sign-in", data={"email": user.email, "password": TEST_PASSWORD})
    assert signed.status_code == 302
