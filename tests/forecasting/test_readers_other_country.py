"""Another country's statistics under its own region list: Kyrgyzstan's 7 regions and 2
cities, loaded from a units file, in the files its bureau and international databases
publish (stat.kg tables in Russian, Kyrgyz and English, SDMX-CSV, Eurostat TSV, World Bank
DataBank CSV), read by the library and by every command given ``--units``.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from forecasting.cli import main
from forecasting.geography import RegionResolver, default_resolver, load_units
from forecasting.readers import read_observations
from tests.forecasting.conftest import values

UNITS = """code,kind,name_kk,name_ru,name_en,aliases,valid_from,valid_to,predecessors
KG-B,region,,Баткенская область,Batken Region,Batken|Баткен облусу,,,
KG-C,region,,Чуйская область,Chuy Region,Chui|Chüy|Чүй облусу,,,
KG-J,region,,Джалал-Абадская область,Jalal-Abad Region,Jalal-Abad|Жалал-Абад облусу,,,
KG-N,region,,Нарынская область,Naryn Region,Naryn|Нарын облусу,,,
KG-O,region,,Ошская область,Osh Region,Ош облусу,,,
KG-T,region,,Таласская область,Talas Region,Talas|Талас облусу,,,
KG-Y,region,,Иссык-Кульская область,Issyk-Kul Region,Issyk-Kul|Ысык-Көл облусу,,,
KG-GB,city,,г. Бишкек,Bishkek City,Bishkek|Бишкек,,,
KG-GO,city,,г. Ош,Osh City,,,,
"""
CODES = ["KG-B", "KG-C", "KG-J", "KG-N", "KG-O", "KG-T", "KG-Y", "KG-GB", "KG-GO"]
#: As stat.kg labels them; the Kyrgyz city names are written with the abbreviation "ш."
#: (шаары), which the units file does not list.
LABELS = {
    "ru": ["Кыргызская Республика", "Баткенская область", "Чуйская область",
           "Джалал-Абадская область", "Нарынская область", "Ошская область",
           "Таласская область", "Иссык-Кульская область", "г. Бишкек", "г. Ош"],
    "ky": ["Кыргыз Республикасы", "Баткен облусу", "Чүй облусу", "Жалал-Абад облусу",
           "Нарын облусу", "Ош облусу", "Талас облусу", "Ысык-Көл облусу", "Бишкек ш.",
           "Ош ш."],
    "en": ["Kyrgyz Republic", "Batken", "Chui", "Jalal-Abad", "Naryn", "Osh region", "Talas",
           "Issyk-Kul", "Bishkek city", "Osh city"],
}  # fmt: skip


@pytest.fixture
def units(tmp_path: Path) -> Path:
    path = tmp_path / "kg_units.csv"
    path.write_text(UNITS, encoding="utf-8")
    return path


@pytest.fixture
def kyrgyzstan(units: Path) -> RegionResolver:
    return RegionResolver(load_units(units))


def value(row: int, year: int) -> float:
    return round(5 + 0.3 * row + 0.1 * (year - 2015), 1)


def test_the_state_is_the_national_total_when_the_list_does_not_name_it(
    kyrgyzstan: RegionResolver,
) -> None:
    for label in ("Кыргызская Республика", "Кыргыз Республикасы", "Kyrgyz Republic",
                  "Republic of Kyrgyzstan", "Total"):  # fmt: skip
        assert kyrgyzstan.is_national_total(label), label
    assert not kyrgyzstan.is_national_total("Чуйская область")
    # Kazakhstan's names are Kazakhstan's: not the total of another country's list.
    assert not kyrgyzstan.is_national_total("Kazakhstan")
    # A list that names its country, and Kazakhstan's, take no other state for theirs.
    assert not default_resolver().is_national_total("Kyrgyz Republic")
    named = RegionResolver(kyrgyzstan.units, national_names=["Кыргызстан"])
    assert named.is_national_total("Кыргызстан")
    assert not named.is_national_total("Республика Казахстан")
    # A unit named as a republic stays a unit.
    karakalpakstan = RegionResolver(
        [*kyrgyzstan.units[:1], kyrgyzstan.units[1].__class__(
            "UZ-QR", "region", "", "Республика Каракалпакстан", "Karakalpakstan")]
    )  # fmt: skip
    assert not karakalpakstan.is_national_total("Республика Каракалпакстан")
    assert karakalpakstan.resolve("Республика Каракалпакстан").code == "UZ-QR"


def test_kyrgyz_and_uzbek_administrative_words(kyrgyzstan: RegionResolver) -> None:
    assert kyrgyzstan.resolve("Бишкек ш.").code == "KG-GB"
    assert kyrgyzstan.resolve("Бишкек шаары").code == "KG-GB"
    assert kyrgyzstan.resolve("Ош ш.").code == "KG-GO"
    assert kyrgyzstan.resolve("Талас облусу").code == "KG-T"
    assert kyrgyzstan.resolve("Naryn viloyati").code == "KG-N"
    # "Ош" alone is the region and the city: no guess.
    assert kyrgyzstan.resolve("Ош") is None


def stat_kg(path: Path, language: str) -> Path:
    """Title, unit row, years across, the national total first, a no-data dash, a note."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Уровень безработицы"])
    sheet.append([None, None, None, None, "(в процентах)"])
    sheet.append([])
    sheet.append([None, *range(2019, 2024)])
    for row, label in enumerate(LABELS[language]):
        cells = [f"{value(row, year):.1f}".replace(".", ",") for year in range(2019, 2024)]
        if row == 7:
            cells[0] = "-"
        sheet.append([label, *cells])
    sheet.append(["Примечание: по данным обследования рабочей силы"])
    workbook.save(path)
    return path


@pytest.mark.parametrize("language", ["ru", "ky", "en"])
def test_a_stat_kg_table_in_each_language(
    tmp_path: Path, kyrgyzstan: RegionResolver, language: str
) -> None:
    path = stat_kg(tmp_path / f"kg_{language}.xlsx", language)
    result = read_observations(path, indicator="unemployment_rate", resolver=kyrgyzstan)
    assert result.report.ok, result.report.to_text()
    read = values(result)
    assert len(read) == 9 * 5 - 1
    for row, code in enumerate(CODES, start=1):
        for year in range(2019, 2024):
            if (row, year) != (7, 2019):
                assert read[(code, str(year))] == pytest.approx(value(row, year))
    assert result.national_totals["label"].unique().tolist() == [LABELS[language][0]]
    assert result.national_totals["value"].tolist() == [value(0, y) for y in range(2019, 2024)]


def test_sdmx_csv_of_annual_and_quarterly_data(tmp_path: Path, kyrgyzstan: RegionResolver) -> None:
    annual = tmp_path / "sdmx.csv"
    with annual.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(["DATAFLOW", "FREQ", "REF_AREA", "INDICATOR", "UNIT_MEASURE",
                         "TIME_PERIOD", "OBS_VALUE", "OBS_STATUS"])  # fmt: skip
        for row, code in enumerate(CODES, start=1):
            for year in range(2015, 2024):
                number = "" if (code, year) == ("KG-J", 2018) else value(row, year)
                writer.writerow(["KG:DF_LFS(1.0)", "A", code, "UNEMP", "PT", year, number,
                                 "M" if number == "" else "A"])  # fmt: skip
    result = read_observations(annual, resolver=kyrgyzstan)
    read = values(result)
    assert len(read) == 9 * 9 - 1
    assert read[("KG-GO", "2023")] == pytest.approx(value(9, 2023))
    assert set(result.observations["indicator"]) == {"UNEMP"}
    assert "1 row(s) have no value" in result.report.to_text()

    quarterly = tmp_path / "sdmx2.csv"
    with quarterly.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(["STRUCTURE", "STRUCTURE_ID", "ACTION", "FREQ", "REF_AREA",
                         "TIME_PERIOD", "OBS_VALUE"])  # fmt: skip
        for code in CODES:
            for quarter in range(1, 5):
                writer.writerow(["dataflow", "KG:DF(1.0)", "I", "Q", code, f"2023-Q{quarter}",
                                 quarter])  # fmt: skip
    read = values(read_observations(quarterly, indicator="x", resolver=kyrgyzstan))
    assert read[("KG-B", "2023Q4")] == 4 and len(read) == 36


def eurostat_tsv(path: Path) -> Path:
    """Eurostat's TSV: dimensions joined in the first column, flags after the values."""
    lines = ["freq,unit,geo\\TIME_PERIOD\t" + "\t".join(f"{y} " for y in range(2020, 2024))]
    for row, code in enumerate(CODES, start=1):
        cells = [f"{value(row, year)} " for year in range(2020, 2024)]
        cells[-1] = f"{value(row, 2023)} p"
        if code == "KG-C":
            cells[0] = ": "
        if code == "KG-J":
            cells[1] = ": c"
        lines.append(f"A,PC,{code}\t" + "\t".join(cells))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_eurostat_tsv_with_flags(tmp_path: Path, kyrgyzstan: RegionResolver) -> None:
    result = read_observations(
        eurostat_tsv(tmp_path / "estat.tsv"), indicator="x", resolver=kyrgyzstan
    )
    read = values(result)
    assert len(read) == 9 * 4 - 2
    assert ("KG-C", "2020") not in read and ("KG-J", "2021") not in read
    assert read[("KG-GB", "2023")] == pytest.approx(value(8, 2023))
    text = result.report.to_text()
    assert "9 value(s) carry the footnote mark 'p'" in text
    assert "no-data mark ': c'" in text
    # The dimensions are columns: "geo" is the region column, "freq" is not read.
    assert "column(s) not read: 'freq'" in text


def test_world_bank_databank_csv(tmp_path: Path, kyrgyzstan: RegionResolver) -> None:
    path = tmp_path / "wdi.csv"
    names = ["Batken", "Chui", "Jalal-Abad", "Naryn", "Osh region", "Talas", "Issyk-Kul",
             "Bishkek city", "Osh city"]  # fmt: skip
    with path.open("w", newline="", encoding="utf-8-sig") as stream:
        writer = csv.writer(stream)
        writer.writerow(["Country Name", "Country Code", "Series Name", "Series Code",
                         *[f"{y} [YR{y}]" for y in range(2015, 2024)]])  # fmt: skip
        for row, (name, code) in enumerate(zip(names, CODES, strict=True), start=1):
            writer.writerow([name, code, "Unemployment, total (% of total labor force)",
                             "SL.UEM.TOTL.ZS",
                             *[".." if (row, y) == (5, 2015) else value(row, y)
                               for y in range(2015, 2024)]])  # fmt: skip
        writer.writerows([[], [], ["Data from database: World Development Indicators"],
                          ["Last Updated: 12/19/2023"]])  # fmt: skip
    result = read_observations(path, resolver=kyrgyzstan)
    read = values(result)
    assert len(read) == 9 * 9 - 1
    assert read[("KG-O", "2016")] == pytest.approx(value(5, 2016))
    assert set(result.observations["indicator"]) == {"SL.UEM.TOTL.ZS"}
    # The other column of each pair is named as not read.
    assert "'Series Name'" in result.report.to_text()


def long_panel(path: Path) -> Path:
    """Two indicators, 14 years, Russian labels, semicolons and decimal commas."""
    rows = [["Регион", "Год", "Показатель", "Значение"]]
    for indicator, shift in (("unemployment_rate", 0.0), ("poverty_rate", 10.0)):
        for row, label in enumerate(LABELS["ru"][1:], start=1):
            for year in range(2010, 2024):
                number = 5 + 0.7 * row + ((year * 7 + row * 3) % 5) * 0.3 + shift
                rows.append([label, year, indicator, f"{number:.1f}".replace(".", ",")])
    path.write_text("\n".join(";".join(map(str, row)) for row in rows) + "\n", encoding="utf-8")
    return path


def test_the_commands_read_another_countrys_units(tmp_path: Path, units: Path, capsys) -> None:
    data = long_panel(tmp_path / "kg.csv")
    # Without --units, Kyrgyzstan's names are no regions of the default (Kazakh) list.
    assert main(["validate", str(data)]) == 1
    assert "unknown region 'Баткенская область'" in capsys.readouterr().out
    assert main(["validate", str(data), "--units", str(units)]) == 0
    assert "252 observation(s), 0 error(s)" in capsys.readouterr().out

    assert main(["score", "--data", str(data), "--units", str(units)]) == 0
    out = capsys.readouterr().out
    assert "KG-GO   Osh City" in out and "Batken Region" in out

    fast = ["--models", "naive", "--origins", "1", "--horizon", "2", "--units", str(units)]
    forecasts = tmp_path / "forecasts.csv"
    assert main(["forecast", "--data", str(data), *fast, "--out", str(forecasts)]) == 0
    frame = pd.read_csv(forecasts)
    assert set(frame["region"]) == set(CODES)
    assert set(frame["period"]) == {2024, 2025}
    report = tmp_path / "backtest.json"
    assert main(["backtest", "--data", str(data), *fast, "--json", str(report)]) == 0
    assert json.loads(report.read_text(encoding="utf-8"))


def test_an_unusable_units_file_is_a_usage_error(tmp_path: Path, capsys) -> None:
    data = long_panel(tmp_path / "kg.csv")
    assert main(["validate", str(data), "--units", str(tmp_path / "none.csv")]) == 2
    assert "no such region list" in capsys.readouterr().err
    bad = tmp_path / "bad.csv"
    bad.write_text("code,kind\nX-1,region\n", encoding="utf-8")
    assert main(["validate", str(data), "--units", str(bad)]) == 2
    err = capsys.readouterr().err
    assert f"the region list {bad} is not usable" in err
    assert "missing column(s)" in err


def test_sdmx_csv_with_labels(tmp_path: Path, kyrgyzstan: RegionResolver) -> None:
    """``labels=both``: "REF_AREA: Reference area" over "KG-B: Batken Region"; the codes are
    read as in the file without labels."""
    path = tmp_path / "sdmx_labels.csv"
    names = dict(zip(CODES, LABELS["en"][1:], strict=True))
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(["DATAFLOW", "FREQ: Frequency", "REF_AREA: Reference area",
                         "INDICATOR: Indicator", "TIME_PERIOD: Time period", "OBS_VALUE",
                         "OBS_STATUS: Observation status"])  # fmt: skip
        for row, code in enumerate(CODES, start=1):
            for year in (2022, 2023):
                writer.writerow(["KG:DF(1.0)", "A: Annual", f"{code}: {names[code]}",
                                 "UNEMP: Unemployment rate", year, value(row, year),
                                 "A: Normal value"])  # fmt: skip
    result = read_observations(path, resolver=kyrgyzstan)
    read = values(result)
    assert len(read) == 18
    assert read[("KG-Y", "2023")] == pytest.approx(value(7, 2023))
    assert set(result.observations["indicator"]) == {"UNEMP"}
    assert "column(s) not read: 'DATAFLOW', 'FREQ', 'OBS_STATUS'" in result.report.to_text()


def test_the_commands_take_the_national_names_from_the_units_files_country_row(
    tmp_path: Path, units: Path, capsys
) -> None:
    """Without a country row "Кыргызстан" was an unknown region and "Республика Узбекистан"
    was taken for Kyrgyzstan's total; the row names the country, and no other state."""
    data = tmp_path / "kg.csv"
    data.write_text(
        "Регион;2022;2023\nКыргызстан;5,0;5,1\n"
        + "".join(f"{label};5,1;5,2\n" for label in LABELS["ru"][1:]),
        encoding="utf-8",
    )
    named = tmp_path / "kg_named.csv"
    named.write_text(
        UNITS.replace(
            "predecessors\n",
            "predecessors\nKG,country,Кыргыз Республикасы,Кыргызская Республика,"
            "Kyrgyz Republic,Кыргызстан|Кыргызской Республике,,,\n",
        ),
        encoding="utf-8",
    )
    options = ["--indicator", "unemployment_rate", "--units", str(named)]
    assert main(["validate", str(data), *options]) == 0
    assert "0 error(s)" in capsys.readouterr().out
    other = tmp_path / "kg_other.csv"
    other.write_text(
        data.read_text(encoding="utf-8") + "Республика Узбекистан;4,9;4,8\n", encoding="utf-8"
    )
    assert main(["validate", str(other), *options]) == 1
    out = capsys.readouterr().out
    assert "unknown region 'Республика Узбекистан'" in out
    assert "'Кыргызстан'" not in out
