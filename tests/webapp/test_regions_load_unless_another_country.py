"""``flask regions load --unless-another-country``: what ``make run`` calls, so another
country's units stay and Kazakhstan's are brought up to date."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa

from webapp.extensions import db
from webapp.regions.models import Region

ROOT = Path(__file__).resolve().parents[2]
KYRGYZ_FILE = (
    "code,kind,name_kk,name_ru,name_en,aliases,valid_from,valid_to,predecessors\n"
    "KG-B,region,Баткен облусу,Баткенская область,Batken Region,Batken,,,\n"
    "KG-GB,city,Бишкек шаары,г. Бишкек,Bishkek,Bishkek city,,,\n"
)


def stored_codes(app) -> set[str]:
    with app.app_context():
        return set(db.session.scalars(sa.select(Region.code)))


def test_an_empty_registry_gets_the_default_units(app, runner):
    result = runner.invoke(args=["regions", "load", "--unless-another-country"])
    assert result.exit_code == 0, result.output
    assert "Regions loaded:" in result.output
    assert {"KZ-10", "KZ-71", "KZ-75"} <= stored_codes(app)


def test_another_countrys_units_are_left_as_they_are(app, runner, tmp_path: Path):
    units = tmp_path / "regions_kg.csv"
    units.write_text(KYRGYZ_FILE, encoding="utf-8")
    assert runner.invoke(args=["regions", "load", str(units)]).exit_code == 0
    result = runner.invoke(args=["regions", "load", "--unless-another-country"])
    assert result.exit_code == 0, result.output
    expected = "Regions not loaded: the registry holds 2 units of another country (KG-B, KG-GB)"
    assert expected in result.output
    assert stored_codes(app) == {"KG-B", "KG-GB"}
    # Without the option the load replaces the set, as before.
    assert runner.invoke(args=["regions", "load"]).exit_code == 0
    assert "KG-B" not in stored_codes(app)


def test_the_same_countrys_units_are_brought_up_to_date(app, runner):
    """A newer shipped file (new aliases, say) reaches a Kazakh installation through
    ``make run``; loading only into an empty registry left it on the old file for good."""
    assert runner.invoke(args=["regions", "load"]).exit_code == 0
    with app.app_context():
        db.session.execute(sa.update(Region).where(Region.code == "KZ-75").values(aliases=[]))
        db.session.commit()
    result = runner.invoke(args=["regions", "load", "--unless-another-country"])
    assert result.exit_code == 0, result.output
    assert "Regions loaded: 0 added, 1 updated, 0 removed." in result.output
    with app.app_context():
        assert db.session.get(Region, "KZ-75").aliases


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_database_leaves_another_countrys_registry_alone():
    """``make run`` and ``make demo`` go through ``make database``."""
    dry_run = subprocess.run(
        ["make", "--dry-run", "database"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    loads = [line for line in dry_run.splitlines() if "regions load" in line]
    assert loads and all("--unless-another-country" in line for line in loads), dry_run
