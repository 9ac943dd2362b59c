"""Catalogue problems carry a stable code and params beside their English text, so the web
pages can word them in kk and ru while the command line keeps the English."""

from __future__ import annotations

import pandas as pd
import pytest

from forecasting.contract import ContractError, validate_catalogue

ROW = {
    "code": "unemployment_rate",
    "name_kk": "",
    "name_ru": "",
    "name_en": "Unemployment rate",
    "unit": "%",
    "direction": "1",
    "domain": "economic_hardship",
    "weight": "1",
    "frequency": "Q",
    "source": "stat.gov.kz",
}


def issues(*rows: dict) -> list[dict]:
    with pytest.raises(ContractError) as caught:
        validate_catalogue(pd.DataFrame(list(rows)), known_domains={"economic_hardship"})
    error = caught.value
    assert len(error.issues) == len(error.problems)
    for issue, problem in zip(error.issues, error.problems, strict=True):
        where = f"row {issue['row']}, column {issue['column']}: " if issue["row"] else ""
        assert problem == where + issue["message"]
    return [
        (issue["row"], issue["column"], issue["code"], issue["params"]) for issue in error.issues
    ]


def test_each_problem_has_a_code_and_params() -> None:
    bad = dict(ROW, direction="up", weight="x", frequency="W", domain="weather")
    empty = dict(ROW, code="", name_en="", weight="", domain="")
    assert issues(ROW, dict(ROW, weight="0", code="unemployment_rate"), bad, empty) == [
        (3, "code", "catalogue.code_duplicate", {"value": "unemployment_rate", "first_row": 2}),
        (3, "weight", "catalogue.weight_not_positive", {"value": "0"}),
        (4, "code", "catalogue.code_duplicate", {"value": "unemployment_rate", "first_row": 2}),
        (4, "direction", "catalogue.direction_invalid", {"value": "up"}),
        (4, "weight", "value.not_a_number", {"value": "x"}),
        (4, "frequency", "catalogue.frequency_invalid", {"value": "W"}),
        (
            4,
            "domain",
            "catalogue.domain_unknown",
            {"value": "weather", "domains": "economic_hardship"},
        ),
        (5, "code", "catalogue.empty", {}),
        (5, "name_en", "catalogue.no_name", {}),
        (5, "weight", "catalogue.weight_empty", {}),
        (5, "domain", "catalogue.empty", {}),
    ]
    assert issues(dict(ROW, code="bad code"))[0][2:] == (
        "catalogue.code_invalid",
        {"value": "bad code"},
    )


def test_missing_columns_have_a_code_and_the_columns_as_params() -> None:
    with pytest.raises(ContractError) as caught:
        validate_catalogue(pd.DataFrame({"code": ["x"], "name": ["y"]}))
    (issue,) = caught.value.issues
    assert issue["code"] == "catalogue.missing_columns"
    assert issue["params"] == {
        "missing": [
            "unit",
            "direction",
            "domain",
            "weight",
            "frequency",
            "source",
            "name_kk or name_ru or name_en",
        ],
        "found": ["code", "name"],
    }
    assert caught.value.problems == [issue["message"]]
