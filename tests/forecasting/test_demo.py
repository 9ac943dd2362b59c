"""The synthetic demo panel: deterministic, shaped like the contract, values in range."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecasting.contract import catalogue_frequencies, validate_observations
from forecasting.demo import (
    DEMO_SOURCE,
    REGION_PROFILES,
    SHOCK_REGION,
    generate_panel,
    oracle_forecasts,
)


@pytest.fixture(scope="module")
def panel() -> tuple[pd.DataFrame, pd.DataFrame]:
    return generate_panel()


def test_panel_passes_the_contract_unchanged(panel):
    observations, catalogue = panel
    validated = validate_observations(observations, frequencies=catalogue_frequencies(catalogue))
    pd.testing.assert_frame_equal(
        validated.astype({"period": str}), observations.astype({"period": str}), check_dtype=False
    )


def test_shape_twenty_units_every_catalogue_indicator_each_at_its_frequency(panel):
    observations, catalogue = panel
    assert observations["region"].nunique() == 20
    assert set(observations["indicator"]) == set(catalogue["code"])
    frequency = dict(zip(catalogue["code"], catalogue["frequency"], strict=True))
    # 60 months ending 2026-10 run from 2021-11; complete quarters are 2022Q1..2026Q3 and
    # complete years 2022..2025.
    expected_count = {"M": 60, "Q": 19, "Y": 4}
    per_series = observations.groupby(["indicator", "region"]).size()
    for (indicator, _region), count in per_series.items():
        assert count == expected_count[frequency[indicator]], indicator
    monthly = observations[observations["indicator"] == "registered_unemployment"]["period"]
    assert min(monthly) == pd.Period("2021-11", "M") and max(monthly) == pd.Period("2026-10", "M")
    annual = observations[observations["indicator"] == "poverty_share"]["period"]
    assert sorted(set(annual)) == [pd.Period(str(year), "Y") for year in range(2022, 2026)]


def test_same_seed_same_panel_other_seed_other_values(panel):
    again, _ = generate_panel(seed=2026)
    pd.testing.assert_frame_equal(panel[0], again)
    other, _ = generate_panel(seed=7)
    assert not np.allclose(other["value"], panel[0]["value"])


def test_a_subset_of_regions_reproduces_the_full_panel(panel):
    subset, _ = generate_panel(regions=["KZ-61", "KZ-47"])
    full = panel[0]
    expected = full[full["region"].isin(["KZ-61", "KZ-47"])].reset_index(drop=True)
    pd.testing.assert_frame_equal(subset, expected)


def test_values_stay_in_valid_ranges(panel):
    observations, catalogue = panel
    shares = catalogue.loc[catalogue["unit"] == "%", "code"]
    share_values = observations.loc[observations["indicator"].isin(shares), "value"]
    assert share_values.between(0, 100).all()
    rates = observations[observations["indicator"].str.endswith("_10k")]
    assert (rates["value"] > 0).all()
    assert observations["value"].notna().all()
    assert (observations["source"] == DEMO_SOURCE).all()


def test_survey_rows_carry_sample_size_and_an_interval_around_the_value(panel):
    observations, catalogue = panel
    survey_codes = set(catalogue.loc[catalogue["source"] == "survey", "code"])
    assert len(survey_codes) >= 4
    survey = observations[observations["indicator"].isin(survey_codes)]
    assert (survey["n"] >= 300).all()
    assert (survey["lower"] <= survey["value"]).all() and (survey["value"] <= survey["upper"]).all()
    assert (survey["upper"] - survey["lower"]).between(0.5, 15).all()
    other = observations[~observations["indicator"].isin(survey_codes)]
    assert other[["n", "lower", "upper"]].isna().all().all()


def test_persistent_regional_differences_follow_the_profiles(panel):
    observations, _ = panel
    neet = observations[observations["indicator"] == "youth_neet_share"]
    mean_by_region = neet.groupby("region")["value"].mean()
    youngest = max(REGION_PROFILES, key=lambda code: REGION_PROFILES[code].youth)
    assert youngest == "KZ-61"
    assert mean_by_region["KZ-61"] > mean_by_region.median() + 1.0
    assert mean_by_region["KZ-71"] < mean_by_region.median()


def test_unemployment_is_seasonal_and_indicators_share_a_common_factor(panel):
    observations, _ = panel
    monthly = observations[observations["indicator"] == "registered_unemployment"].copy()
    monthly["month"] = [period.month for period in monthly["period"]]
    by_month = monthly.groupby("month")["value"].mean()
    assert by_month[[1, 2, 3]].mean() > by_month[[7, 8, 9]].mean()

    quarterly = observations[
        observations["indicator"].isin(
            ["survey_dissatisfied_services", "survey_trust_local_government"]
        )
    ]
    wide = quarterly.pivot_table(index=["region", "period"], columns="indicator", values="value")
    demeaned = wide - wide.groupby(level="region").transform("mean")
    correlation = demeaned.corr().iloc[0, 1]
    assert correlation < -0.2  # trust falls when dissatisfaction rises


def test_the_shock_region_stands_out_after_the_shock(panel):
    observations, _ = panel
    complaints = observations[observations["indicator"] == "complaints_per_10k"]
    wide = complaints.pivot(index="period", columns="region", values="value")
    log_change = np.log(wide.iloc[-26:-16].mean() / wide.iloc[-40:-28].mean())
    assert log_change[SHOCK_REGION] > log_change.drop(SHOCK_REGION).median() + 0.1


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"months": 0}, "months"),
        ({"seed": -1}, "seed"),
        ({"regions": []}, "empty"),
        ({"regions": "KZ-61"}, "list"),
        ({"regions": ["KZ-61", "KZ-61"]}, "repeats"),
    ],
)
def test_bad_arguments_are_refused_with_a_clear_message(arguments, message):
    with pytest.raises(ValueError, match=message):
        generate_panel(**arguments)


def test_default_regions_are_the_current_units_of_kazakhstan():
    from forecasting.geography import load_units

    current = {unit.code for unit in load_units() if unit.is_current}
    assert set(REGION_PROFILES) == current


def _targets(observations: pd.DataFrame, indicator: str, steps: int = 1) -> pd.DataFrame:
    """Each value as a target forecast ``steps`` periods ahead, beside the naive forecast."""
    rows = observations[observations["indicator"] == indicator].copy()
    rows["cutoff"] = [period - steps for period in rows["period"]]
    rows["previous"] = rows.groupby("region")["value"].shift(steps)
    return rows.dropna(subset=["previous"])


def test_oracle_knowing_the_latent_states_beats_the_naive_forecast(panel):
    observations, _ = panel
    # Six months ahead the last value has drifted with the cycle, the season and the noise;
    # the latent states know where each of them is heading.
    for indicator in ("registered_unemployment", "complaints_per_10k", "inflation_yoy"):
        targets = _targets(observations, indicator, steps=6)
        oracle = oracle_forecasts(targets)
        assert np.isfinite(oracle).all()
        oracle_error = np.abs(oracle - targets["value"]).mean()
        naive_error = np.abs(targets["previous"] - targets["value"]).mean()
        assert oracle_error < 0.8 * naive_error, (indicator, oracle_error, naive_error)


def test_oracle_of_quarterly_survey_shares_is_close_to_the_published_share(panel):
    observations, _ = panel
    targets = _targets(observations, "survey_trust_local_government")
    oracle = oracle_forecasts(targets)
    # Shares in percent: within the sampling noise of a few hundred respondents.
    assert ((oracle > 0) & (oracle < 100)).all()
    assert np.abs(oracle - targets["value"]).mean() < 5.0


def test_oracle_leaves_targets_it_cannot_place_empty(panel):
    observations, _ = panel
    row = observations[observations["indicator"] == "registered_unemployment"].iloc[[5]]
    targets = pd.concat([row, row, row], ignore_index=True)
    targets["cutoff"] = [row["period"].iloc[0] - 1, row["period"].iloc[0], row["period"].iloc[0]]
    targets.loc[2, "region"] = "XX-00"  # not in the panel
    oracle = oracle_forecasts(targets)
    assert np.isfinite(oracle[0])
    assert np.isnan(oracle[1])  # the cut-off is the target itself: nothing to forecast
    assert np.isnan(oracle[2])
