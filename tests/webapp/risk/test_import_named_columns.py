"""Naming the columns on the web, as the command line's --region-column, --period-column,
--value-column and --indicator-column do: a bureau file whose headers say nothing the
reader recognises ("Территория", "Отчётный период", "Показатель, %") is refused, then read
with the columns named, on the upload form or on the check report without uploading it
again."""

from __future__ import annotations

import io
import re

import openpyxl
import pytest
import sqlalchemy as sa

from tests.webapp.risk.conftest import stored, upload_data
from tests.webapp.test_narrow_screens import CHROMIUM, PHONE_WIDTH, measure, with_inline_styles
from webapp.extensions import db
from webapp.risk.imports import (
    ImportRefused,
    ReaderOptions,
    confirm_upload,
    recheck_upload,
    stage_upload,
)
from webapp.risk.models import StatisticsUpload
from webapp.risk.reader_messages import issue_message

HEADERS = ("Территория", "Отчётный период", "Показатель, %")
ROWS = (
    ("Мангистауская область", 2021, 5.3),
    ("Мангистауская область", 2022, 5.1),
    ("г. Астана", 2021, 4.6),
    ("г. Астана", 2022, 4.5),
    ("г. Алматы", 2021, 4.9),
    ("г. Алматы", 2022, 4.8),
)
#: What the file holds, as stored: (region code, period) -> value.
EXPECTED = {
    ("KZ-47", "2021"): 5.3,
    ("KZ-47", "2022"): 5.1,
    ("KZ-71", "2021"): 4.6,
    ("KZ-71", "2022"): 4.5,
    ("KZ-75", "2021"): 4.9,
    ("KZ-75", "2022"): 4.8,
}
NAMED = {
    "region_column": "Территория",
    "period_column": "Отчётный период",
    "value_column": "Показатель, %",
}


def workbook_bytes() -> bytes:
    """A real XLSX as a bureau saves it: a title row, a blank row, then the table."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Безработица"
    sheet.append(["Уровень безработицы по регионам"])
    sheet.append([])
    sheet.append(HEADERS)
    for row in ROWS:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_file_bytes() -> bytes:
    lines = [";".join(HEADERS)] + [f"{r};{p};{str(v).replace('.', ',')}" for r, p, v in ROWS]
    return ("\n".join(lines) + "\n").encode("utf-8")


def test_refused_without_the_columns_then_read_again_with_them(app_context, regions, analyst):
    upload = stage_upload(
        workbook_bytes(), "bezrabotica.xlsx", ReaderOptions(indicator="unemployment_rate"), analyst
    )
    db.session.commit()
    assert not upload.report["ok"]
    assert [error["code"] for error in upload.report["errors"]] == ["layout.unclear"]
    assert upload.report["columns"] == list(HEADERS), "the refusal lists the columns found"

    upload = recheck_upload(
        upload.id, ReaderOptions(indicator="unemployment_rate", **NAMED), analyst
    )
    db.session.commit()
    assert upload.report["ok"], upload.report["errors"]
    assert upload.report["observations"] == len(EXPECTED)
    assert upload.options["region_column"] == "Территория"
    done = confirm_upload(upload.id, analyst)
    db.session.commit()
    assert done.observation_count == len(EXPECTED)
    assert done.details["columns"] == {
        "region": "Территория",
        "period": "Отчётный период",
        "value": "Показатель, %",
    }
    assert stored() == EXPECTED


def test_a_csv_with_the_columns_named_on_upload(app_context, regions, analyst):
    upload = stage_upload(
        csv_file_bytes(),
        "bezrabotica.csv",
        ReaderOptions(indicator="unemployment_rate", **NAMED),
        analyst,
    )
    db.session.commit()
    assert upload.report["ok"], upload.report["errors"]
    confirm_upload(upload.id, analyst)
    db.session.commit()
    assert stored() == EXPECTED


def test_a_column_that_does_not_exist_is_named_with_the_columns_found(
    app_context, regions, analyst
):
    options = ReaderOptions(indicator="unemployment_rate", **{**NAMED, "region_column": "Регион"})
    upload = stage_upload(workbook_bytes(), "bezrabotica.xlsx", options, analyst)
    db.session.commit()
    assert not upload.report["ok"]
    (error,) = upload.report["errors"]
    message = issue_message(error)
    assert "'Регион'" in message
    assert all(f"'{header}'" in message for header in HEADERS), message
    assert upload.report["columns"] == list(HEADERS)


def test_a_column_name_longer_than_any_header_is_refused(app_context, regions, analyst):
    options = ReaderOptions(region_column="Территория " * 30)
    with pytest.raises(ImportRefused, match="at most 200 characters"):
        stage_upload(workbook_bytes(), "bezrabotica.xlsx", options, analyst)


def test_the_form_names_the_columns(app, analyst_client):
    response = analyst_client.post(
        "/risk/imports",
        data=upload_data(
            csv_file_bytes(), "bezrabotica.csv", indicator="unemployment_rate", **NAMED
        ),
    )
    assert response.status_code == 302
    page = analyst_client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"Import {len(EXPECTED)} values" in page
    analyst_client.post(response.headers["Location"] + "/confirm", data={})
    with app.app_context():
        assert stored() == EXPECTED


def test_a_refused_upload_is_checked_again_from_its_report(app, analyst_client):
    response = analyst_client.post(
        "/risk/imports",
        data=upload_data(workbook_bytes(), "bezrabotica.xlsx", indicator="unemployment_rate"),
    )
    preview_url = response.headers["Location"]
    page = analyst_client.get(preview_url).get_data(as_text=True)
    assert "Cannot tell how the table is laid out" in page
    assert "Import " not in page
    # The column fields offer the columns the reader found.
    region_select = re.search(r'<select[^>]*name="region_column".*?</select>', page, re.S)
    assert region_select is not None
    assert all(f'value="{header}"' in region_select.group(0) for header in HEADERS)

    # A name that is not among the columns found is refused by the form.
    wrong = analyst_client.post(
        preview_url + "/recheck",
        data={"layout": "auto", "indicator": "unemployment_rate", "region_column": "Регион"},
    )
    assert wrong.status_code == 400

    response = analyst_client.post(
        preview_url + "/recheck",
        data={"layout": "auto", "indicator": "unemployment_rate", "sheet": "", **NAMED},
    )
    assert response.status_code == 302 and response.headers["Location"].endswith(
        preview_url.rsplit("/", 1)[1]
    )
    page = analyst_client.get(preview_url).get_data(as_text=True)
    assert f"Import {len(EXPECTED)} values" in page
    confirmed = analyst_client.post(preview_url + "/confirm", data={})
    # The import's page says how the file was read.
    page = analyst_client.get(confirmed.headers["Location"]).get_data(as_text=True)
    assert "Columns named on upload" in page
    assert all(f"<q>{name}</q>" in page for name in NAMED.values())
    with app.app_context():
        assert stored() == EXPECTED
        assert db.session.scalar(sa.select(sa.func.count()).select_from(StatisticsUpload)) == 0


@pytest.mark.browser
@pytest.mark.any_database  # page layout: the same on either database
@pytest.mark.skipif(not CHROMIUM.exists(), reason="headless Chromium not found")
def test_the_check_report_with_its_column_fields_fits_a_phone(app, analyst_client):
    """A bureau's long header in every column choice must not widen the page past 360 px."""
    long_header = (
        "Уровень безработицы населения в возрасте 15 лет и старше по данным обследования, %"
    )
    content = csv_file_bytes().decode().replace(HEADERS[2], long_header).encode()
    response = analyst_client.post(
        "/risk/imports", data=upload_data(content, "bezrabotica.csv", indicator="unemployment_rate")
    )
    pages = {}
    for language in ("en", "kk", "ru"):
        page = analyst_client.get(
            response.headers["Location"], headers={"Accept-Language": language}
        ).get_data(as_text=True)
        assert 'name="value_column"' in page
        pages[language] = with_inline_styles(analyst_client, page)
    pages["upload form"] = with_inline_styles(
        analyst_client, analyst_client.get("/risk/imports").get_data(as_text=True)
    )
    widths = {name: result["page"] for name, result in measure(pages).items()}
    assert widths == dict.fromkeys(pages, PHONE_WIDTH)
