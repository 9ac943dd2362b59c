"""The analyst's risk forms are checked by the server, in the page's language.

Without ``novalidate`` the browser stopped an empty upload or a horizon of 0 with its own
bubble, in the browser's language ("Please select a file." on a Kazakh page); the server's
message, beside the field and in the summary, never showed."""

from __future__ import annotations

import re

import pytest

from webapp.extensions import db


@pytest.mark.parametrize("page", ["/risk/imports", "/risk/catalogue", "/risk/training"])
def test_the_forms_leave_checking_to_the_server(app, analyst_client, page):
    html = analyst_client.get(page).get_data(as_text=True)
    tag = re.search(rf'<form method="post" action="{page}"[^>]*>', html)
    assert tag is not None, f"no form posting to {page}"
    assert "novalidate" in tag.group(0), tag.group(0)


def test_an_empty_upload_is_named_in_the_page_language(app, analyst_client):
    analyst_client.post("/language", data={"language": "kk"})
    response = analyst_client.post("/risk/imports", data={"layout": "auto", "indicator": ""})
    html = response.get_data(as_text=True)
    assert "Choose a file to upload." not in html
    assert 'class="error-summary"' in html


def test_an_empty_catalogue_upload_is_refused_with_a_summary(app, analyst_client):
    analyst_client.post("/language", data={"language": "ru"})
    response = analyst_client.post("/risk/catalogue", data={})
    html = response.get_data(as_text=True)
    assert "Choose a file to upload." not in html
    assert 'class="error-summary"' in html


def test_a_horizon_of_zero_is_refused_by_the_server_in_the_page_language(app, analyst_client):
    analyst_client.post("/language", data={"language": "kk"})
    response = analyst_client.post(
        "/risk/training", data={"horizon": 0, "n_origins": 1, "models": "fast"}
    )
    html = response.get_data(as_text=True)
    assert 'class="error-summary"' in html
    assert "Job #" not in html


def test_the_catalogue_page_writes_the_shipped_units_in_the_page_language(app, analyst_client):
    """'% y/y' and 'per 10,000' stood in English on kk and ru catalogue pages."""
    from webapp.risk import catalogue

    with app.app_context():
        catalogue.ensure_catalogue()
        db.session.commit()
    expected = {"kk": ("% ж/ж", "10 000-ға шаққанда"), "ru": ("% г/г", "на 10 000")}
    for language, units in expected.items():
        analyst_client.post("/language", data={"language": language})
        html = analyst_client.get("/risk/catalogue").get_data(as_text=True)
        for unit in units:
            assert f"<td>{unit}</td>" in html, (language, unit)
        assert "<td>% y/y</td>" not in html
        assert "<td>per 10,000</td>" not in html
