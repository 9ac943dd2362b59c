"""Statistics imports: all or nothing, provenance, clashes, replace and undo."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.webapp.risk.conftest import csv_bytes, long_csv, stage
from webapp.audit.models import AuditEvent
from webapp.extensions import db
from webapp.risk.catalogue import upload_catalogue
from webapp.risk.imports import (
    ImportRefused,
    ReaderOptions,
    confirm_upload,
    stage_upload,
    undo_import,
)
from webapp.risk.models import RiskObservation, StatisticsImport
from webapp.risk.services import data_freshness

SAMPLE = Path("/work/shared/domain/sample/kz_unemployment_2022.csv")


def observation_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(RiskObservation))


def test_a_file_with_one_bad_row_stores_nothing(app_context, regions, analyst, small_panel):
    content = long_csv(small_panel).decode()
    lines = content.splitlines()
    lines[5] = lines[5].rsplit(",", 1)[0] + ",twelve"
    upload = stage(analyst, "\n".join(lines).encode())
    assert not upload.report["ok"]
    error = upload.report["errors"][0]
    assert error["row"] == 6 and error["column"] == "value" and "twelve" in error["value"]
    with pytest.raises(ImportRefused) as refused:
        confirm_upload(upload.id, analyst)
    db.session.rollback()
    assert "nothing was imported" in refused.value.problems[0]
    assert observation_count() == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(StatisticsImport)) == 0


def test_import_keeps_provenance_and_undo_removes_it_all(
    app_context, regions, analyst, small_panel
):
    upload = stage(analyst, long_csv(small_panel), "panel.csv")
    assert upload.report["ok"], upload.report["errors"]
    assert upload.report["indicators"]["registered_unemployment"]["regions"] == 3
    statistics_import = confirm_upload(upload.id, analyst)
    db.session.commit()
    assert statistics_import.observation_count == len(small_panel) == observation_count()
    assert statistics_import.filename == "panel.csv"
    assert statistics_import.sha256 == upload.sha256
    assert statistics_import.imported_by_email == analyst.email
    assert statistics_import.layout == "long"
    stored = db.session.scalar(
        sa.select(RiskObservation).where(RiskObservation.period == "2026-10").limit(1)
    )
    assert stored.frequency == "M" and str(stored.period_start) == "2026-10-01"
    freshness = {item.code: item for item in data_freshness()}
    assert freshness["registered_unemployment"].values == len(small_panel) // 2
    assert freshness["registered_unemployment"].latest_period == "2026-10"
    assert (
        freshness["poverty_share"].values == 0 and freshness["poverty_share"].latest_period is None
    )
    # The staged bytes are gone once confirmed: a second confirm finds nothing.
    with pytest.raises(ImportRefused, match="already imported"):
        confirm_upload(upload.id, analyst)
    db.session.rollback()

    undo_import(statistics_import.id, analyst)
    db.session.commit()
    assert observation_count() == 0
    assert db.session.get(StatisticsImport, statistics_import.id).status == "undone"
    with pytest.raises(ImportRefused, match="already been undone"):
        undo_import(statistics_import.id, analyst)
    db.session.rollback()
    actions = list(db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)))
    assert actions[-2:] == ["risk.import", "risk.import_undo"]


def test_clashes_are_refused_unless_replaced_and_undo_restores(
    app_context, regions, analyst, small_panel
):
    first = confirm_upload(stage(analyst, long_csv(small_panel), "first.csv").id, analyst)
    db.session.commit()
    revised = small_panel.copy()
    revised["value"] = revised["value"] + 1.0
    upload = stage(analyst, long_csv(revised), "revised.csv")
    assert upload.report["clash_count"] == len(small_panel)
    with pytest.raises(ImportRefused, match="already stored"):
        confirm_upload(upload.id, analyst)
    db.session.rollback()
    assert observation_count() == len(small_panel)

    upload = stage(analyst, long_csv(revised), "revised.csv")
    second = confirm_upload(upload.id, analyst, replace=True)
    db.session.commit()
    assert observation_count() == len(small_panel)
    assert len(second.replaced_rows) == len(small_panel)
    values = set(db.session.scalars(sa.select(RiskObservation.import_id)))
    assert values == {second.id}

    undo_import(second.id, analyst)
    db.session.commit()
    assert set(db.session.scalars(sa.select(RiskObservation.import_id))) == {first.id}
    assert observation_count() == len(small_panel)


def test_the_real_sample_imports_and_frequencies_must_match(app_context, regions, analyst):
    content = SAMPLE.read_bytes()
    # Annual figures under a monthly indicator would mix years and months in one series.
    upload = stage(analyst, content, SAMPLE.name, indicator="registered_unemployment")
    assert not upload.report["ok"]
    assert "annual but the catalogue gives monthly" in upload.report["errors"][0]["message"]
    with pytest.raises(ImportRefused, match="nothing was imported"):
        confirm_upload(upload.id, analyst)
    db.session.rollback()
    assert observation_count() == 0

    upload = stage(analyst, content, SAMPLE.name, indicator="unemployment_rate")
    assert upload.report["ok"], upload.report["errors"]
    statistics_import = confirm_upload(upload.id, analyst)
    db.session.commit()
    assert statistics_import.observation_count == 20
    assert statistics_import.indicator == "unemployment_rate"
    mangystau = db.session.scalar(
        sa.select(RiskObservation).where(RiskObservation.region_code == "KZ-47")
    )
    assert (mangystau.period, mangystau.value, mangystau.frequency) == ("2022", 5.1, "Y")
    assert mangystau.source == SAMPLE.name


def test_a_catalogue_upload_adds_an_indicator(app_context, regions, analyst):
    added, updated = upload_catalogue(
        csv_bytes(
            "code,name_kk,name_ru,name_en,unit,direction,domain,weight,frequency,source\n"
            "unemployment_rate_q,Жұмыссыздық (тоқсан),Безработица (квартал),"
            "Unemployment rate (quarterly),%,1,economic_hardship,1,Q,stat.gov.kz"
        ),
        "quarterly.csv",
    )
    db.session.commit()
    assert (added, updated) == (1, 0)
    content = csv_bytes("region,period,value\nAstana,2024 Q1,4.2\nAlmaty city,2024 Q1,4.9")
    upload = stage(analyst, content, "q.csv", indicator="unemployment_rate_q")
    assert upload.report["ok"], upload.report["errors"]


def test_russian_upper_case_wide_file(app_context, regions, analyst):
    content = "\n".join(
        [
            "РЕГИОН;2021;2022;2023",
            "АКМОЛИНСКАЯ ОБЛАСТЬ;5,1;4,9;4,6",
            "МАНГИСТАУСКАЯ ОБЛАСТЬ;7,2;6,8;-",
            "Г. АСТАНА;2,0;1,8;1,7",
            "РЕСПУБЛИКА КАЗАХСТАН;5,2;5,0;4,8",
        ]
    ).encode("cp1251")
    upload = stage(analyst, content, "бедность.csv", indicator="poverty_share")
    assert upload.report["ok"], upload.report["errors"]
    assert upload.report["layout"] == "wide-period"
    assert upload.report["national_totals"] == 3
    assert upload.report["warnings"], "the '-' cell should be reported"
    statistics_import = confirm_upload(upload.id, analyst)
    db.session.commit()
    assert statistics_import.observation_count == 8
    codes = set(db.session.scalars(sa.select(RiskObservation.region_code)))
    assert codes == {"KZ-11", "KZ-47", "KZ-71"}


def test_wrong_file_type_is_refused(app_context, regions, analyst):
    with pytest.raises(ImportRefused, match="only CSV, XLSX and XLS"):
        stage_upload(b"%PDF-1.4", "report.pdf", ReaderOptions(), analyst)
    renamed = stage(analyst, b"%PDF-1.4 binary \x00\x01", "report.xlsx")
    assert not renamed.report["ok"]
    assert "Excel" in renamed.report["errors"][0]["message"]
