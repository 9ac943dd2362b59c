"""Indicators from answers: shares with Wilson intervals, means with t intervals,
post-stratified national values, and output that passes the forecasting data contract."""

from __future__ import annotations

import math
import subprocess
import sys
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from forecasting.contract import catalogue_frequencies, read_catalogue, validate_observations
from webapp.surveys.results.figures import Coverage, TallySnapshot
from webapp.surveys.results.indicators import (
    IndicatorMapping,
    MappingError,
    indicator_observations,
    kish_effective_n,
    offering_versions,
    period_has_ended,
    split_running,
    wilson_interval,
)

ROOT = Path(__file__).resolve().parents[4]
CATALOGUE = ROOT / "forecasting" / "data" / "indicators.csv"
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
    # The closed form is statsmodels' Wilson, down to the edges and Kish's fractional n.
    from statsmodels.stats.proportion import proportion_confint

    for successes, n in [(0, 1), (1, 1), (0, 10), (10, 10), (3, 7), (2.5, 7.3), (41.7, 96.2)]:
        low, high = proportion_confint(successes, n, alpha=0.05, method="wilson")
        assert wilson_interval(successes, n) == pytest.approx((100 * low, 100 * high), abs=1e-9)
    assert all(math.isnan(bound) for bound in wilson_interval(0, 0))


def test_shares_are_computed_without_loading_scipy_or_statsmodels():
    """Importing statsmodels (SciPy with it) for the Wilson interval took ~1 s of a web
    worker's first indicators page, and ~0.5 ms a value."""
    code = (
        "import sys\n"
        "from webapp.surveys.results.figures import TallySnapshot\n"
        "from webapp.surveys.results.indicators import IndicatorMapping, indicator_observations\n"
        "snapshot = TallySnapshot(answers={'q': {('KZ-10', '2026-01'): {'': 20, '1': 6}}})\n"
        "mapping = IndicatorMapping('share', 'q', 'share', ('1',))\n"
        "frame = indicator_observations(snapshot, [mapping], {'q': 'choice'}, "
        "population={'KZ-10': 1e6}, national_code='KZ')\n"
        "assert len(frame) == 2, frame\n"
        "print(sorted({'scipy', 'statsmodels'} & {name.split('.')[0] for name in sys.modules}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert done.stdout.strip() == "[]", done.stdout


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
    ("period", "today", "ended"),
    [
        (pd.Period("2026-03", "M"), date(2026, 3, 15), False),
        (pd.Period("2026-03", "M"), date(2026, 3, 31), False),  # its last day: answers arrive
        (pd.Period("2026-03", "M"), date(2026, 4, 1), True),
        (pd.Period("2026Q1", "Q"), date(2026, 2, 28), False),
        (pd.Period("2026Q1", "Q"), date(2026, 4, 1), True),
        (pd.Period("2026Q2", "Q"), date(2026, 3, 1), False),  # not begun
        (pd.Period("2026", "Y"), date(2026, 12, 31), False),
    ],
)
def test_a_period_has_ended_once_its_last_day_is_over(period, today, ended):
    assert period_has_ended(period, today) is ended


def test_running_periods_are_set_apart_from_the_observations():
    """On 15 March the quarter 2026Q1 and the month 2026-03 are running figures; January
    and February have ended and are observations."""
    today = date(2026, 3, 15)
    monthly = indicator_observations(snapshot(), [DISSATISFIED], KINDS)
    observations, running = split_running(monthly, today)
    assert sorted(map(str, observations.period)) == ["2026-01", "2026-02"]
    assert list(map(str, running.period)) == ["2026-03"]
    assert running.region.tolist() == ["KZ-11"] and running.n.tolist() == [30.0]
    validate_observations(observations)
    quarters = {"survey_dissatisfied_services": "Q"}
    quarterly = indicator_observations(snapshot(), [DISSATISFIED], KINDS, frequencies=quarters)
    observations, running = split_running(quarterly, today)
    assert observations.empty and "value" in observations.columns
    assert len(running) == len(quarterly) == 2
    observations, running = split_running(quarterly, date(2026, 4, 1))
    assert len(observations) == 2 and running.empty


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


# --- Survey versions: a share of a choice only some versions offered --------------------------

TRUST_DK = IndicatorMapping("survey_dont_know", "trust", "share", ("dk",))
TRUST_LOW = IndicatorMapping("survey_distrust", "trust", "share", ("1", "2"))


def versioned_snapshot() -> TallySnapshot:
    """Version 1 (id 1) asked ``trust`` on 1-5; version 2 (id 2) added "dk". In January
    KZ-10 answered in both versions (20 and 10 answerers), KZ-11 only in version 2."""
    return TallySnapshot(
        answers={
            "trust": {
                ("KZ-10", "2026-01"): {"": 30, "1": 6, "2": 4, "5": 16, "dk": 4},
                ("KZ-11", "2026-01"): {"": 12, "1": 2, "5": 7, "dk": 3},
            }
        },
        versions={("KZ-10", "2026-01"): {1: 22, 2: 11}, ("KZ-11", "2026-01"): {2: 12}},
        version_answers={
            "trust": {("KZ-10", "2026-01"): {1: 20, 2: 10}, ("KZ-11", "2026-01"): {2: 12}}
        },
    )


TRUST_COVERAGE = {
    "trust": Coverage(frozenset({1, 2}), {"dk": frozenset({2})}),
}


def test_a_share_of_a_choice_some_versions_lacked_rests_on_the_versions_that_offered_it():
    frame = indicator_observations(
        versioned_snapshot(), [TRUST_DK, TRUST_LOW], {"trust": "choice"}, coverage=TRUST_COVERAGE
    )
    mixed = frame[(frame.region == "KZ-10") & (frame.indicator == "survey_dont_know")].iloc[0]
    # 4 of the 10 who answered version 2, not 4 of all 30 answerers (13.3%).
    assert mixed.n == 10
    assert mixed.value == pytest.approx(40.0)
    assert (mixed.lower, mixed.upper) == pytest.approx(wilson_by_hand(4, 10))
    only_new = frame[(frame.region == "KZ-11") & (frame.indicator == "survey_dont_know")].iloc[0]
    assert (only_new.n, only_new.value) == (12, pytest.approx(25.0))
    # Codes every version offered rest on every answerer, as before.
    low = frame[(frame.region == "KZ-10") & (frame.indicator == "survey_distrust")].iloc[0]
    assert (low.n, low.value) == (30, pytest.approx(100 * 10 / 30))


def test_the_national_share_of_such_a_choice_weighs_the_offered_answerers():
    frame = indicator_observations(
        versioned_snapshot(),
        [TRUST_DK],
        {"trust": "choice"},
        coverage=TRUST_COVERAGE,
        population={"KZ-10": 1e6, "KZ-11": 1e6},
        national_code="KZ",
    )
    national = frame[frame.region == "KZ"].iloc[0]
    assert national.value == pytest.approx(0.5 * 40.0 + 0.5 * 25.0)
    # Weights 22/20 (x10) and 22/24 (x12): Kish's n of the 22 offered answerers.
    weights = [(22 / 20, 10), (22 / 24, 12)]
    assert national.n == pytest.approx(kish_effective_n(weights))


def test_a_share_whose_codes_no_version_offered_together_has_no_observations():
    from_both = IndicatorMapping("x", "trust", "share", ("dk", "old"))
    coverage = {"trust": Coverage(frozenset({1, 2}), {"dk": frozenset({2}), "old": frozenset({1})})}
    assert offering_versions(from_both, coverage["trust"]) == frozenset()
    frame = indicator_observations(
        versioned_snapshot(), [from_both], {"trust": "choice"}, coverage=coverage
    )
    assert frame.empty


def test_answers_of_a_choice_from_a_version_said_not_to_offer_it_keep_every_answerer():
    """Inconsistent counts (more "dk" than answerers of the offering versions) must not put
    a share above 100%: that block rests on all its answerers, as before."""
    snapshot = versioned_snapshot()
    snapshot.version_answers["trust"][("KZ-10", "2026-01")] = {1: 28, 2: 2}
    frame = indicator_observations(
        snapshot, [TRUST_DK], {"trust": "choice"}, coverage=TRUST_COVERAGE
    )
    row = frame[frame.region == "KZ-10"].iloc[0]
    assert (row.n, row.value) == (30, pytest.approx(100 * 4 / 30))
