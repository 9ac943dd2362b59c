"""The analyst's statistics upload (``stage_upload`` then ``confirm_upload``) on the files of
``tests/forecasting/test_readers_analyst_files.py`` and ``test_readers_other_country.py``:
what the preview says is what is stored, and a refused file stores nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.forecasting.test_readers_analyst_files import bureau_quarters, monthly_workbook
from tests.forecasting.test_readers_other_country import CODES as KG_CODES
from tests.forecasting.test_readers_other_country import UNITS as KG_UNITS
from tests.forecasting.test_readers_other_country import stat_kg, value
from tests.webapp.risk.conftest import stage as stage_bytes
from tests.webapp.risk.conftest import stored
from webapp.extensions import db
from webapp.regions.services import load_regions
from webapp.risk.imports import ImportRefused, confirm_upload
from webapp.risk.models import StatisticsUpload
from webapp.risk.reader_messages import issue_message


def stage(user, path: Path, **options) -> StatisticsUpload:
    return stage_bytes(user, path.read_bytes(), path.name, **options)


def test_a_monthly_kazakh_workbook_with_a_hidden_sheet(app_context, regions, analyst, tmp_path):
    """The hidden helper sheet before the table held 4 values: the import stored those."""
    upload = stage(
        analyst, monthly_workbook(tmp_path / "cpi.xlsx", "kk"), indicator="inflation_yoy"
    )
    assert upload.report["ok"], upload.report["errors"]
    assert upload.report["national_totals"] == 12
    assert upload.report["indicators"]["inflation_yoy"]["values"] == 240
    confirm_upload(upload.id, analyst)
    db.session.commit()
    values = stored()
    assert len(values) == 240
    assert {region for region, _ in values} == {r.code for r in regions if r.is_current}
    assert min(period for _, period in values).startswith("2024-01")


def test_a_quarterly_english_workbook(app_context, regions, analyst, tmp_path):
    path = bureau_quarters(tmp_path / "q_en.xlsx", "en")
    upload = stage(analyst, path, indicator="real_wage_growth")
    assert upload.report["ok"], upload.report["errors"]
    confirm_upload(upload.id, analyst)
    db.session.commit()
    assert len(stored()) == 20 * 6 - 6


@pytest.mark.parametrize("locale", ["ru", "kk"])
def test_totals_since_january_are_refused_in_the_pages_language(
    app, app_context, regions, analyst, tmp_path, locale
):
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Объем производства", None, None, "млн. тенге"])
    sheet.append([None, "январь-март 2024", "январь-июнь 2024", "январь-сентябрь 2024"])
    sheet.append(["Акмолинская область", "1,5", "2,5", "3,5"])
    path = tmp_path / "cumulative.xlsx"
    workbook.save(path)
    upload = stage(analyst, path, indicator="inflation_yoy")
    assert not upload.report["ok"]
    (error,) = upload.report["errors"]
    assert error["code"] == "period.cumulative"
    with app.test_request_context(headers={"Accept-Language": locale}):
        message = issue_message(error)
    assert "январь-март 2024" in message
    assert message != error["message"]  # worded in the page's language
    with pytest.raises(ImportRefused):
        confirm_upload(upload.id, analyst)
    db.session.rollback()
    assert stored() == {}


def test_another_countrys_installation(app_context, analyst, tmp_path):
    """Kyrgyzstan's units loaded with ``load_regions``: a stat.kg table in Kyrgyz, its
    national total ("Кыргыз Республикасы") kept apart, the rest stored under KG codes."""
    units = tmp_path / "kg_units.csv"
    units.write_text(KG_UNITS, encoding="utf-8")
    load_regions(units)
    db.session.commit()
    upload = stage(analyst, stat_kg(tmp_path / "kg_ky.xlsx", "ky"), indicator="unemployment_rate")
    assert upload.report["ok"], upload.report["errors"]
    assert upload.report["national_totals"] == 5
    confirm_upload(upload.id, analyst)
    db.session.commit()
    values = stored()
    assert len(values) == 9 * 5 - 1
    assert {region for region, _ in values} == set(KG_CODES)
    assert values[("KG-GO", "2023")] == pytest.approx(value(9, 2023))


@pytest.mark.parametrize(
    ("locale", "words"), [("ru", "прочитана строка самого региона"), ("kk", "өңірдің өз жолы")]
)
def test_breakdown_rows_are_named_in_the_pages_language(
    app, app_context, regions, analyst, tmp_path, locale, words
):
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append([None, "2022 г.", "2023 г."])
    for label in ("Республика Казахстан", "Акмолинская область", "г. Астана"):
        sheet.append([label, "4,9", "4,8"])
        sheet.append(["городская местность", "4,7", "4,6"])
        sheet.append(["сельская местность", "5,1", "5,0"])
    path = tmp_path / "urban_rural.xlsx"
    workbook.save(path)
    upload = stage(analyst, path, indicator="unemployment_rate")
    assert upload.report["ok"], upload.report["errors"]
    (warning,) = [w for w in upload.report["warnings"] if w["code"] == "row.breakdown_skipped"]
    with app.test_request_context(headers={"Accept-Language": locale}):
        message = issue_message(warning)
    assert words in message and "городская местность" in message
    confirm_upload(upload.id, analyst)
    db.session.commit()
    assert stored() == {
        ("KZ-11", "2022"): 4.9,
        ("KZ-11", "2023"): 4.8,
        ("KZ-71", "2022"): 4.9,
        ("KZ-71", "2023"): 4.8,
    }
