"""Indicators from answers: shares with Wilson intervals, means with t intervals,
post-stratified national values, and output that passes the forecasting data contract."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from forecasting.contract import catalogue_frequencies, read_catalogue, validate_observations
from webapp.surveys.results.figures import TallySnapshot
from webapp.surveys.results.indicators import (
    IndicatorMapping,
    MappingError,
    indicator_observations,
    kish_effective_n,
    wilson_interval,
)

CATALOGUE = Path(__file__).resolve().parents[4] / "forecasting" / "data" / "indicators.csv"
Z = 1.959963984540054  # the 97.5% normal quantile


def wilson_by_hand(successes: int, n: int) -> tuple[float, float]:
    p = successes / n
    centre = (p + Z * Z / (2 * n)) / (1 + Z * Z / n)
    half = Z / (1 + Z * Z / n) * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n))
    return 100 * (centre - half), 100 * (centre + half)


def test_wilson_interval_matches_the_formula_worked_by_hand():
    lower, upper = wilson_interval(6, 20)
    assert (lower, upper) == pytest.approx(wilson_by_hand(6, 20), abs=1e-9)
    # 6 of 20: p = 0.3, published tables give 14.55% to 51.90%.
    assert round(lower, 2) == 14.55 and round(upper, 2) == 51.90


def snapshot() -> TallySnapshot:
    return TallySnapshot(
        answers={
            "satisfaction": {
                ("KZ-10", "2026-01"): {"": 20, "1": 4, "2": 2, "4": 6, "5": 8},
                ("KZ-10", "2026-02"): {"": 10, "1": 1, "5": 9},
                ("KZ-11", "2026-03"): {"": 30, "2": 3, "5": 27},
                ("", "2026-01"): {"": 5, "1": 5},  # no region: cannot be placed
            },
            "household": {
                ("KZ-10", "2026-01"): {"": 4, "2": 1, "3": 2, "5": 1},
            },
        }
    )


KINDS = {"satisfaction": "choice", "household": "numeric"}
DISSATISFIED = IndicatorMapping("survey_dissatisfied_services", "satisfaction", "share", ("1", "2"))


def test_share_per_region_and_month_with_n_and_wilson():
    frame = indicator_observations(snapshot(), [DISSATISFIED], KINDS)
    first = frame[(frame.region == "KZ-10") & (frame.period == pd.Period("2026-01", "M"))].iloc[0]
    assert first.value == pytest.approx(30.0)  # (4 + 2) / 20
    assert first.n == 20
    assert (first.lower, first.upper) == pytest.approx(wilson_by_hand(6, 20))
    assert first.source == "survey"
    assert set(frame.region) == {"KZ-10", "KZ-11"}
    assert len(frame) == 3


def test_quarterly_indicators_sum_their_months():
    frequencies = {"survey_dissatisfied_services": "Q"}
    frame = indicator_observations(snapshot(), [DISSATISFIED], KINDS, frequencies=frequencies)
    almaty = frame[frame.region == "KZ-10"].iloc[0]
    assert almaty.period == pd.Period("2026Q1", "Q")
    assert almaty.n == 30 and almaty.value == pytest.approx(100 * 7 / 30)


def test_minimum_n_leaves_out_thin_rows():
    frame = indicator_observations(snapshot(), [DISSATISFIED], KINDS, minimum_n=15)
    assert sorted(frame.n) == [20, 30]


def test_mean_with_a_student_t_interval_by_hand():
    mapping = IndicatorMapping("household_size", "household", "mean")
    row = indicator_observations(snapshot(), [mapping], KINDS).iloc[0]
    values = [2, 3, 3, 5]
    mean = sum(values) / 4
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / 3)
    half = 3.182446305284263 * sd / 2  # t(0.975, 3) * sd / sqrt(4)
    assert row.value == pytest.approx(mean)
    assert (row.lower, row.upper) == pytest.approx((mean - half, mean + half))


def test_post_stratified_national_share_and_kish_effective_n():
    tallies = TallySnapshot(
        answers={
            "q": {
                ("A", "2026-01"): {"": 10, "yes": 5},
                ("B", "2026-01"): {"": 30, "yes": 3},
            }
        }
    )
    mapping = IndicatorMapping("share_yes", "q", "share", ("yes",))
    frame = indicator_observations(
        tallies, [mapping], {"q": "choice"}, population={"A": 3e6, "B": 1e6}, national_code="KZ"
    )
    national = frame[frame.region == "KZ"].iloc[0]
    # Weighted by population: 0.75 * 50% + 0.25 * 10%, not the raw 8 / 40 = 20%.
    assert national.value == pytest.approx(40.0)
    # Weights 3 (x10 respondents) and 1/3 (x30): (40)^2 / (90 + 10/3).
    assert national.n == pytest.approx(1600 / (90 + 10 / 3))
    assert (national.lower, national.upper) == pytest.approx(
        wilson_interval(0.4 * national.n, national.n)
    )
    assert kish_effective_n([(1.0, 25)]) == 25


def test_output_conforms_to_the_data_contract_and_the_catalogue():
    catalogue = read_catalogue(CATALOGUE)
    survey_codes = set(catalogue.loc[catalogue.source == "survey", "code"])
    assert DISSATISFIED.indicator in survey_codes
    frequencies = catalogue_frequencies(catalogue)
    frame = indicator_observations(snapshot(), [DISSATISFIED], KINDS, frequencies=frequencies)
    checked = validate_observations(frame, frequencies=frequencies)
    assert list(checked.columns) == [
        "region",
        "period",
        "indicator",
        "value",
        "source",
        "n",
        "lower",
        "upper",
    ]
    assert all(isinstance(period, pd.Period) for period in checked.period)
    assert ((checked.lower <= checked.value) & (checked.value <= checked.upper)).all()
    empty = indicator_observations(TallySnapshot(), [DISSATISFIED], KINDS)
    assert empty.empty and "value" in empty.columns


@pytest.mark.parametrize(
    ("mapping", "kind", "message"),
    [
        (IndicatorMapping("x", "q", "median"), "choice", "method"),
        (IndicatorMapping("x", "missing", "share", ("1",)), None, "not a question"),
        (IndicatorMapping("x", "q", "share"), "choice", "at least one"),
        (IndicatorMapping("x", "q", "share", ("a", "b")), "multiple", "exactly one"),
        (IndicatorMapping("x", "q", "mean"), "text", "numeric"),
        (IndicatorMapping("x", "q", "share", ("1",)), "numeric", "choice question"),
    ],
)
def test_mappings_that_do_not_fit_the_question_are_refused(mapping, kind, message):
    with pytest.raises(MappingError, match=message):
        mapping.check(kind)
