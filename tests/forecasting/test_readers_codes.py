"""Every issue carries a stable code and its parameters beside the English text.

The web app words issues in the analyst's language from ``code`` and ``params``; the command
line keeps printing ``message``. These tests pin the codes of the common problems and that
the parameters hold what the message quotes (row and column stay on the issue itself).
"""

from __future__ import annotations

from collections.abc import Callable

from forecasting.readers import read_observations


def test_common_problems_have_codes_and_parameters(write_csv: Callable) -> None:
    path = write_csv(
        [
            ["Регион", "Год", "Значение"],
            ["Atlantis", "2021", "1"],
            ["Акмолинская обл", "20x1", "2"],
            ["Костанайская область", "2021", "abc"],
            ["Akmola", "2021", "4"],
            ["Akmola region", "2021", "5"],
            ["ВКО", "2019", "6"],
        ],
        delimiter=";",
    )
    result = read_observations(path, indicator="unemployment_rate")
    issues = {issue.code: issue for issue in result.report.errors + result.report.warnings}
    assert issues["region.unknown"].params == {"label": "Atlantis", "count": 1}
    assert issues["region.unknown"].row == 2 and issues["region.unknown"].column == "Регион"
    assert issues["period.invalid"].params == {"value": "20x1"}
    assert issues["period.invalid"].row == 3
    assert issues["value.not_a_number"].params == {"value": "abc"}
    assert issues["value.not_a_number"].column == "Значение"
    duplicate = issues["key.duplicate"].params
    assert duplicate["region"] == "KZ-11" and duplicate["first_row"] == 5
    assert duplicate["labels"] == ["Akmola", "Akmola region"]
    assert issues["regions.not_recognised"].params == {"count": 1, "names": "'Atlantis'"}
    split = issues["region.split"].params
    assert split["unit"] == "KZ-63" and split["split_off"] == [["KZ-10", "2022-06-08"]]
    assert split["first"] == split["last"] == "2019"
    assert all(issue.code for issue in result.report.errors + result.report.warnings)


def test_an_issue_without_indicator_names_no_command_line_option_in_its_parameters(
    write_csv: Callable,
) -> None:
    path = write_csv([["region", "year", "value"], ["Akmola", "2021", "1"]])
    result = read_observations(path)
    (issue,) = result.report.errors
    assert issue.code == "indicator.missing"
    assert "--indicator CODE" in issue.message  # the command line's wording stays
    assert issue.params == {"found": "'region', 'year', 'value'"}


def test_layout_and_file_problems_have_codes(write_csv: Callable, tmp_path) -> None:
    unclear = write_csv([["a", "b"], ["x", "y"]])
    (issue,) = read_observations(unclear, indicator="x").report.errors
    assert issue.code == "layout.unclear" and issue.params == {"found": "'a', 'b'"}
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"   \n")
    assert [i.code for i in read_observations(empty).report.errors] == ["file.empty"]
    fake = tmp_path / "fake.xlsx"
    fake.write_bytes(b"not a workbook")
    assert [i.code for i in read_observations(fake).report.errors] == ["file.not_excel"]
