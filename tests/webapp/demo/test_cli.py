"""``flask demo load``: the first-start sign-ins, pointed at the address the server uses."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from webapp.extensions import db


@pytest.fixture
def without_loaders(app: Flask) -> Flask:
    # The domains' demo content is tested with each domain; here only the accounts matter.
    app.extensions["demo_loaders"] = []
    return app


def test_first_load_prints_one_sign_in_per_role_at_the_given_address(without_loaders):
    runner = without_loaders.test_cli_runner()
    result = runner.invoke(args=["demo", "load", "--server-url", "http://127.0.0.1:5077/"])
    assert result.exit_code == 0, result.output
    assert "Sign in at http://127.0.0.1:5077/sign-in with" in result.output
    for role in ("admin", "analyst", "council_member"):
        assert f"  {role} " in result.output
    again = runner.invoke(args=["demo", "load"])
    assert again.exit_code == 0
    assert "Demo accounts already exist" in again.output
    assert "Sign in at" not in again.output


def test_default_address_is_the_development_server(without_loaders):
    result = without_loaders.test_cli_runner().invoke(args=["demo", "load"])
    assert "Sign in at http://127.0.0.1:5000/sign-in with" in result.output


def test_second_load_names_the_sign_ins_file_of_this_instance_folder(without_loaders):
    runner = without_loaders.test_cli_runner()
    runner.invoke(args=["demo", "load"])
    again = runner.invoke(args=["demo", "load"])
    expected = str(Path(without_loaders.instance_path) / "demo-sign-ins.txt")
    assert expected in again.output.replace("\n", "")


def _spy_loader(app: Flask) -> list[str]:
    calls: list[str] = []
    app.extensions["demo_loaders"] = [("spy", lambda: calls.append("loaded") or "ok")]
    return calls


def _accounts(app: Flask) -> int:
    from webapp.auth.models import User

    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(User))


def test_demo_refuses_another_countrys_registry_before_changing_anything(
    app: Flask, tmp_path: Path
):
    units = tmp_path / "regions_kg.csv"
    units.write_text(
        "code,kind,name_kk,name_ru,name_en,aliases,valid_from,valid_to,predecessors\n"
        "KG-B,region,Баткен облусу,Баткенская область,Batken Region,,,,\n"
        "KG-GB,city,Бишкек шаары,г. Бишкек,Bishkek,,,,\n"
    )
    runner = app.test_cli_runner()
    assert runner.invoke(args=["regions", "load", str(units)]).exit_code == 0
    calls = _spy_loader(app)
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "set in Kazakhstan" in result.output
    assert "lacks 20 of them (KZ-10, KZ-11, KZ-15, KZ-19, KZ-23...)" in result.output
    assert "holds others (KG-B, KG-GB)" in result.output
    assert calls == []
    assert _accounts(app) == 0


def test_demo_on_an_empty_registry_says_to_load_the_regions(app: Flask):
    calls = _spy_loader(app)
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 1
    assert "flask --app webapp regions load" in result.output
    assert calls == [] and _accounts(app) == 0


def test_demo_runs_its_loaders_on_kazakhstans_registry(app: Flask, regions):
    calls = _spy_loader(app)
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    assert calls == ["loaded"]
    assert "Demo spy: ok" in result.output
