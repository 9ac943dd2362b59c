"""The risk index against values computed by hand on 3 regions and 2 indicators.

Catalogue: ``a`` (domain d1, higher = more risk) and ``b`` (domain d2, higher = less risk).
Year 2024: a = 10, 20, 40 and b = 50, 30, 10 for regions R1, R2, R3. Without capping,
min-max gives a -> 0, 10/3, 10 and b -> 0, 5, 10 (b flipped). The shifted geometric mean of
two equally weighted domains is sqrt((1 + a)(1 + b)) - 1: R1 0, R2 sqrt(26) - 1, R3 10.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import NotFittedError

from forecasting.contract import ContractError
from forecasting.index import RiskIndex, RiskIndexError, aggregate, default_catalogue, normalise

REGIONS = ["R1", "R2", "R3"]


def catalogue(rows=None) -> pd.DataFrame:
    rows = rows or [
        ("a", "%", 1, "d1", 1.0, "Y"),
        ("b", "%", -1, "d2", 1.0, "Y"),
    ]
    return pd.DataFrame(
        [
            {
                "code": code,
                "name_kk": code,
                "name_ru": code,
                "name_en": f"Indicator {code}",
                "unit": unit,
                "direction": direction,
                "domain": domain,
                "weight": weight,
                "frequency": frequency,
                "source": "test",
            }
            for code, unit, direction, domain, weight, frequency in rows
        ]
    )


def observations(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["region", "period", "indicator", "value"])


def hand_frame() -> pd.DataFrame:
    return observations(
        [(r, "2024", "a", v) for r, v in zip(REGIONS, (10.0, 20.0, 40.0), strict=True)]
        + [(r, "2024", "b", v) for r, v in zip(REGIONS, (50.0, 30.0, 10.0), strict=True)]
    )


def fitted(**parameters) -> RiskIndex:
    parameters.setdefault("outlier_quantiles", None)
    return RiskIndex(catalogue(), **parameters).fit(hand_frame())


def scores_by_region(result) -> dict[str, float]:
    frame = result.to_frame()
    return dict(zip(frame["region"], frame["score"], strict=True))


# --- normalisation --------------------------------------------------------------------------


def test_minmax_flips_direction_and_rescales_to_0_10():
    result = fitted().score(hand_frame())
    frame = result.to_frame().set_index("region")
    assert frame["d1"].tolist() == pytest.approx([0.0, 10 / 3, 10.0])
    assert frame["d2"].tolist() == pytest.approx([0.0, 5.0, 10.0])


def test_capping_at_reference_quantiles():
    # np.quantile of 10, 20, 40 at 0.25 and 0.75 (linear): 15 and 30.
    index = fitted(outlier_quantiles=(0.25, 0.75))
    assert index.reference_.loc["a", ["cap_low", "cap_high"]].tolist() == [15.0, 30.0]
    frame = index.score(hand_frame()).to_frame().set_index("region")
    assert frame["d1"].tolist() == pytest.approx([0.0, 10 * 5 / 15, 10.0])


def test_values_outside_the_fixed_reference_clip_to_0_and_10():
    index = fitted()
    later = observations(
        [("R1", "2025", "a", 5.0), ("R2", "2025", "a", 55.0), ("R3", "2025", "a", 25.0)]
    )
    frame = index.score(later, periods="2025").to_frame().set_index("region")
    assert frame["d1"].tolist() == pytest.approx([0.0, 10.0, 5.0])


def test_zscore_normalisation_maps_plus_minus_three_sd_to_0_10():
    frame = fitted(normalisation="zscore").score(hand_frame()).to_frame().set_index("region")
    mean, sd = 70 / 3, math.sqrt(1400) / 3  # population sd of 10, 20, 40
    expected = [5 + 5 * ((value - mean) / sd) / 3 for value in (10, 20, 40)]
    assert frame["d1"].tolist() == pytest.approx(expected)


def test_rank_normalisation_is_a_percentile_rank_with_ties_low():
    frame = fitted(normalisation="rank").score(hand_frame()).to_frame().set_index("region")
    assert frame["d1"].tolist() == pytest.approx([0.0, 5.0, 10.0])
    assert frame["d2"].tolist() == pytest.approx([0.0, 5.0, 10.0])
    tied = normalise(
        np.array([10.0, 10.0, 40.0]),
        cap_low=10.0,
        cap_high=40.0,
        direction=1,
        method="rank",
        reference=np.array([10.0, 10.0, 40.0]),
    )
    assert tied.tolist() == [0.0, 0.0, 10.0]


def test_constant_indicator_counts_as_missing_and_says_so():
    # A flat indicator cannot tell regions apart: scoring it 5 (the lower bound of "high")
    # classed every region whose domain rested on it "high". It is missing instead: its
    # domain has no score, the index rests on the other domain, the reliability drops.
    flat = hand_frame()
    flat.loc[flat["indicator"] == "a", "value"] = 7.0
    index = RiskIndex(catalogue(), outlier_quantiles=None).fit(flat)
    frame = index.score(flat).to_frame().set_index("region")
    full = fitted().score(hand_frame()).to_frame().set_index("region")
    assert frame["d1"].isna().all()
    assert frame["score"].notna().all()
    assert (frame["reliability"] < full["reliability"]).all()
    assert not (frame["risk_class"] == "high").all()
    assert any("counts as missing" in warning for warning in index.score(flat).warnings)
    for method in ("zscore", "rank"):
        other = RiskIndex(catalogue(), outlier_quantiles=None, normalisation=method).fit(flat)
        assert other.score(flat).to_frame()["d1"].isna().all()


# --- aggregation ----------------------------------------------------------------------------


def test_geometric_index_by_hand():
    scores = scores_by_region(fitted().score(hand_frame()))
    assert scores["R1"] == pytest.approx(0.0)
    assert scores["R2"] == pytest.approx(math.sqrt((1 + 10 / 3) * (1 + 5)) - 1)
    assert scores["R3"] == pytest.approx(10.0)


def test_arithmetic_index_by_hand():
    scores = scores_by_region(fitted(index_aggregation="arithmetic").score(hand_frame()))
    assert scores["R2"] == pytest.approx((10 / 3 + 5) / 2)


def test_a_zero_domain_does_not_zero_the_geometric_index():
    parts = aggregate(
        np.array([[0.0, 10.0]]),
        np.array([[True, True]]),
        np.eye(2),
        np.ones(2),
        np.ones(2),
    )
    assert parts.score[0] == pytest.approx(math.sqrt(11) - 1)


def test_domain_is_weighted_mean_of_available_indicators():
    cat = catalogue([("a", "%", 1, "d1", 1.0, "Y"), ("c", "%", 1, "d1", 3.0, "Y")])
    data = observations(
        [(r, "2024", "a", v) for r, v in zip(REGIONS, (0.0, 50.0, 100.0), strict=True)]
        + [("R1", "2024", "c", 100.0), ("R3", "2024", "c", 0.0)]  # R2 has no c
    )
    frame = (
        RiskIndex(cat, outlier_quantiles=None).fit(data).score(data).to_frame().set_index("region")
    )
    # a -> 0, 5, 10; c -> 10, -, 0. R1 = (1*0 + 3*10)/4, R2 = a alone, R3 = (1*10 + 3*0)/4.
    assert frame["d1"].tolist() == pytest.approx([7.5, 5.0, 2.5])
    assert frame["score"].tolist() == pytest.approx([7.5, 5.0, 2.5])  # one domain: the index


def test_domain_weights_change_the_geometric_mean():
    result = fitted(domain_weights={"d1": 3.0, "d2": 1.0}).score(hand_frame())
    expected = math.exp(0.75 * math.log(1 + 10 / 3) + 0.25 * math.log(6)) - 1
    assert scores_by_region(result)["R2"] == pytest.approx(expected)


# --- classes, decomposition -----------------------------------------------------------------


def test_inputs_at_the_top_decile_of_the_reference_are_flagged():
    result = fitted().score(hand_frame())
    # Percentile ranks of a: 0, 5, 10; of b (flipped): 0, 5, 10. Only R3 reaches 9.
    assert result.to_frame()["n_flags"].tolist() == [0, 0, 2]
    parts = result.decomposition()
    flagged = parts[parts["flag"]]
    assert sorted(zip(flagged["region"], flagged["code"], strict=True)) == [
        ("R3", "a"),
        ("R3", "b"),
    ]
    assert result.to_dict()["scores"][2]["flags"] == ["a", "b"]


def test_classes_follow_the_fixed_bounds():
    frame = fitted().score(hand_frame()).to_frame().set_index("region")
    assert frame["risk_class"].tolist() == ["very_low", "medium", "very_high"]


def test_decomposition_sums_exactly_to_the_score():
    result = fitted().score(hand_frame())
    parts = result.decomposition()
    score = scores_by_region(result)
    for level in ("domain", "indicator"):
        totals = parts[parts["level"] == level].groupby("region")["contribution"].sum()
        for region in REGIONS:
            assert abs(totals[region] - score[region]) < 1e-9
    r2 = parts[(parts["region"] == "R2") & (parts["level"] == "domain")].set_index("code")
    log_a, log_b = math.log(1 + 10 / 3), math.log(6)  # split in proportion to log terms
    assert r2.loc["d1", "contribution"] == pytest.approx(score["R2"] * log_a / (log_a + log_b))


def test_decomposition_on_a_realistic_panel_sums_to_1e_9():
    from forecasting.demo import generate_panel

    data, cat = generate_panel(regions=["KZ-61", "KZ-71", "KZ-47"], months=18)
    for aggregation in ("geometric", "arithmetic"):
        result = RiskIndex(cat, index_aggregation=aggregation).fit(data).score(data)
        parts = result.decomposition()
        frame = result.to_frame()
        expected = frame.set_index(["region", "period"])["score"]
        for level in ("domain", "indicator"):
            sums = parts[parts["level"] == level].groupby(["region", "period"])["contribution"]
            assert (sums.sum() - expected).abs().max() < 1e-9


@pytest.mark.parametrize("domain_aggregation", ["arithmetic", "geometric"])
@pytest.mark.parametrize("index_aggregation", ["arithmetic", "geometric"])
def test_changes_add_up_to_the_score_change(domain_aggregation, index_aggregation):
    cat = catalogue(
        [
            ("a", "%", 1, "d1", 1.0, "Y"),
            ("c", "%", 1, "d1", 1.0, "Y"),
            ("b", "%", -1, "d2", 1.0, "Y"),
        ]
    )
    data = observations(
        [(r, "2023", "a", v) for r, v in zip(REGIONS, (10.0, 20.0, 40.0), strict=True)]
        + [(r, "2024", "a", v) for r, v in zip(REGIONS, (30.0, 20.0, 40.0), strict=True)]
        + [(r, "2023", "c", v) for r, v in zip(REGIONS, (1.0, 2.0, 3.0), strict=True)]
        + [("R1", "2024", "c", 3.0), ("R3", "2024", "c", 1.0)]  # R2 keeps its 2023 c
        + [(r, year, "b", v) for r in REGIONS for year, v in (("2023", 5.0), ("2024", 9.0))]
    )
    index = RiskIndex(
        cat,
        outlier_quantiles=None,
        domain_aggregation=domain_aggregation,
        index_aggregation=index_aggregation,
    )
    result = index.fit(data).score(data)
    changes = result.changes()
    indicators = changes[changes["level"] == "indicator"]
    for (_, _), group in indicators.groupby(["region", "period"]):
        assert abs(group["contribution"].sum() - group["score_change"].iloc[0]) < 1e-9
    # R2: a and c did not move, so all of its change comes from b.
    r2 = indicators[indicators["region"] == "R2"].set_index("code")["contribution"]
    assert r2["a"] == pytest.approx(0.0, abs=1e-12) and r2["c"] == pytest.approx(0.0, abs=1e-12)
    assert r2["b"] != 0


# --- mixed frequencies, staleness, reliability ----------------------------------------------


def reliability_frame() -> tuple[pd.DataFrame, pd.DataFrame]:
    cat = catalogue([("a", "%", 1, "d1", 1.0, "Y"), ("b", "per 10,000", 1, "d2", 1.0, "M")])
    data = observations(
        [(r, "2024", "a", v) for r, v in zip(REGIONS, (10.0, 20.0, 40.0), strict=True)]
        + [("R1", "2025-06", "b", 3.0), ("R1", "2025-01", "b", 1.0), ("R2", "2025-01", "b", 2.0)]
    )
    return cat, data


def test_latest_value_at_or_before_the_period_and_reliability_with_stale_and_missing():
    cat, data = reliability_frame()
    index = RiskIndex(cat, outlier_quantiles=None).fit(data)
    result = index.score(data, periods="2025-06")
    frame = result.to_frame().set_index("region")
    # R1: a 2024 is 6 months old (annual limit 24), b 2025-06 fresh: 10.
    # R2: b from 2025-01 is 5 months old > 3 (monthly limit): stale, half credit: 7.5.
    # R3: no b at all: 5.0; its d2 domain is skipped, so the score is its d1 score.
    assert frame["reliability"].tolist() == pytest.approx([10.0, 7.5, 5.0])
    assert frame["n_stale"].tolist() == [0, 1, 0]
    assert frame["n_missing"].tolist() == [0, 0, 1]
    assert math.isnan(frame.loc["R3", "d2"])
    assert frame.loc["R3", "score"] == pytest.approx(frame.loc["R3", "d1"])
    parts = result.decomposition().set_index(["region", "code"])
    assert parts.loc[("R1", "b"), "observed_period"] == "2025-06"
    assert parts.loc[("R1", "a"), "age_months"] == 6
    assert parts.loc[("R2", "b"), "value"] == 2.0


def test_staleness_limits_can_be_set_per_indicator():
    cat, data = reliability_frame()
    index = RiskIndex(cat, outlier_quantiles=None, staleness_limits={"b": 6}).fit(data)
    frame = index.score(data, periods="2025-06").to_frame().set_index("region")
    assert frame.loc["R2", "reliability"] == pytest.approx(10.0)


def test_default_periods_run_at_the_finest_frequency():
    cat, data = reliability_frame()
    result = RiskIndex(cat, outlier_quantiles=None).fit(data).score(data)
    periods = sorted(set(result.to_frame()["period"]))
    assert periods[0] == pd.Period("2024-12", "M") and periods[-1] == pd.Period("2025-06", "M")


def test_reference_window_is_fixed():
    data = pd.concat(
        [hand_frame(), hand_frame().assign(period="2025", value=lambda f: f["value"] * 2)]
    )
    index = RiskIndex(catalogue(), outlier_quantiles=None, reference_end="2024").fit(data)
    assert index.reference_.loc["a", ["cap_low", "cap_high"]].tolist() == [10.0, 40.0]
    frame = index.score(data, periods="2025").to_frame().set_index("region")
    assert frame["d1"].tolist() == pytest.approx([10 / 3, 10.0, 10.0])  # 20, 40, 80


# --- bad input ------------------------------------------------------------------------------


def test_empty_observations_are_refused():
    with pytest.raises(RiskIndexError, match="empty"):
        RiskIndex(catalogue()).fit(hand_frame().iloc[0:0])


def test_score_before_fit_is_refused():
    with pytest.raises(NotFittedError):
        RiskIndex(catalogue()).score(hand_frame())


def test_negative_share_is_left_out_and_reported():
    data = hand_frame()
    data.loc[0, "value"] = -3.0
    result = RiskIndex(catalogue(), outlier_quantiles=None).fit(data).score(data)
    assert any("outside [0, 100]" in warning and "R1" in warning for warning in result.warnings)
    frame = result.to_frame().set_index("region")
    assert math.isnan(frame.loc["R1", "d1"]) and frame.loc["R1", "n_missing"] == 1


def test_indicator_without_any_data_counts_as_missing_everywhere():
    cat = catalogue(
        [
            ("a", "%", 1, "d1", 1.0, "Y"),
            ("b", "%", -1, "d2", 1.0, "Y"),
            ("z", "%", 1, "d2", 1.0, "Y"),
        ]
    )
    result = RiskIndex(cat, outlier_quantiles=None).fit(hand_frame()).score(hand_frame())
    assert any("no observations" in w and w.endswith(": z") for w in result.warnings)
    frame = result.to_frame()
    assert frame["reliability"].tolist() == pytest.approx([7.5, 7.5, 7.5])
    assert np.isfinite(frame["score"]).all()


def test_unknown_domain_in_catalogue_is_a_contract_error():
    with pytest.raises(ContractError, match="d2"):
        RiskIndex(catalogue(), domain_weights={"d1": 1.0, "other": 1.0}).fit(hand_frame())


def test_a_misspelt_default_domain_is_reported():
    cat = catalogue(
        [("a", "%", 1, "economic_hardship", 1.0, "Y"), ("b", "%", -1, "trust_in_stat", 1.0, "Y")]
    )
    result = RiskIndex(cat, outlier_quantiles=None).fit(hand_frame()).score(hand_frame())
    assert any("did you mean trust_in_state" in warning for warning in result.warnings)


def test_domain_weights_for_domains_without_indicators_are_refused():
    with pytest.raises(RiskIndexError, match="without any indicator: d3"):
        RiskIndex(catalogue(), domain_weights={"d1": 1.0, "d2": 1.0, "d3": 1.0}).fit(hand_frame())


@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        ({"normalisation": "log"}, "normalisation"),
        ({"index_aggregation": "median"}, "index_aggregation"),
        ({"outlier_quantiles": (0.9, 0.1)}, "outlier_quantiles"),
        ({"class_bounds": (1, 2, 3)}, "bounds"),
        ({"staleness_limits": {"W": 2}}, "staleness_limits"),
        ({"reference_start": "2025", "reference_end": "2024"}, "after"),
        ({"reference_start": "next year"}, "reference_start"),
    ],
)
def test_bad_parameters_are_refused_with_a_clear_message(parameters, message):
    with pytest.raises(RiskIndexError, match=message):
        RiskIndex(catalogue(), **parameters).fit(hand_frame())


def test_reference_window_without_data_is_refused():
    with pytest.raises(RiskIndexError, match="reference window"):
        RiskIndex(catalogue(), reference_start="2030", reference_end="2031").fit(hand_frame())


def test_indicators_outside_the_catalogue_are_ignored_with_a_warning():
    data = pd.concat([hand_frame(), observations([("R1", "2024", "mystery", 1.0)])])
    result = RiskIndex(catalogue(), outlier_quantiles=None).fit(data).score(data)
    assert any("mystery" in warning for warning in result.warnings)


def test_result_exports_are_consistent():
    result = fitted().score(hand_frame())
    exported = result.to_dict()
    assert [record["region"] for record in exported["scores"]] == REGIONS
    r2 = exported["scores"][1]
    assert r2["score"] == pytest.approx(math.sqrt(26) - 1)
    assert r2["risk_class"] == "medium" and r2["risk_class_labels"]["ru"] == "Средний"
    assert sum(item["contribution"] for item in r2["indicators"]) == pytest.approx(r2["score"])
    text = result.summary()
    assert "R3" in text and "very_high" in text
    assert repr(RiskIndex(catalogue(), normalisation="rank")).startswith("RiskIndex(<2 indicators>")


def test_default_catalogue_has_five_domains_and_named_survey_indicators():
    cat = default_catalogue()
    assert cat["domain"].nunique() == 5
    assert cat["code"].is_unique and len(cat) >= 12
    survey = set(cat.loc[cat["source"] == "survey", "code"])
    assert {
        "survey_dissatisfied_services",
        "survey_trust_local_government",
        "survey_interethnic_tension",
        "survey_information_access",
    } <= survey
    for column in ("name_kk", "name_ru", "name_en"):
        assert (cat[column].str.len() > 3).all()
