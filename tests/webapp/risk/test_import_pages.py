"""The analyst's import pages: upload, preview report, confirm, undo; and who may see them."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from tests.webapp.risk.conftest import csv_bytes, long_csv, upload_data
from webapp.extensions import db
from webapp.risk.models import RiskObservation, StatisticsImport, StatisticsUpload

PAGES = ["/risk/imports", "/risk/catalogue", "/risk/catalogue.csv", "/risk/training"]
#: Pages about one object; staff without the role are refused before it is looked up.
DETAIL_PAGES = [
    "/risk/imports/preview/some-upload",
    "/risk/imports/1",
    "/risk/imports/1/undo",
    "/risk/training/jobs/1",
    "/risk/runs/some-run",
    "/risk/runs/some-run/promote",
    "/risk/runs/rollback",
]


def test_pages_are_for_analysts_and_administrators(app, client, regions, make_user, sign_in):
    for path in PAGES + DETAIL_PAGES:
        response = client.get(path)
        assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
    sign_in(make_user("council_member"))
    every = PAGES + DETAIL_PAGES
    assert [client.get(path).status_code for path in every] == [403] * len(every)
    posts = [
        "/risk/imports",
        "/risk/imports/preview/some-upload/confirm",
        "/risk/imports/preview/some-upload/cancel",
        "/risk/imports/1/undo",
        "/risk/catalogue",
        "/risk/training",
        "/risk/runs/some-run/promote",
        "/risk/runs/rollback",
    ]
    assert [client.post(path).status_code for path in posts] == [403] * len(posts)
    client.post("/sign-out")
    for role in ("admin", "analyst"):
        sign_in(make_user(role))
        assert [client.get(path).status_code for path in PAGES] == [200] * len(PAGES), role
        client.post("/sign-out")


def count(model) -> int:
    with db.engine.connect() as connection:
        return connection.execute(sa.select(sa.func.count()).select_from(model)).scalar_one()


def test_upload_preview_confirm_and_undo(app, analyst_client, small_panel):
    response = analyst_client.post(
        "/risk/imports", data=upload_data(long_csv(small_panel), "panel.csv")
    )
    assert response.status_code == 302
    preview_url = response.headers["Location"]
    page = analyst_client.get(preview_url).get_data(as_text=True)
    assert "panel.csv" in page and f"Import {len(small_panel)} values" in page
    with app.app_context():
        assert count(RiskObservation) == 0, "nothing is stored before confirmation"
        assert count(StatisticsUpload) == 1

    response = analyst_client.post(preview_url + "/confirm", data={})
    assert response.status_code == 302
    # A double click: the second confirmation finds nothing left to import.
    again = analyst_client.post(preview_url + "/confirm", data={}, follow_redirects=True)
    assert "already imported" in again.get_data(as_text=True)
    with app.app_context():
        assert count(RiskObservation) == len(small_panel)
        assert count(StatisticsImport) == 1
        import_id = db.session.scalar(sa.select(StatisticsImport.id))

    page = analyst_client.get(f"/risk/imports/{import_id}/undo").get_data(as_text=True)
    assert "Yes, undo the import" in page
    response = analyst_client.post(f"/risk/imports/{import_id}/undo", follow_redirects=True)
    assert "was undone" in response.get_data(as_text=True)
    with app.app_context():
        assert count(RiskObservation) == 0
    listing = analyst_client.get("/risk/imports").get_data(as_text=True)
    assert "panel.csv" in listing and "undone" in listing


def test_report_shows_row_column_and_problem(app, analyst_client):
    content = csv_bytes(
        "region,period,indicator,value\n"
        "Astana,2024-01,unemployment_rate,4.1\n"
        "Atlantis,2024-01,unemployment_rate,4.0\n"
        "Almaty city,2024-01,unemployment_rate,n/a value\n"
    )
    response = analyst_client.post(
        "/risk/imports", data=upload_data(content, "bad.csv"), follow_redirects=True
    )
    page = response.get_data(as_text=True)
    assert "cannot be imported" in page
    assert "Atlantis" in page and "<td>3</td>" in page and "<td>4</td>" in page
    assert "Import 0 values" not in page and "/confirm" not in page
    with app.app_context():
        assert count(RiskObservation) == 0


def test_wrong_file_type_gets_a_clear_message(app, analyst_client):
    response = analyst_client.post(
        "/risk/imports",
        data={"file": (io.BytesIO(b"%PDF-1.4"), "report.pdf"), "layout": "auto"},
    )
    assert response.status_code == 400
    assert "Only CSV, XLSX and XLS files can be imported." in response.get_data(as_text=True)
    with app.app_context():
        assert count(StatisticsUpload) == 0


def test_an_xlsx_file_is_read(app, analyst_client, small_panel):
    buffer = io.BytesIO()
    frame = small_panel.assign(period=small_panel["period"].astype(str))
    frame[["region", "period", "indicator", "value"]].to_excel(buffer, index=False)
    response = analyst_client.post(
        "/risk/imports", data=upload_data(buffer.getvalue(), "panel.xlsx"), follow_redirects=True
    )
    assert f"Import {len(small_panel)} values" in response.get_data(as_text=True)


def test_uploads_are_private_to_their_uploader(
    app, client, regions, make_user, sign_in, small_panel
):
    sign_in(make_user("analyst"))
    response = client.post("/risk/imports", data=upload_data(long_csv(small_panel), "p.csv"))
    preview_url = response.headers["Location"]
    client.post("/sign-out")
    sign_in(make_user("analyst"))
    assert client.get(preview_url).status_code == 404
    client.post(preview_url + "/confirm", data={})
    with app.app_context():
        assert count(RiskObservation) == 0


def test_catalogue_upload_refuses_bad_rows_and_merges_good_ones(app, analyst_client):
    bad = csv_bytes(
        "code,name_kk,name_ru,name_en,unit,direction,domain,weight,frequency,source\n"
        "new_one,,,New one,%,2,economic_hardship,1,M,x\n"
        "other,,,Other,%,1,no_such_domain,1,M,x\n"
    )
    response = analyst_client.post(
        "/risk/catalogue", data={"file": (io.BytesIO(bad), "c.csv")}, follow_redirects=True
    )
    page = response.get_data(as_text=True)
    assert "row 2, column direction" in page and "row 3, column domain" in page
    good = bad.replace(b",2,economic", b",1,economic").replace(b"no_such_domain", b"social_tension")
    response = analyst_client.post(
        "/risk/catalogue", data={"file": (io.BytesIO(good), "c.csv")}, follow_redirects=True
    )
    page = response.get_data(as_text=True)
    assert "2 added" in page and "New one" in page and "unemployment_rate" in page


def test_a_catalogue_with_many_bad_rows_is_refused_on_the_page_not_in_the_session_cookie(
    app, analyst_client
):
    """Flashed, 200 problems quoting long cells made a 16 KB session cookie: browsers drop a
    cookie over 4 KB, which signed the analyst out and lost every message."""
    header = "code,name_kk,name_ru,name_en,unit,direction,domain,weight,frequency,source\n"
    rows = "".join(f"code_{n},,,Name,%,1,{'x' * 200}_{n},1,M,x\n" for n in range(200))
    response = analyst_client.post(
        "/risk/catalogue", data={"file": (io.BytesIO(csv_bytes(header + rows)), "c.csv")}
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "The catalogue was not changed" in page
    assert "row 2, column domain" in page and "row 201, column domain" in page
    cookies = response.headers.getlist("Set-Cookie")
    assert all(len(cookie) < 4093 for cookie in cookies), [len(c) for c in cookies]


def test_preview_names_regions_in_the_analysts_language(app, analyst_client):
    """The preview listed "KZ-75" where the file said "г. Алматы": the analyst could not tell
    whether the right unit was matched without a code table."""
    content = csv_bytes(
        "region,period,indicator,value\n"
        "г. Алматы,2021,unemployment_rate,4.8\n"
        "Южно-Казахстанская,2017,unemployment_rate,5.1\n"
    )
    analyst_client.post("/language", data={"language": "ru"})
    response = analyst_client.post("/risk/imports", data=upload_data(content, "kz.csv"))
    page = analyst_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "г. Алматы <code>KZ-75</code>" in page
    assert "Южно-Казахстанская область <code>KZ-YUZ</code>" in page
    analyst_client.post("/language", data={"language": "kk"})
    page = analyst_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Алматы қаласы <code>KZ-75</code>" in page


def stored_then_uploaded_again(analyst_client, language: str) -> str:
    """The preview page of a file whose value (4.8) is already stored by import #1."""
    content = csv_bytes("region,period,indicator,value\nг. Алматы,2021,unemployment_rate,4.8\n")
    response = analyst_client.post("/risk/imports", data=upload_data(content, "first.csv"))
    analyst_client.post(response.headers["Location"] + "/confirm", data={})
    analyst_client.post("/language", data={"language": language})
    response = analyst_client.post("/risk/imports", data=upload_data(content, "again.csv"))
    return analyst_client.get(response.headers["Location"]).get_data(as_text=True)


def test_the_stored_values_table_names_its_import_column_in_the_page_language(app, analyst_client):
    """The column of import links read 'Загрузить' ('Upload', a verb) in Russian: the msgid
    'Import' is also a button of the survey designer, whose catalogue won the merge."""
    page = stored_then_uploaded_again(analyst_client, "ru")
    assert '<th scope="col">Импорт</th>' in page
    assert "Загрузить</th>" not in page


def test_the_stored_and_sample_values_are_written_as_the_page_language_writes_numbers(
    app, analyst_client
):
    """The Russian preview listed the stored value as '4.8' (and the sample too)."""
    page = stored_then_uploaded_again(analyst_client, "ru")
    assert page.count('<td class="number">4,8</td>') == 2, "stored value and sample"
    assert '<td class="number">4.8</td>' not in page


@pytest.mark.parametrize(
    ("language", "wording"),
    [
        ("en", "as statistics bureaus publish"),
        ("ru", "как публикуют статистические ведомства"),
        ("kk", "статистика органдары жариялағандай"),
    ],
)
def test_the_upload_form_names_no_countrys_bureau(analyst_client, language, wording):
    """The layouts are any bureau's: another country's analysts were told about stat.gov.kz."""
    analyst_client.post("/language", data={"language": language})
    page = analyst_client.get("/risk/imports").get_data(as_text=True)
    assert wording in page
    assert "stat.gov.kz" not in page
