"""The region registry is data: loaded from a file, replaced all-or-nothing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from forecasting.geography import KAZAKHSTAN_NATIONAL_NAMES, RegionResolver
from webapp.extensions import db
from webapp.regions.models import Country, Region
from webapp.regions.services import country_names, region_resolver

HEADER = "code,kind,name_kk,name_ru,name_en,aliases,valid_from,valid_to,predecessors\n"


def count_regions(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(Region))


def test_default_load_has_twenty_current_units(app, runner):
    result = runner.invoke(args=["regions", "load"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        regions = list(db.session.scalars(sa.select(Region)))
        current = [region for region in regions if region.is_current]
        assert len(current) == 20
        assert {region.code for region in current} >= {"KZ-10", "KZ-71", "KZ-75", "KZ-79"}
        assert len(regions) > 20  # historic units are kept for old series


def test_loading_the_same_file_again_updates_nothing(app, runner, tmp_path: Path, regions):
    again = runner.invoke(args=["regions", "load"])
    assert again.exit_code == 0, again.output
    assert "0 added, 0 updated, 0 removed" in again.output
    country = tmp_path / "country.csv"
    country.write_text(HEADER + "XX-01,region,Бір,Один,One,,,,\n")
    runner.invoke(args=["regions", "load", str(country)])
    country.write_text(HEADER + "XX-01,region,Бір,Один,One (renamed),,,,\n")
    renamed = runner.invoke(args=["regions", "load", str(country)])
    assert "0 added, 1 updated, 0 removed" in renamed.output


def test_another_country_replaces_the_set(app, runner, tmp_path: Path, regions):
    country = tmp_path / "country.csv"
    country.write_text(
        HEADER + "XX-01,region,Бір,Один,One,,,,\n" + "XX-02,city,Екі,Два,Two,Dva,,,XX-01\n"
    )
    result = runner.invoke(args=["regions", "load", str(country)])
    assert result.exit_code == 0, result.output
    assert "2 added" in result.output
    with app.app_context():
        codes = set(db.session.scalars(sa.select(Region.code)))
    assert codes == {"XX-01", "XX-02"}


def test_malformed_file_changes_nothing(app, runner, tmp_path: Path, regions):
    before = count_regions(app)
    cases = {
        "missing column": "code,name_en\nXX-01,One\n",
        "duplicate code": HEADER + "XX-01,region,a,b,One,,,,\nXX-01,region,a,b,Two,,,,\n",
        "unknown predecessor": HEADER + "XX-01,region,a,b,One,,,,XX-99\n",
    }
    for name, text in cases.items():
        path = tmp_path / f"{name.replace(' ', '_')}.csv"
        path.write_text(text)
        result = runner.invoke(args=["regions", "load", str(path)])
        assert result.exit_code != 0, name
        assert "nothing changed" in result.output, name
        assert count_regions(app) == before, name
    assert "XX-99" in result.output


def test_a_spreadsheets_unit_file_loads_as_it_was_saved(
    app, runner, client, tmp_path: Path, regions
):
    """Semicolons, Windows-1251 and only code, kind, name_en: how Excel in a Russian locale
    saves a new country's list. The pages show name_en where a language's name is left out."""
    path = tmp_path / "regions_kg.csv"
    path.write_bytes(
        "code;kind;name_ru;name_en\nKG-B;region;Баткенская область;Batken Region\n\n"
        "KG-GB;city;;Bishkek\n".encode("cp1251")
    )
    result = runner.invoke(args=["regions", "load", str(path)])
    assert result.exit_code == 0, result.output
    assert "2 added" in result.output
    client.post("/language", data={"language": "ru"})
    page = client.get("/regions/").get_data(as_text=True)
    assert "Баткенская область" in page
    assert "Bishkek" in page
    path.write_bytes(b"code;kind;name_en\nKG-B;region;Batken\n\nKG-C;bogus;Chuy\n")
    refused = runner.invoke(args=["regions", "load", str(path)])
    assert refused.exit_code != 0
    assert "row 4, column kind: unknown kind 'bogus'" in refused.output


def test_regions_page_lists_units_in_the_chosen_language(client, regions):
    client.post("/language", data={"language": "ru"})
    page = client.get("/regions/").get_data(as_text=True)
    assert "Абайская область" in page


@pytest.mark.parametrize(
    ("language", "shymkent", "abai", "almaty", "south"),
    [
        (
            "en",
            "since 2018-06-19",
            "East Kazakhstan Region",
            "throughout",
            "until 2018-06-18 (no longer exists)",
        ),
        (
            "ru",
            "с 2018-06-19",
            "Восточно-Казахстанская область",
            "всё время",
            "по 2018-06-18 (упразднена)",
        ),
        (
            "kk",
            "2018-06-19 бастап",
            "Шығыс Қазақстан облысы",
            "әрдайым",
            "2018-06-18 дейін (таратылған)",
        ),
    ],
)
def test_regions_page_words_validity_and_names_predecessors(
    client, regions, language, shymkent, abai, almaty, south
):
    """Validity read "… – …" for a unit that always existed, a historic unit differed from a
    current one only by grey text, and predecessors stood as codes ("KZ-63")."""
    page = client.get("/regions/", headers={"Accept-Language": language}).get_data(as_text=True)
    rows = {
        code: re.sub(r"\s+", " ", row)
        for code, row in re.findall(r"<code>([A-Z0-9-]+)</code></td>(.*?)</tr>", page, re.S)
    }
    assert f"<td>{shymkent}</td>" in rows["KZ-79"]
    assert f"<td>{abai}</td>" in rows["KZ-10"]
    assert f"<td>{almaty}</td>" in rows["KZ-75"]
    assert f"<td>{south}</td>" in rows["KZ-YUZ"]
    assert "…" not in page


def test_units_still_in_use_are_kept_and_the_refusal_says_where_they_are_used(
    app, runner, tmp_path: Path, regions
):
    from webapp.surveys import councils

    with app.app_context():
        for _ in range(2):
            councils.create_state_body(councils.Names("А", "Б", "C"), "local", "KZ-75")
        db.session.commit()
    before = count_regions(app)
    country = tmp_path / "regions_kg.csv"
    country.write_text(HEADER + "KG-GB,city,Бишкек шаары,г. Бишкек,Bishkek,,,,\n")
    result = runner.invoke(args=["regions", "load", str(country)])
    assert result.exit_code == 1
    assert "cannot be removed: KZ-75 (rows: state_bodies.region_code 2)." in result.output
    assert "new, empty database" in result.output
    assert count_regions(app) == before


def test_codes_and_names_the_database_cannot_hold_are_refused_whole(
    app, runner, tmp_path: Path, regions
):
    """On PostgreSQL such a file failed with a DataError traceback; on SQLite it was stored."""
    before = count_regions(app)
    country = tmp_path / "country.csv"
    country.write_text(
        HEADER
        + "kg b,region,,,Batken,,,,\n"
        + "KG-ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789,region,,,Long code,,,,\n"
        + f"KG-C,region,,,{'Chüy ' * 50},,,,\n"
        + "KG-GB,city,,,Bishkek,,,,\n"
    )
    result = runner.invoke(args=["regions", "load", str(country)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "unit 'kg b' (Batken), column code: not an ISO 3166-2 code" in result.output
    assert "unit 'KG-ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789' (Long code), column code" in (
        result.output
    )
    assert "column name_en: 249 characters, at most 200" in result.output
    assert "'KG-GB'" not in result.output
    assert count_regions(app) == before


KYRGYZ_FILE = (
    HEADER
    + "KG,country,Кыргыз Республикасы,Кыргызская Республика,Kyrgyz Republic,Кыргызстан,,,\n"
    + "KG-B,region,Баткен облусу,Баткенская область,Batken Region,,,,\n"
)


def stored_country(app) -> tuple | None:
    with app.app_context():
        country = db.session.get(Country, 1)
        if country is None:
            return None
        return (country.code, country.name_kk, country.name_ru, country.name_en, country.aliases)


def test_a_file_naming_its_country_stores_it_for_the_web_application(
    app, runner, tmp_path: Path, regions
):
    """The country row's names reach the web application's resolver with no setting."""
    path = tmp_path / "regions_kg.csv"
    path.write_text(KYRGYZ_FILE, encoding="utf-8")
    result = runner.invoke(args=["regions", "load", str(path)])
    assert result.exit_code == 0, result.output
    assert "export" not in result.output
    assert "Country: KG (Kyrgyz Republic)" in result.output
    assert stored_country(app) == (
        "KG",
        "Кыргыз Республикасы",
        "Кыргызская Республика",
        "Kyrgyz Republic",
        ["Кыргызстан"],
    )
    with app.app_context():
        assert set(db.session.scalars(sa.select(Region.code))) == {"KG-B"}
        resolver = region_resolver()
        assert resolver.is_national_total("Кыргызстан")
        assert not resolver.is_national_total("Республика Казахстан")


def test_reloading_a_file_without_a_country_row_clears_it_and_says_so(
    app, runner, tmp_path: Path, regions
):
    """The file replaces the registry whole, its country too; the admin is told."""
    path = tmp_path / "regions_kg.csv"
    path.write_text(KYRGYZ_FILE, encoding="utf-8")
    runner.invoke(args=["regions", "load", str(path)])
    path.write_text(KYRGYZ_FILE.replace(KYRGYZ_FILE.splitlines()[1] + "\n", ""), encoding="utf-8")
    result = runner.invoke(args=["regions", "load", str(path)])
    assert result.exit_code == 0, result.output
    assert "0 added, 0 updated, 0 removed" in result.output
    assert "names no country: the stored country KG (Kyrgyz Republic) was removed" in (
        result.output
    )
    assert stored_country(app) is None
    with app.app_context():
        assert not region_resolver().is_national_total("Кыргызстан")


def test_kazakhstans_file_stores_kazakhstan_with_the_names_used_before(app, regions):
    """Kazakhstan's shipped file: the stored country changes nothing the resolver decides."""
    with app.app_context():
        country = db.session.get(Country, 1)
        assert country is not None and country.code == "KZ"
        assert sorted(country_names(country)) == sorted(KAZAKHSTAN_NATIONAL_NAMES)
        stored = region_resolver()
        before = RegionResolver([unit for unit in stored.units])  # no country: as before
    labels = [
        "Республика Казахстан",
        "The Republic of Kazakhstan",
        "Всего по Республике Казахстан",
        "Қазақстан Республикасы",
        "РК",
        "Кыргызская Республика",
        "Кыргызстан",
        "Алматы",
        "Total",
    ]
    assert [stored.is_national_total(label) for label in labels] == [
        before.is_national_total(label) for label in labels
    ]


@pytest.mark.app_config(NATIONAL_NAMES=("Кыргызская Республика",))
def test_national_names_is_said_to_win_over_the_files_country(app, runner, tmp_path: Path, regions):
    path = tmp_path / "regions_kg.csv"
    path.write_text(KYRGYZ_FILE, encoding="utf-8")
    result = runner.invoke(args=["regions", "load", str(path)])
    assert result.exit_code == 0, result.output
    assert "NATIONAL_NAMES is set and takes precedence over the names of KG" in result.output
    assert "when labelled Кыргызская Республика. Unset it" in result.output
    with app.app_context():
        resolver = region_resolver()
        assert resolver.is_national_total("Кыргызская Республика")
        assert not resolver.is_national_total("Кыргызстан")


def test_a_country_name_the_table_cannot_hold_is_refused_whole(
    app, runner, tmp_path: Path, regions
):
    before = count_regions(app)
    path = tmp_path / "regions_kg.csv"
    path.write_text(
        KYRGYZ_FILE.replace("Кыргызская Республика,", "Кыргызская Республика" * 10 + ",", 1),
        encoding="utf-8",
    )
    result = runner.invoke(args=["regions", "load", str(path)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "country 'KG' (Kyrgyz Republic), column name_ru: 210 characters, at most 200" in (
        result.output
    )
    assert count_regions(app) == before
    assert stored_country(app)[0] == "KZ"


@pytest.mark.app_config(NATIONAL_NAMES=("Кыргызская Республика",))
def test_national_names_is_named_when_the_file_names_no_country(
    app, runner, tmp_path: Path, regions
):
    path = tmp_path / "regions_kg.csv"
    path.write_text(HEADER + "KG-B,region,Баткен облусу,Баткенская область,Batken,,,,\n")
    result = runner.invoke(args=["regions", "load", str(path)])
    assert result.exit_code == 0, result.output
    assert "stored country KZ (Republic of Kazakhstan) was removed" in result.output
    assert (
        "NATIONAL_NAMES is set: statistics rows are the national total when labelled "
        "Кыргызская Республика." in result.output
    )
    assert stored_country(app) is None
