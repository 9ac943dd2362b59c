"""Rank uncertainty: reproducible from a seed, intervals that make sense."""

from __future__ import annotations

import numpy as np
import pytest

from forecasting.demo import generate_panel
from forecasting.index import RiskIndex, RiskIndexError, uncertainty_analysis

REGIONS = ["KZ-61", "KZ-71", "KZ-47", "KZ-75", "KZ-35", "KZ-19"]


@pytest.fixture(scope="module")
def panel():
    return generate_panel(regions=REGIONS, months=24)


def test_same_seed_same_draws_other_seed_other_draws(panel):
    observations, catalogue = panel
    first = uncertainty_analysis(observations, catalogue, n_draws=60, random_state=1)
    again = uncertainty_analysis(observations, catalogue, n_draws=60, random_state=1)
    other = uncertainty_analysis(observations, catalogue, n_draws=60, random_state=2)
    np.testing.assert_array_equal(first.ranks, again.ranks)
    assert first.draws.equals(again.draws)
    assert not np.array_equal(first.scores, other.scores)


def test_rank_intervals_contain_the_median_and_stay_in_range(panel):
    observations, catalogue = panel
    result = uncertainty_analysis(observations, catalogue, n_draws=80, random_state=0)
    frame = result.to_frame()
    assert sorted(frame["region"]) == sorted(REGIONS)
    assert (frame["rank_p05"] <= frame["median_rank"]).all()
    assert (frame["median_rank"] <= frame["rank_p95"]).all()
    assert frame[["rank_p05", "rank_p95"]].stack().between(1, len(REGIONS)).all()
    assert (frame["score_p05"] <= frame["score_p95"]).all()
    assert str(result.period) == "2026-10"


def test_nominal_scores_equal_the_default_index(panel):
    observations, catalogue = panel
    result = uncertainty_analysis(observations, catalogue, n_draws=10, period="2026-06")
    scored = RiskIndex(catalogue).fit(observations).score(observations, periods="2026-06")
    expected = scored.to_frame().set_index("region")["score"]
    frame = result.to_frame().set_index("region")
    np.testing.assert_allclose(frame["nominal_score"], expected[frame.index], rtol=1e-12)
    assert frame["nominal_rank"].min() == 1


def test_draws_vary_every_factor_and_never_drop_a_lone_indicator(panel):
    observations, catalogue = panel
    result = uncertainty_analysis(observations, catalogue, n_draws=200, random_state=3)
    draws = result.draws
    assert set(draws["normalisation"]) == {"minmax", "zscore", "rank"}
    assert set(draws["aggregation"]) == {"geometric", "arithmetic"}
    assert draws["dropped_indicator"].notna().any()
    weights = draws.filter(like="weight_")
    np.testing.assert_allclose(weights.sum(axis=1), 1.0)
    assert weights.std().gt(0.02).all()
    sensitivity = result.sensitivity()
    assert set(sensitivity["factor"]) == {"normalisation", "aggregation", "dropped_indicator"}
    assert "5%-95% rank" in result.summary()


def test_without_any_variation_every_draw_repeats_the_nominal_ranks(panel):
    observations, catalogue = panel
    result = uncertainty_analysis(
        observations,
        catalogue,
        n_draws=5,
        weight_concentration=1e9,
        normalisations=("minmax",),
        aggregations=("geometric",),
        drop_indicator=False,
    )
    np.testing.assert_allclose(result.scores, np.tile(result.nominal_scores, (5, 1)), atol=1e-3)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"n_draws": 0}, "n_draws"),
        ({"normalisations": ("softmax",)}, "normalisations"),
        ({"aggregations": ()}, "aggregations"),
        ({"weight_concentration": 0}, "weight_concentration"),
    ],
)
def test_bad_arguments_are_refused(panel, arguments, message):
    observations, catalogue = panel
    with pytest.raises(RiskIndexError, match=message):
        uncertainty_analysis(observations, catalogue, **arguments)


def test_ranks_among_fewer_regions_keep_the_scores_and_close_the_gaps(panel):
    observations, catalogue = panel
    result = uncertainty_analysis(observations, catalogue, n_draws=40, random_state=3)
    top = result.regions[int(np.argmin(result.nominal_ranks))]  # rank 1: highest risk
    today = [region for region in result.regions if region != top]
    fewer = result.among(today)
    assert fewer.regions == today
    kept = [result.regions.index(region) for region in today]
    np.testing.assert_array_equal(fewer.scores, result.scores[:, kept])
    # every other region moves up one place where the left-out one ranked above it
    np.testing.assert_array_equal(fewer.nominal_ranks, result.nominal_ranks[kept] - 1)
    for draw in range(len(result.draws)):
        above = result.ranks[draw, result.regions.index(top)] < result.ranks[draw, kept]
        np.testing.assert_array_equal(fewer.ranks[draw], result.ranks[draw, kept] - above)
    frame = fewer.to_frame()
    assert frame[["rank_p05", "rank_p95"]].stack().between(1, len(today)).all()
    with pytest.raises(RiskIndexError, match="none of the given regions"):
        result.among(["KZ-00"])
