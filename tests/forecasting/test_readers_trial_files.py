"""Files of a new user's trial that were read wrong: an English stat.gov.kz workbook whose
total row is "The Republic of Kazakhstan", and a World Bank style table naming regions by
their romanised Russian names ("Akmolinskaya oblast", "g. Almaty"). Each file is built in
code as published; values, periods and regions read are checked.
"""

from __future__ import annotations

from forecasting.readers import read_observations
from tests.forecasting.conftest import values


def test_english_workbook_with_the_republic_total(write_xlsx) -> None:
    path = write_xlsx(
        [
            ["Unemployment rate, %"],
            [],
            ["Region", 2019.0, 2020.0],
            ["The Republic of Kazakhstan", 4.8, 4.9],
            ["Akmola region", 4.0, 4.3],
            ["Nur-Sultan city", 4.5, 4.6],
            ["Note: 2020 preliminary"],
        ]
    )
    result = read_observations(path, indicator="unemployment_rate")
    assert values(result) == {
        ("KZ-11", "2019"): 4.0,
        ("KZ-11", "2020"): 4.3,
        ("KZ-71", "2019"): 4.5,
        ("KZ-71", "2020"): 4.6,
    }
    totals = result.national_totals
    assert list(totals["value"]) == [4.8, 4.9]
    assert set(totals["label"]) == {"The Republic of Kazakhstan"}


def test_romanised_russian_names(write_csv) -> None:
    path = write_csv(
        [
            ["Oblast", "2016", "2017"],
            ["Akmolinskaya oblast", "4.0", "4.3"],
            ["Aktyubinskaya oblast", "4.1", "4.4"],
            ["Yuzhno-Kazakhstanskaya oblast", "5.0", ".."],
            ["Vostochno-Kazakhstanskaya oblast", "4.9", "5.2"],
            ["g. Astana", "4.7", "4.8"],
            ["g. Almaty", "5.5", "5.6"],
        ]
    )
    result = read_observations(path, indicator="unemployment_rate")
    assert values(result) == {
        ("KZ-11", "2016"): 4.0,
        ("KZ-11", "2017"): 4.3,
        ("KZ-15", "2016"): 4.1,
        ("KZ-15", "2017"): 4.4,
        ("KZ-YUZ", "2016"): 5.0,
        ("KZ-63", "2016"): 4.9,
        ("KZ-63", "2017"): 5.2,
        ("KZ-71", "2016"): 4.7,
        ("KZ-71", "2017"): 4.8,
        ("KZ-75", "2016"): 5.5,
        ("KZ-75", "2017"): 5.6,
    }
