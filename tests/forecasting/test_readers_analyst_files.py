"""Files a new analyst brings on the first day: bureau workbooks in Russian, Kazakh and
English as stat.gov.kz publishes them, with the details that broke readers before (a hidden
helper sheet before the table, "1st quarter" headers, totals since January as headers,
Eurostat flags, World Bank year codes). Each file is built in code; values, periods and
regions read are checked, not only "no error".
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
import xlwt

from forecasting.periods import is_cumulative, month_or_quarter_name, parse_period
from forecasting.readers import read_observations
from tests.forecasting.conftest import values

NBSP = "\u00a0"
#: The 20 units and the national total as the bureau's Russian, Kazakh and English tables
#: label them (footnote marks, "1)" notes, "қ." and "г." city words), in its order.
LABELS = {
    "ru": [
        "Республика Казахстан",
        "Абайская область¹",
        "Акмолинская область",
        "Актюбинская область",
        "Алматинская область 1)",
        "Атырауская область",
        "Западно-Казахстанская область",
        "Жамбылская область",
        "Жетісуская область",
        "Карагандинская область",
        "Костанайская область",
        "Кызылординская область",
        "Мангистауская область",
        "Павлодарская область",
        "Северо-Казахстанская область",
        "Туркестанская область",
        "Улытауская область",
        "Восточно-Казахстанская область",
        "г. Астана",
        "г. Алматы",
        "Шымкент қ.",
    ],
    "kk": [
        "Қазақстан Республикасы",
        "Абай облысы",
        "Ақмола облысы",
        "Ақтөбе облысы",
        "Алматы облысы",
        "Атырау облысы",
        "Батыс Қазақстан облысы",
        "Жамбыл облысы",
        "Жетісу облысы",
        "Қарағанды облысы",
        "Қостанай облысы",
        "Қызылорда облысы",
        "Маңғыстау облысы",
        "Павлодар облысы",
        "Солтүстік Қазақстан облысы",
        "Түркістан облысы",
        "Ұлытау облысы",
        "Шығыс Қазақстан облысы",
        "Астана қ.",
        "Алматы қ.",
        "Шымкент қ.",
    ],
    "en": [
        "Republic of Kazakhstan",
        "Abai region",
        "Akmola region",
        "Aktobe region",
        "Almaty region",
        "Atyrau region",
        "West Kazakhstan region",
        "Zhambyl region",
        "Zhetysu region",
        "Karaganda region",
        "Kostanay region",
        "Kyzylorda region",
        "Mangystau region",
        "Pavlodar region",
        "North Kazakhstan region",
        "Turkistan region",
        "Ulytau region",
        "East Kazakhstan region",
        "Astana city",
        "Almaty city",
        "Shymkent city",
    ],
}
CODES = ["KZ-10", "KZ-11", "KZ-15", "KZ-19", "KZ-23", "KZ-27", "KZ-31", "KZ-33", "KZ-35",
         "KZ-39", "KZ-43", "KZ-47", "KZ-55", "KZ-59", "KZ-61", "KZ-62", "KZ-63", "KZ-71",
         "KZ-75", "KZ-79"]  # fmt: skip
QUARTERS = {
    "ru": ["I квартал", "II квартал", "III квартал", "IV квартал"],
    "kk": ["I тоқсан", "II тоқсан", "III тоқсан", "IV тоқсан"],
    "en": ["1st quarter", "2nd quarter", "3rd quarter", "4th quarter"],
}
TEXTS = {
    "ru": ("Численность безработных по регионам", "тыс. человек", "Примечание: ¹ с 2022 года"),
    "kk": ("Өңірлер бойынша жұмыссыздар саны", "мың адам", "Ескерту: ¹ 2022 жылдан бастап"),
    "en": ("Number of unemployed by region", "thousand people", "Note: ¹ since 2022"),
}
#: No-data marks the bureau prints, one per row from the third region on (x and Cyrillic х).
MARKS = ["-", "–", "…", "...", "x", "х"]


def thousands(value: float) -> str:
    """12 345,6 as the bureau writes it: non-breaking spaces between thousands, comma."""
    return f"{value:,.1f}".replace(",", NBSP).replace(".", ",")


def expected(row: int, column: int) -> float:
    return 1000 * (4 + 0.1 * row) + 10 * column + 0.5


def bureau_quarters(path: Path, language: str) -> Path:
    """Title, unit row, blank, years merged over quarters (two header rows), the national
    total first, a blank spacer, numbers as text, no-data marks, a footer note."""
    title, unit, note = TEXTS[language]
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append([title])
    sheet.append([unit])
    sheet.append([])
    sheet.append([None, "2023", None, None, None, "2024", None])
    sheet.merge_cells("B4:E4")
    sheet.merge_cells("F4:G4")
    sheet.append([None, *QUARTERS[language], *QUARTERS[language][:2]])
    sheet.merge_cells("A4:A5")
    for row, label in enumerate(LABELS[language]):
        cells = [thousands(expected(row, column)) for column in range(6)]
        if 3 <= row < 3 + len(MARKS):
            cells[row - 3] = MARKS[row - 3]
        sheet.append([label, *cells])
        if row == 0:
            sheet.append([])
    sheet.append([])
    sheet.append([note])
    workbook.save(path)
    return path


@pytest.mark.parametrize("language", ["ru", "kk", "en"])
def test_a_quarterly_bureau_workbook_in_each_language(tmp_path: Path, language: str) -> None:
    path = bureau_quarters(tmp_path / f"q_{language}.xlsx", language)
    result = read_observations(path, indicator="unemployed")
    assert result.report.ok, result.report.to_text()
    read = values(result)
    periods = ["2023Q1", "2023Q2", "2023Q3", "2023Q4", "2024Q1", "2024Q2"]
    assert {region for region, _ in read} == set(CODES)
    assert sorted({period for _, period in read}) == periods
    assert len(read) == 20 * 6 - len(MARKS)
    for row, code in enumerate(CODES, start=1):
        for column, period in enumerate(periods):
            if 3 <= row < 3 + len(MARKS) and column == row - 3:
                assert (code, period) not in read
            else:
                assert read[(code, period)] == pytest.approx(expected(row, column))
    totals = result.national_totals
    assert totals["value"].tolist() == [expected(0, column) for column in range(6)]
    warnings = [str(issue) for issue in result.report.warnings]
    assert sum("no-data mark" in warning for warning in warnings) == len(MARKS)
    assert any(TEXTS[language][2] in warning for warning in warnings)


def test_ordinal_quarters_are_quarters() -> None:
    """English tables write "1st quarter"; Kazakh ones "3-ші тоқсан"."""
    assert month_or_quarter_name("1st quarter") == ("Q", 1)
    assert month_or_quarter_name("2nd Quarter") == ("Q", 2)
    assert month_or_quarter_name("3-ші тоқсан") == ("Q", 3)
    assert month_or_quarter_name("4th qtr") == ("Q", 4)
    assert str(parse_period("3rd quarter 2023")) == "2023Q3"
    assert str(parse_period("2021 жылғы 2-ші тоқсан")) == "2021Q2"
    assert month_or_quarter_name("1st") is None


MONTHS = {
    "ru": ["январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август",
           "сентябрь", "октябрь", "ноябрь", "декабрь"],
    "kk": ["қаңтар", "ақпан", "наурыз", "сәуір", "мамыр", "маусым", "шілде", "тамыз",
           "қыркүйек", "қазан", "қараша", "желтоқсан"],
}  # fmt: skip


def monthly_workbook(path: Path, language: str, *, xls: bool = False) -> Path:
    """A contents sheet, a hidden helper sheet with a small table, then the published one:
    the year merged over the month names, prices in % with decimal commas."""
    sheets: list[tuple[str, list[list[object]], bool]] = [
        ("Содержание", [["Содержание"], ["1. Индекс потребительских цен"]], False),
        (
            "расчет",
            [["Регион", "2023", "2024"], ["Абайская область", 1, 2], ["Акмолинская область", 3, 4]],
            True,
        ),
    ]
    table: list[list[object]] = [
        ["Индекс потребительских цен", *[None] * 11, "%"],
        ["(в % к предыдущему месяцу)"],
        [None, "2024", *[None] * 11],
        [None, *MONTHS[language]],
    ]
    for row, label in enumerate(LABELS[language]):
        table.append([label, *[f"{100 + 0.1 * month + 0.01 * row:.2f}".replace(".", ",")
                               for month in range(12)]])  # fmt: skip
    table.append(["Примечание: данные предварительные"])
    sheets.append(("1", table, False))
    if xls:
        book = xlwt.Workbook()
        for name, rows, hidden in sheets:
            sheet = book.add_sheet(name)
            sheet.visibility = 1 if hidden else 0
            for number, cells in enumerate(rows):
                for column, cell in enumerate(cells):
                    if cell is not None:
                        sheet.write(number, column, cell)
        book.save(str(path))
        return path
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for name, rows, hidden in sheets:
        sheet = workbook.create_sheet(name)
        for cells in rows:
            sheet.append(cells)
        if hidden:
            sheet.sheet_state = "hidden"
        if name == "1":
            sheet.merge_cells("B3:M3")
    workbook.save(path)
    return path


@pytest.mark.parametrize(("language", "suffix"), [("ru", "xlsx"), ("kk", "xlsx"), ("ru", "xls")])
def test_a_hidden_helper_sheet_is_passed_over(tmp_path: Path, language: str, suffix: str) -> None:
    path = monthly_workbook(tmp_path / f"cpi.{suffix}", language, xls=suffix == "xls")
    result = read_observations(path, indicator="cpi")
    assert result.report.ok, result.report.to_text()
    read = values(result)
    assert len(read) == 20 * 12
    assert read[("KZ-10", "2024-01")] == pytest.approx(100.01)
    assert read[("KZ-79", "2024-12")] == pytest.approx(101.3)
    assert len(result.national_totals) == 12
    assert not any("other sheets" in str(issue) for issue in result.report.warnings)
    # Named, the hidden sheet is still read.
    hidden = read_observations(path, indicator="cpi", sheet="расчет")
    assert values(hidden) == {
        ("KZ-10", "2023"): 1,
        ("KZ-10", "2024"): 2,
        ("KZ-11", "2023"): 3,
        ("KZ-11", "2024"): 4,
    }


@pytest.mark.parametrize(
    ("header", "sub"),
    [
        (["Объем производства", None, None, "млн. тенге"], None),
        (
            ["", "2023", None, "2024", None],
            ["", "январь-март", "январь-июнь", "январь-март", "январь-июнь"],
        ),
    ],
)
def test_totals_since_january_as_headers_are_named(
    write_xlsx: Callable, header: list, sub: list | None
) -> None:
    """Column headers "январь-март 2024" (or "январь-март" under a year) are refused with
    what to export, not "cannot tell how the table is laid out"."""
    rows: list[list[object]] = [header]
    if sub is None:
        rows.append(["", "январь-март 2024", "январь-июнь 2024", "январь-сентябрь 2024"])
    else:
        rows.append(sub)
    rows += [[label, "1,5", "2,5", "3,5", "4,5"] for label in LABELS["ru"][1:4]]
    result = read_observations(write_xlsx(rows), indicator="output")
    assert result.observations is None
    (error,) = result.report.errors
    assert error.code == "period.cumulative"
    assert "январь-март" in error.params["value"]
    assert "totals since the start of the year" in error.message
    assert "export the figures of each month or quarter" in error.message


@pytest.mark.parametrize(
    ("text", "cumulative"),
    [
        ("январь-март 2024", True),
        ("2023: январь-июнь", True),
        ("Jan-Jun 2023", True),
        ("қаңтар-наурыз", True),
        ("I-III кв. 2023", True),
        ("Q1-Q3 2023", True),
        ("январь 2024", False),
        ("2020-12", False),
        ("Jan-23", False),
        ("1-2", False),
        ("I квартал", False),
    ],
)
def test_what_counts_as_a_total_since_january(text: str, cumulative: bool) -> None:
    assert is_cumulative(text) is cumulative


def test_a_long_table_of_cumulative_periods_still_names_each_row(write_csv: Callable) -> None:
    path = write_csv(
        [["Регион", "Период", "Значение"], ["Акмолинская", "Январь-июнь", "5"]], delimiter=";"
    )
    result = read_observations(path, indicator="x")
    (error,) = result.report.errors
    assert error.code == "period.cumulative"
    assert error.row == 2


def test_eurostat_flags_and_colons(write_csv: Callable) -> None:
    """Eurostat and SDMX exports flag values after a space ("12.3 p") and write ":" (with a
    flag, ": c") for no data."""
    path = write_csv(
        [
            ["Region", "2022", "2023"],
            ["Akmola", "4.1 p", ":"],
            ["Aktobe", "5 b", ": c"],
            ["Almaty city", "6.2 e", "6.3"],
        ]
    )
    result = read_observations(path, indicator="x")
    assert values(result) == {
        ("KZ-11", "2022"): 4.1,
        ("KZ-15", "2022"): 5.0,
        ("KZ-75", "2022"): 6.2,
        ("KZ-75", "2023"): 6.3,
    }
    warnings = [str(issue) for issue in result.report.warnings]
    assert sum("no-data mark" in warning for warning in warnings) == 2
    assert sum("footnote mark" in warning for warning in warnings) == 3
    # A word after a number is still no number.
    bad = write_csv([["Region", "2022"], ["Akmola", "4.1 млн"]], name="bad.csv")
    (error,) = read_observations(bad, indicator="x").report.errors
    assert error.code == "value.not_a_number"
    assert error.row == 2 and error.column == "2022"


def test_a_column_without_header_is_named_as_the_messages_name_it(write_xlsx: Callable) -> None:
    """The reader calls an unnamed column "column A"; ``region_column`` takes that name (or
    the letter) back."""
    rows = [
        ["Численность населения", None, None],
        [None, "2023 г.", "2024 г."],
        ["Акмолинская область", f"785{NBSP}000", f"788{NBSP}000"],
        ["г. Астана", f"1{NBSP}354{NBSP}000", f"1{NBSP}423{NBSP}000"],
    ]
    path = write_xlsx(rows)
    for name in ("column A", "A", "a"):
        result = read_observations(path, indicator="population", region_column=name)
        assert values(result) == {
            ("KZ-11", "2023"): 785000,
            ("KZ-11", "2024"): 788000,
            ("KZ-71", "2023"): 1354000,
            ("KZ-71", "2024"): 1423000,
        }
    (error,) = read_observations(path, indicator="population", region_column="B").report.errors
    assert error.code == "layout.no_column_named"


@pytest.mark.parametrize(
    "text",
    ["январь-декабрь 2023 г.", "2023 жылғы қаңтар-желтоқсан", "I-IV кв. 2023", "Jan.-Dec. 2023",
     "Q1-Q4 2023"],
)  # fmt: skip
def test_january_to_december_is_the_year(text: str) -> None:
    assert not is_cumulative(text)
    assert str(parse_period(text)) == "2023"


def test_a_table_of_january_to_december_figures_is_annual(write_xlsx: Callable) -> None:
    """Bureau tables of annual totals head them "январь-декабрь 2023"; beside a total since
    January under the same year, the year's column is read and the other one named."""
    rows = [
        ["", "январь-декабрь 2022", "январь-декабрь 2023"],
        ["Акмолинская область", "1,5", "2,5"],
        ["г. Астана", "3,5", "4,5"],
    ]
    assert values(read_observations(write_xlsx(rows), indicator="x")) == {
        ("KZ-11", "2022"): 1.5,
        ("KZ-11", "2023"): 2.5,
        ("KZ-71", "2022"): 3.5,
        ("KZ-71", "2023"): 4.5,
    }
    rows = [
        ["", "2022", None, "2023", None],
        ["", "январь-июнь", "январь-декабрь", "январь-июнь", "январь-декабрь"],
        ["Акмолинская область", "1,5", "2,5", "1,6", "2,6"],
        ["г. Астана", "3,5", "4,5", "3,6", "4,6"],
    ]
    result = read_observations(write_xlsx(rows, name="two.xlsx"), indicator="x")
    assert values(result) == {
        ("KZ-11", "2022"): 2.5,
        ("KZ-11", "2023"): 2.6,
        ("KZ-71", "2022"): 4.5,
        ("KZ-71", "2023"): 4.6,
    }
    assert "'2022: январь-июнь', '2023: январь-июнь'" in result.report.to_text()


#: Kazakh in the Latin alphabet of 2021 (ş, ğ, ı for ы, i for і) and of 2018 (ı for і), as
#: newer bureau and akimat tables write region names.
KAZAKH_LATIN = {
    "Qazaqstan Respublikasy": None,
    "Abai oblysy": "KZ-10",
    "Jetısu oblysy": "KZ-33",
    "Türkıstan oblysy": "KZ-61",
    "Şyğys Qazaqstan oblysy": "KZ-63",
    "Soltüstik Qazaqstan oblysy": "KZ-59",
    "Qaraghandy oblysy": "KZ-35",
    "Mañğystau oblysy": "KZ-47",
    "Şymkent qalasy": "KZ-79",
}


def test_kazakh_latin_region_names(write_csv: Callable) -> None:
    rows = [["Aımaq", "2023"], *[[label, "1,5"] for label in KAZAKH_LATIN]]
    result = read_observations(write_csv(rows, delimiter=";"), indicator="x")
    assert result.report.ok, result.report.to_text()
    assert sorted(result.observations["region"]) == sorted(
        code for code in KAZAKH_LATIN.values() if code
    )
    assert result.national_totals["label"].tolist() == ["Qazaqstan Respublikasy"]


def test_a_note_in_brackets_after_a_region_name(write_csv: Callable) -> None:
    """ "(без г. Астана)" says what the figure covered: the name before it is the unit. A
    place in brackets ("(г. Талдыкорган)") makes the row a part of a unit: not read as one."""
    rows = [
        ["Регион", "2021"],
        ["Акмолинская область (без г. Астана)", "4,8"],
        ["Алматинская область (с 2022 г. без Жетісу)", "4,7"],
        ["Karaganda region (incl. Ulytau)", "4,6"],
        ["Абай облысы (2022 жылдан бастап)", "4,5"],
    ]
    read = read_observations(write_csv(rows, delimiter=";"), indicator="x")
    assert read.report.ok, read.report.to_text()
    assert read.observations["region"].tolist() == ["KZ-10", "KZ-11", "KZ-19", "KZ-35"]
    rows = [["Регион", "2021"], ["Алматинская область (г. Талдыкорган)", "4,8"]]
    part = write_csv(rows, name="part.csv", delimiter=";")
    (error,) = read_observations(part, indicator="x").report.errors[:1]
    assert error.row == 2 and "Талдыкорган" in error.message


@pytest.mark.parametrize(
    ("total", "region", "parts"),
    [
        ("Республика Казахстан", "Акмолинская область", ["городская местность", "сельская местность"]),
        ("Қазақстан Республикасы", "Ақмола облысы", ["қалалық жер", "ауылдық жер"]),
        ("Republic of Kazakhstan", "Akmola region", ["men", "women"]),
    ],
)  # fmt: skip
def test_rows_breaking_a_region_down_are_not_regions(
    write_xlsx: Callable, total: str, region: str, parts: list[str]
) -> None:
    """Bureau tables print urban/rural (or men/women) rows under each region and the total:
    the region's own row is read, the breakdown rows are named in one warning."""
    rows: list[list[object]] = [["", "2022", "2023"]]
    for label, base in ((total, 4.9), (region, 4.7), ("г. Астана", 4.5)):
        rows.append([label, base, base - 0.1])
        for offset, part in enumerate(parts, start=1):
            rows.append([part, base + offset, base + offset - 0.1])
    result = read_observations(write_xlsx(rows), indicator="x")
    assert values(result) == pytest.approx(
        {("KZ-11", "2022"): 4.7, ("KZ-11", "2023"): 4.6, ("KZ-71", "2022"): 4.5,
         ("KZ-71", "2023"): 4.4}
    )  # fmt: skip
    assert result.national_totals["value"].tolist() == pytest.approx([4.9, 4.8])
    (warning,) = [w for w in result.report.warnings if w.code == "row.breakdown_skipped"]
    assert warning.params["count"] == 6
    assert warning.params["rows"] == [3, 4, 6, 7, 9, 10]
    assert all(repr(part) in warning.params["labels"] for part in parts)
