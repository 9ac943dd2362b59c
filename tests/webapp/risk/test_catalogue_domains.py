"""``flask risk load-domains``: another country's index groups its indicators in its own domains.

Only Kazakhstan's five domains could be stored: a catalogue naming any other domain
('migration') was refused, and nothing let an installation add one.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from tests.webapp.risk.conftest import csv_bytes
from webapp.extensions import db
from webapp.risk.catalogue import all_domains, ensure_catalogue, upload_catalogue
from webapp.risk.models import RiskDomain

HEADER = "code,name_kk,name_ru,name_en,weight\n"
CATALOGUE = (
    "code,name_kk,name_ru,name_en,unit,direction,domain,weight,frequency,source\n"
    "labour_migrants_share,Эмгек мигранттары,Доля трудовых мигрантов,Labour migrants,%,1,"
    "migration,1,Y,stat.kg\n"
)


def domains(app) -> dict[str, tuple[str, float, int]]:
    with app.app_context():
        return {d.code: (d.name_ru, d.weight, d.position) for d in all_domains()}


def test_a_new_domain_is_added_and_indicators_may_then_name_it(app, runner, tmp_path: Path):
    file = tmp_path / "domains_kg.csv"
    file.write_text(
        HEADER
        + "migration,Миграция,Миграция,Labour migration,1.5\n"
        + "economic_hardship,Экономикалык кыйынчылыктар,Экономические трудности,"
        "Economic hardship,2\n",
        encoding="utf-8",
    )
    result = runner.invoke(args=["risk", "load-domains", str(file)])
    assert result.exit_code == 0, result.output
    assert "Domains loaded: 1 added, 1 updated." in result.output
    stored = domains(app)
    assert stored["migration"] == ("Миграция", 1.5, 5)  # after the five packaged ones
    assert stored["economic_hardship"][1] == 2.0
    assert "trust_in_state" in stored  # domains the file does not list stay
    with app.app_context():
        assert upload_catalogue(csv_bytes(CATALOGUE), "catalogue_kg.csv") == (1, 0)
        db.session.commit()


def test_a_bad_domains_file_is_refused_whole_naming_rows_and_columns(app, runner, tmp_path: Path):
    with app.app_context():
        ensure_catalogue()
        db.session.commit()
    before = domains(app)
    file = tmp_path / "domains_bad.csv"
    file.write_text(
        HEADER
        + "migration,Миграция,Миграция,Labour migration,1\n"
        + "Migration Risk,,,Migration,1\n"
        + "migration,,,Again,1\n"
        + "water,,,,x\n"
        + "remittances,,,Remittances,0\n",
        encoding="utf-8",
    )
    result = runner.invoke(args=["risk", "load-domains", str(file)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    for expected in (
        "row 3, column code: 'Migration Risk' is not a domain code",
        "row 4, column code: 'migration' is listed twice (first on row 2)",
        "row 5, column name_en: empty",
        "row 5, column weight: 'x' is not a number above 0",
        "row 6, column weight: '0' is not a number above 0",
    ):
        assert expected in result.output
    assert domains(app) == before


def test_a_file_without_the_columns_says_which_are_missing(app, runner, tmp_path: Path):
    file = tmp_path / "domains.csv"
    file.write_text("code,name\nmigration,Migration\n", encoding="utf-8")
    result = runner.invoke(args=["risk", "load-domains", str(file)])
    assert result.exit_code == 1
    assert "row 1: missing column(s) name_kk, name_ru, name_en, weight" in result.output
    with app.app_context():
        assert (
            db.session.scalar(sa.select(RiskDomain).where(RiskDomain.code == "migration")) is None
        )
