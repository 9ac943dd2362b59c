"""Another country's national-total rows, named by the loaded unit file's country row or by
``NATIONAL_NAMES``.

On a Kyrgyz installation "Кыргызстан" (the country) was an unknown region the analyst was
told to add as an alias of some unit, while "Республика Казахстан" (another state) was
silently set apart as the national total. A unit file's country row was read by the command
line only: the web application forgot it, and an analyst who had loaded one still needed
``NATIONAL_NAMES`` set in every process.
"""

from __future__ import annotations

import html
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.webapp.risk.conftest import csv_bytes, upload_data
from webapp.extensions import db
from webapp.regions.services import load_regions
from webapp.risk.imports import ReaderOptions, confirm_upload, stage_upload
from webapp.risk.models import RiskObservation

UNITS = (
    "code,kind,name_kk,name_ru,name_en,aliases,valid_from,valid_to,predecessors\n"
    "KG-B,region,Баткен облусу,Баткенская область,Batken Region,,,,\n"
    "KG-GB,city,Бишкек шаары,г. Бишкек,Bishkek,,,,\n"
)
FILE = csv_bytes(
    """
Регион;2022;2023
Кыргызстан;5,0;5,1
Республика Казахстан;4,9;4,8
Баткенская область;5,1;5,2
г. Бишкек;3;3,1
"""
)


@pytest.fixture
def kyrgyz_analyst(app, client, make_user, sign_in, tmp_path: Path):
    units = tmp_path / "regions_kg.csv"
    units.write_text(UNITS, encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["regions", "load", str(units)])
    assert result.exit_code == 0, result.output
    sign_in(make_user("analyst"))
    return client


def preview(client, content: bytes = FILE) -> str:
    response = client.post(
        "/risk/imports", data=upload_data(content, "kg.csv", indicator="unemployment_rate")
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return html.unescape(client.get(response.headers["Location"]).get_data(as_text=True))


@pytest.mark.app_config(NATIONAL_NAMES=("Кыргызская Республика", "Кыргызстан", "Kyrgyzstan"))
def test_the_countrys_names_are_its_total_and_another_state_is_an_error(kyrgyz_analyst):
    page = preview(kyrgyz_analyst)
    assert "Unknown region 'Республика Казахстан'" in page
    assert "Unknown region 'Кыргызстан'" not in page
    clean = preview(kyrgyz_analyst, FILE.replace("Республика Казахстан;4,9;4,8\n".encode(), b""))
    assert "Values to import: 4" in clean
    assert "National totals (kept apart, not imported): 2" in clean


def test_without_the_names_a_state_word_label_is_taken_for_the_total(kyrgyz_analyst):
    """Kazakhstan's names stay Kazakhstan's (docs/data-contract.md, Resolution rules): on a
    Kyrgyz installation "Республика Казахстан" is an unknown label even without the names."""
    page = preview(kyrgyz_analyst)
    assert "Unknown region 'Кыргызстан'" in page
    assert "Unknown region 'Республика Казахстан'" in page
    without = FILE.replace("Республика Казахстан;4,9;4,8\n".encode(), b"")
    state = without.replace("Кыргызстан;".encode(), "Кыргызская Республика;".encode())
    assert "National totals (kept apart, not imported): 2" in preview(kyrgyz_analyst, state)


COUNTRY_ROW = (
    "KG,country,Кыргыз Республикасы,Кыргызская Республика,Kyrgyz Republic,"
    "Kyrgyzstan|Кыргызстан|Кыргызской Республике,,,\n"
)
WITH_COUNTRY = UNITS.replace("\n", "\n" + COUNTRY_ROW, 1)
TOTALS = csv_bytes(
    """
Регион;2022;2023
Кыргызстан;5,0;5,1
Баткенская область;5,1;5,2
г. Бишкек;3;3,1
"""
)


def load_kyrgyz_units(tmp_path: Path, text: str = WITH_COUNTRY) -> None:
    path = tmp_path / "regions_kg.csv"
    path.write_text(text, encoding="utf-8")
    load_regions(path)
    db.session.commit()


def stage(user, content: bytes):
    upload = stage_upload(content, "kg.csv", ReaderOptions(indicator="unemployment_rate"), user)
    db.session.commit()
    return upload


def unknown_labels(upload) -> set[str]:
    return {
        error["message"].split("'")[1]
        for error in upload.report["errors"]
        if error["code"].startswith("region.unknown")
    }


def test_the_loaded_files_country_row_names_the_total_without_a_setting(
    app_context, analyst, tmp_path: Path
):
    """No NATIONAL_NAMES: the names come from the unit file's country row, stored by
    ``regions load``; the country's rows are kept apart, the units' stored."""
    load_kyrgyz_units(tmp_path)
    upload = stage(analyst, TOTALS)
    assert upload.report["ok"], upload.report["errors"]
    assert upload.report["national_totals"] == 2
    confirm_upload(upload.id, analyst)
    db.session.commit()
    regions = db.session.scalars(sa.select(RiskObservation.region_code)).all()
    assert sorted(regions) == ["KG-B", "KG-B", "KG-GB", "KG-GB"]
    long_name = TOTALS.replace("Кыргызстан".encode(), "Всего по Кыргызской Республике".encode())
    assert stage(analyst, long_name).report["national_totals"] == 2
    assert unknown_labels(stage(analyst, FILE)) == {"Республика Казахстан"}


def test_reloading_without_the_country_row_forgets_its_names(app_context, analyst, tmp_path: Path):
    load_kyrgyz_units(tmp_path)
    load_kyrgyz_units(tmp_path, UNITS)
    assert unknown_labels(stage(analyst, TOTALS)) == {"Кыргызстан"}


@pytest.mark.app_config(NATIONAL_NAMES=("Kyrgyz Republic", "Кыргызская Республика"))
def test_national_names_overrides_the_stored_country(app_context, analyst, tmp_path: Path):
    load_kyrgyz_units(tmp_path)
    assert unknown_labels(stage(analyst, TOTALS)) == {"Кыргызстан"}
