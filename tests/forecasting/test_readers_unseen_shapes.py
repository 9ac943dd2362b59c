"""Files a Kazakh analyst gets that the readers had not seen: Kazakh quarters written with
the Cyrillic letter і as a Roman numeral and in the genitive ("2023 жылдың І тоқсаны"),
the latest year marked preliminary in brackets ("2023 (предв.)"), a cumulative column
beside single periods, indicators stacked under their own headings on one sheet, and a
data.egov.kz export with transliterated headers. Each file is built as published; the
values, periods and regions read, or the message given, are checked.
"""

from __future__ import annotations

import openpyxl

from forecasting.periods import is_cumulative, parse_period
from forecasting.readers import read_observations
from tests.forecasting.conftest import values


def test_kazakh_quarters_with_the_cyrillic_roman_numeral_and_the_genitive(write_csv) -> None:
    """A Kazakh keyboard types Roman numerals with і (U+0456): "2023 жылғы ІІ тоқсан"; the
    genitive "2023 жылдың І тоқсаны" is the other usual wording. Both were "cannot tell how
    the table is laid out"."""
    path = write_csv(
        [
            ["Өңір", "2023 жылдың І тоқсаны", "2023 жылдың ІІ тоқсаны", "2023 жылғы ІІІ тоқсан"],
            ["Ақмола облысы", "4,8", "4,7", "4,6"],
            ["Астана қ.", "4,5", "4,4", "4,4"],
        ],
        delimiter=";",
        encoding="utf-8-sig",
    )
    result = read_observations(path, indicator="youth_unemployment_rate")
    assert values(result) == {
        ("KZ-11", "2023Q1"): 4.8,
        ("KZ-11", "2023Q2"): 4.7,
        ("KZ-11", "2023Q3"): 4.6,
        ("KZ-71", "2023Q1"): 4.5,
        ("KZ-71", "2023Q2"): 4.4,
        ("KZ-71", "2023Q3"): 4.4,
    }
    assert result.report.warnings == []


def test_kazakh_periods_in_a_long_table() -> None:
    assert str(parse_period("ІV кв. 2023")) == "2023Q4"
    assert str(parse_period("2023 жылдың ІІ тоқсанында")) == "2023Q2"
    assert str(parse_period("2023 жылдың қаңтары")) == "2023-01"
    assert str(parse_period("2023 жылдың шілдесі")) == "2023-07"
    assert str(parse_period("2023 г., I квартал")) == "2023Q1"
    # the whole year, and totals since January, written the same way
    assert str(parse_period("І-ІV тоқсан 2021")) == "2021"
    assert is_cumulative("2023 жылдың І-ІІІ тоқсаны")
    assert is_cumulative("2023 жылғы І-ІІ тоқсан")
    # a Kazakh word with і is no Roman numeral
    assert str(parse_period("сәуір 2023")) == "2023-04"


def test_the_latest_year_marked_preliminary_in_brackets_is_read(write_xlsx) -> None:
    """It was left out with "their headers are not periods"; a forecast is still no year."""
    path = write_xlsx(
        [
            ["Уровень безработицы, %"],
            ["Регион", "2021", "2022 г.", "2023 г. (предв.)", "2024 (прогноз)"],
            ["Акмолинская область", 4.8, 4.7, 4.6, 4.5],
            ["г. Астана", 4.5, 4.4, 4.4, 4.3],
        ]
    )
    result = read_observations(path, indicator="unemployment_rate")
    assert values(result) == {
        ("KZ-11", "2021"): 4.8,
        ("KZ-11", "2022"): 4.7,
        ("KZ-11", "2023"): 4.6,
        ("KZ-71", "2021"): 4.5,
        ("KZ-71", "2022"): 4.4,
        ("KZ-71", "2023"): 4.4,
    }
    (warning,) = result.report.warnings
    assert "'2024 (прогноз)'" in warning.message
    for written in (
        "2023 год (предварительные данные)",
        "2023 г. (оперативные данные)",
        "2023 ж. (алдын ала деректер)",
        "2023 (prelim.)",
    ):
        assert str(parse_period(written)) == "2023", written


def test_a_cumulative_column_beside_the_periods_is_named_for_what_it_is(write_csv) -> None:
    """A press release's "2022 | 2023 | январь-сентябрь 2024", or a monthly table of totals
    since January: the years (or January) are read, the totals are named as totals since
    January (it was "their headers are not periods"); they are never read as a month."""
    path = write_csv(
        [
            ["Регион", "2022", "2023", "январь-сентябрь 2024"],
            ["Акмолинская область", "4,8", "4,7", "4,6"],
        ],
        delimiter=";",
    )
    result = read_observations(path, indicator="unemployment_rate")
    assert values(result) == {("KZ-11", "2022"): 4.8, ("KZ-11", "2023"): 4.7}
    (warning,) = result.report.warnings
    assert warning.code == "columns.cumulative_not_read"
    assert warning.params == {"columns": "'январь-сентябрь 2024'"}
    assert "totals since the start of the year" in warning.message

    path = write_csv(
        [
            ["Регион", "январь 2023", "январь–февраль 2023", "январь-март 2023"],
            ["г. Астана", "4,5", "9,4", "14,4"],
        ],
        delimiter=";",
    )
    result = read_observations(path, indicator="registered_unemployment")
    assert values(result) == {("KZ-71", "2023-01"): 4.5}
    assert [warning.code for warning in result.report.warnings] == ["columns.cumulative_not_read"]


def test_a_bureau_table_of_a_quarter_a_half_year_and_nine_months(write_csv) -> None:
    """The usual cumulative quarterly table: each kind of column is named for what it is."""
    path = write_csv(
        [
            ["Регион", "I квартал 2023", "I полугодие 2023", "9 месяцев 2023", "2023"],
            ["Акмолинская область", "4,8", "4,7", "4,6", "4,6"],
        ],
        delimiter=";",
    )
    result = read_observations(path, indicator="unemployment_rate")
    assert result.observations is None
    assert [warning.code for warning in result.report.warnings] == [
        "columns.cumulative_not_read",
        "columns.half_year_not_read",
    ]
    assert "'9 месяцев 2023'" in result.report.warnings[0].message
    assert "'I полугодие 2023'" in result.report.warnings[1].message


def test_indicators_stacked_under_their_headings_are_named_as_such(write_xlsx) -> None:
    """A bulletin's sheet: a heading, the regions, the next heading, the regions again. It
    was "a second value for region KZ-11 ..." on every cell; nothing is read either way,
    since which block is the indicator asked for is the analyst's to say."""
    path = write_xlsx(
        [
            ["Регион", "2022", "2023"],
            ["Уровень безработицы, %"],
            ["Акмолинская область", 4.8, 4.7],
            ["г. Астана", 4.5, 4.4],
            ["Уровень бедности, %"],
            ["Акмолинская область", 5.8, 5.7],
            ["г. Астана", 2.5, 2.4],
            ["Доля NEET, %"],
            ["Акмолинская область", 7.8, 7.7],
            ["г. Астана", 6.5, 6.4],
        ]
    )
    result = read_observations(path, indicator="unemployment_rate")
    assert result.observations is None
    (error,) = result.report.errors
    assert error.code == "table.stacked_under_headings"
    assert error.row == 5
    assert error.params["headings"] == "'Уровень бедности, %', 'Доля NEET, %'"
    assert error.params["heading_rows"] == "5, 8"
    assert error.params["first_row"] == 3


def test_one_region_written_twice_is_still_a_second_value(write_csv) -> None:
    """Without a heading between them, two rows of one region stay a duplicate per cell."""
    path = write_csv(
        [
            ["Регион", "2022", "2023"],
            ["Акмолинская область", "4,8", "4,7"],
            ["Ақмола облысы", "4,8", "4,7"],
            ["Примечание: данные предварительные"],
        ],
        delimiter=";",
    )
    result = read_observations(path, indicator="unemployment_rate")
    assert [error.code for error in result.report.errors] == ["key.duplicate", "key.duplicate"]


def test_an_open_data_export_with_transliterated_headers(write_csv) -> None:
    """data.egov.kz-style fields "kato, naimenovanie, god, znachenie": the KATO codes are
    found as the regions, and the names beside them were taken for an indicator ("'Акмолинская
    область' is not a number" on every row). They are the same regions: left unread."""
    path = write_csv(
        [
            ["kato", "naimenovanie", "god", "znachenie"],
            ["110000000", "Акмолинская область", "2021", "4.8"],
            ["710000000", "г. Астана", "2021", "4.5"],
            ["100000000", "Абайская область", "2022", "4.7"],
        ]
    )
    result = read_observations(path, indicator="unemployment_rate")
    assert values(result) == {
        ("KZ-11", "2021"): 4.8,
        ("KZ-71", "2021"): 4.5,
        ("KZ-10", "2022"): 4.7,
    }
    assert result.report.layout == "long"
    (warning,) = result.report.warnings
    assert warning.code == "columns.not_read"
    assert "'naimenovanie'" in warning.message


def _merged_workbook(path, rows: list[list[object]], merges: list[str]):
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    for cells in merges:
        book.active.merge_cells(cells)
    book.save(path)
    return path


def test_two_indicators_side_by_side_under_merged_group_headers(tmp_path) -> None:
    """Each indicator's name merged over its years: it was "columns '2022' and '2022' are the
    same period, revised and preliminary figures perhaps" (or, with the region header one
    row lower, "... both look like the value column")."""
    body = [["Акмолинская область", 4.8, 4.7, 5.8, 5.7], ["г. Астана", 4.5, 4.4, 2.5, 2.4]]
    region_merged = _merged_workbook(
        tmp_path / "merged_region.xlsx",
        [
            ["Регион", "Уровень безработицы, %", None, "Уровень бедности, %", None],
            [None, 2022, 2023, 2022, 2023],
            *body,
        ],
        ["A1:A2", "B1:C1", "D1:E1"],
    )
    region_below = _merged_workbook(
        tmp_path / "region_below.xlsx",
        [
            [None, "Уровень безработицы, %", None, "Уровень бедности, %", None],
            ["Регион", 2022, 2023, 2022, 2023],
            *body,
        ],
        ["B1:C1", "D1:E1"],
    )
    title_over_regions = _merged_workbook(
        tmp_path / "title_over_regions.xlsx",
        [
            ["Уровень безработицы, %", None, None, None, "Уровень бедности, %", None],
            ["Регион", 2022, 2023, None, 2022, 2023],
            ["Акмолинская область", 4.8, 4.7, None, 5.8, 5.7],
        ],
        ["A1:C1", "E1:F1"],
    )
    for path in (region_merged, region_below, title_over_regions):
        result = read_observations(path, indicator="unemployment_rate")
        assert result.observations is None
        (error,) = result.report.errors
        assert error.code == "layout.side_by_side_tables", error.message
        assert error.params["groups"] == "'Уровень безработицы, %', 'Уровень бедности, %'"


def test_one_indicator_merged_over_its_years_is_still_read(tmp_path) -> None:
    path = _merged_workbook(
        tmp_path / "one.xlsx",
        [
            [None, "Уровень безработицы, %", None],
            ["Регион", 2022, 2023],
            ["Акмолинская область", 4.8, 4.7],
        ],
        ["B1:C1"],
    )
    result = read_observations(path, indicator="unemployment_rate")
    assert values(result) == {("KZ-11", "2022"): 4.8, ("KZ-11", "2023"): 4.7}


def test_abbreviated_directions_and_a_former_name_in_brackets(write_csv) -> None:
    """Narrow bureau columns write "Вост.-Казахстанская обл."; tables of 2019-2022 write
    "г. Нур-Султан (Астана)". Both were unknown regions."""
    path = write_csv(
        [
            ["Регион", "2020", "2021"],
            ["Вост.-Казахстанская обл.", "4,8", "4,7"],
            ["Сев.-Казахстанская обл.", "4,9", "4,8"],
            ["Зап.-Казахстанская обл.", "4,7", "4,6"],
            ["г. Нур-Султан (Астана)", "4,5", "4,4"],
            ["Алматы (Алма-Ата)", "5,5", "5,4"],
        ],
        delimiter=";",
        encoding="cp1251",
    )
    result = read_observations(path, indicator="unemployment_rate")
    assert {region for region, _ in values(result)} == {"KZ-63", "KZ-59", "KZ-27", "KZ-71", "KZ-75"}


def test_a_bracket_naming_another_unit_is_still_no_unit(resolver) -> None:
    """Only the unit's own other name in brackets is read so; a city inside a region, or
    the city beside its namesake region, leaves the label unresolved."""
    assert resolver.resolve("Алматинская область (г. Талдыкорган)") is None
    assert resolver.resolve("Алматинская область (Алматы)") is None
    assert resolver.resolve("Туркестанская область (ЮКО)") is None


def test_plural_headers_name_their_columns(write_csv) -> None:
    """ "Облыстар мен қалалар; Кезеңдер; Мәндер" and "Области; Периоды; Значения": with most
    labels unknown the columns could not be found by their content, and the report said
    "cannot tell how the table is laid out" instead of naming the unknown regions."""
    for header, labels in (
        (["Области", "Периоды", "Значения"], ["Акмолинская область", "Атлантида", "Эльдорадо"]),
        (
            ["Облыстар мен қалалар", "Кезеңдер", "Мәндер"],
            ["Ақмола облысы", "Атлантида", "Эльдорадо"],
        ),
    ):
        path = write_csv([header, *([label, "2021", "4,8"] for label in labels)], delimiter=";")
        result = read_observations(path, indicator="unemployment_rate")
        assert result.report.layout == "long"
        codes = [error.code for error in result.report.errors]
        assert codes == ["region.unknown", "region.unknown", "regions.not_recognised"], codes
        assert result.report.errors[0].column == header[0]


def test_a_number_in_brackets_says_how_to_write_it(write_csv) -> None:
    """An accountant's negative "(2,0)": refused as before, now saying why and what to write
    (it was "'(2,0)' is not a number"); a unicode minus and a plus sign are read."""
    path = write_csv(
        [
            ["Регион", "2022", "2023"],
            ["Акмолинская область", "−1,2", "+0,5"],
            ["г. Астана", "1,5", "(1 234,5)"],
        ],
        delimiter=";",
    )
    result = read_observations(path, indicator="real_wage_growth")
    (error,) = result.report.errors
    assert error.code == "value.in_brackets"
    assert (error.row, error.column) == (3, "2023")
    assert error.params == {"value": "(1 234,5)", "number": "1 234,5"}
    assert "write -1 234,5 if the figure is negative" in error.message
    fixed = write_csv(
        [["Регион", "2022", "2023"], ["Акмолинская область", "−1,2", "+0,5"]],
        name="fixed.csv",
        delimiter=";",
    )
    result = read_observations(fixed, indicator="real_wage_growth")
    assert values(result) == {("KZ-11", "2022"): -1.2, ("KZ-11", "2023"): 0.5}


def test_more_than_two_columns_for_one_role_are_not_both(write_csv) -> None:
    path = write_csv(
        [
            ["Регион", "Год", "Значение", "Значение", "Значение"],
            ["Акмолинская область", "2022", "1", "2", "3"],
        ],
        delimiter=";",
    )
    (error,) = read_observations(path, indicator="unemployment_rate").report.errors
    assert error.code == "layout.two_columns_for_role"
    assert (
        "'Значение' and 'Значение' and 'Значение' all look like the value column" in error.message
    )


def test_years_merged_over_indicators_say_what_to_keep(tmp_path) -> None:
    """ "2022" merged over "Уровень безработицы", "Уровень бедности": it was "cannot tell how
    the table is laid out". A breakdown with its total (всего, мужчины, женщины) still reads."""
    path = _merged_workbook(
        tmp_path / "years_over_indicators.xlsx",
        [
            ["Регион", 2022, None, 2023, None],
            [
                None,
                "Уровень безработицы",
                "Уровень бедности",
                "Уровень безработицы",
                "Уровень бедности",
            ],
            ["Акмолинская область", 4.8, 5.8, 4.7, 5.7],
        ],
        ["A1:A2", "B1:C1", "D1:E1"],
    )
    (error,) = read_observations(path, indicator="unemployment_rate").report.errors
    assert error.code == "layout.periods_broken_down"
    assert error.params == {"subheaders": "'Уровень безработицы', 'Уровень бедности'", "row": 1}

    with_total = _merged_workbook(
        tmp_path / "with_total.xlsx",
        [
            ["Регион", 2022, None, 2023, None],
            [None, "всего", "женщины", "всего", "женщины"],
            ["Акмолинская область", 4.8, 5.8, 4.7, 5.7],
        ],
        ["A1:A2", "B1:C1", "D1:E1"],
    )
    result = read_observations(with_total, indicator="unemployment_rate")
    assert values(result) == {("KZ-11", "2022"): 4.8, ("KZ-11", "2023"): 4.7}
