"""Warnings of the backtest, the risk index and the training run carry a stable code and its
params beside their English text, so the web pages can word them in kk and ru (the command
line keeps the English)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from forecasting.backtest import ORDINAL, _run_origin, plan_origins, rolling_origin_backtest
from forecasting.contract import ContractError, parse_catalogue, read_catalogue
from forecasting.index import RiskIndex
from forecasting.models import NaiveForecaster, SeasonalNaiveForecaster
from forecasting.models.base import BaseForecaster
from forecasting.pipeline import _index_notes
from tests.forecasting.test_backtest import make_series
from tests.forecasting.test_index import catalogue, observations


def test_backtest_warnings_carry_their_params() -> None:
    frame = pd.concat(
        [
            make_series(np.arange(6.0), indicator="short"),
            make_series([1.0, 2.0], indicator="tiny"),
            make_series(np.arange(14.0), indicator="some"),
        ]
    )
    _origins, warnings = plan_origins(frame, horizon=8, n_origins=3)
    by_indicator = {item["indicator"]: item for item in warnings}
    assert by_indicator["short"]["category"] == "short_history"
    assert by_indicator["short"]["params"] == {
        "length": 6,
        "horizon": 8,
        "min_train": 3,
        "steps": 3,
    }
    assert by_indicator["tiny"]["category"] == "not_evaluated"
    assert by_indicator["tiny"]["params"] == {"length": 2, "min_train": 3}
    assert by_indicator["some"]["category"] == "fewer_origins"
    assert by_indicator["some"]["params"] == {
        "length": 14,
        "origins": 1,
        "requested": 3,
        "horizon": 8,
    }
    # the English text stays as the command line prints it
    assert by_indicator["short"]["message"].startswith(
        "6 period(s) of history cannot hold a 8-step test"
    )
    constant = rolling_origin_backtest(
        make_series(np.full(20, 3.0)), [NaiveForecaster()], horizon=2, n_origins=1
    )
    undefined = [item for item in constant.warnings if item["category"] == "mase_undefined"]
    assert undefined and undefined[0]["params"] == {}
    json.dumps(constant.warnings)  # stored in warnings.json as they are


class Failing(BaseForecaster):
    name = "failing"

    def fit(self, frame):
        raise RuntimeError("no luck")


def test_a_warning_at_a_backtest_origin_has_the_origin_as_a_param() -> None:
    frame = make_series([1.0, 2.0, 3.0, 3.0, 3.0, 2.0, 4.0], indicator="x")
    frame[ORDINAL] = [period.ordinal for period in frame["period"]]
    cut = pd.DataFrame(
        {"indicator": ["x"], "origin": [np.int64(1)], "cutoff": [frame["period"][4]]}
    )
    _name, _origin, _table, entries, _spent = _run_origin(
        frame, cut, Failing(), "failing", np.int64(1), 2
    )
    assert entries[0]["category"] == "model_failed"
    assert entries[0]["params"] == {"origin": 1, "error": "RuntimeError", "detail": "no luck"}
    assert entries[0]["message"] == "origin 1: RuntimeError: no luck"
    json.dumps(entries)
    short = make_series([1.0, 2.0, 3.0, 4.0, 5.0], indicator="x")
    short[ORDINAL] = [period.ordinal for period in short["period"]]
    cut = pd.DataFrame({"indicator": ["x"], "origin": [0], "cutoff": [short["period"][3]]})
    _name, _origin, _table, entries, _spent = _run_origin(
        short, cut, SeasonalNaiveForecaster(), "seasonal_naive", 0, 2
    )
    fallback = [item for item in entries if item["category"] == "fallback"]
    assert fallback and fallback[0]["params"] == {"origin": 0, "periods": 4, "needed": 13}
    assert fallback[0]["code"] == "run.fallback.short_season"
    assert fallback[0]["message"].startswith("origin 0: ")


def test_index_warnings_carry_codes_and_params() -> None:
    """South Kazakhstan (ended 2018-06-18) is not scored for 2018 from its 2017 value: the
    note has the code index.ended_unit and the unit's params; a constant indicator's note
    index.constant; ``issues`` is ``warnings`` with codes, in the same order."""
    rows = [
        (region, str(year), "a", value + year - 2016)
        for region, value in (("KZ-55", 1.0), ("KZ-YUZ", 5.0))
        for year in (2016, 2017, 2018)
        if not (region == "KZ-YUZ" and year == 2018)
    ]
    rows += [(region, str(year), "b", 7.0) for region in ("KZ-55",) for year in (2016, 2017, 2018)]
    data = observations(rows)
    result = RiskIndex(catalogue(), outlier_quantiles=None).fit(data).score(data)
    assert [issue["message"] for issue in result.issues] == result.warnings
    codes = {issue["code"]: issue for issue in result.issues}
    assert codes["index.ended_unit"]["params"] == {
        "unit": "KZ-YUZ",
        "date": "2018-06-18",
        "now": ["KZ-61", "KZ-79"],
        "periods": 1,
        "first": "2018",
    }
    assert "its values still count in the reference window" in codes["index.ended_unit"]["message"]
    assert codes["index.constant"]["params"] == {"indicator": "b", "value": 7.0}
    json.dumps(result.issues)


def test_the_run_words_the_index_ended_unit_note_as_an_ended_unit_warning() -> None:
    rows = [(region, str(year), "a", float(year - 2015)) for region in ("KZ-55", "KZ-YUZ")
            for year in (2016, 2017, 2018) if not (region == "KZ-YUZ" and year == 2018)]  # fmt: skip
    rows += [("KZ-55", "2016", "b", 1.0), ("KZ-55", "2017", "b", 1.0), ("KZ-YUZ", "2017", "b", 1.0)]
    data = observations(rows)
    result = RiskIndex(catalogue(), outlier_quantiles=None).fit(data).score(data)
    notes = _index_notes(result)
    ended = [note for note in notes if note["category"] == "ended_unit"]
    assert len(ended) == 1 and ended[0]["region"] == "KZ-YUZ"
    assert ended[0]["params"]["left_out"] == "scores" and ended[0]["params"]["first"] == "2018"
    constant = [note for note in notes if note.get("code") == "index.constant"]
    assert constant and constant[0]["category"] == "risk_index"
    assert constant[0]["params"]["indicator"] == "b"


def test_an_unreadable_catalogue_has_a_code() -> None:
    with pytest.raises(ContractError, match="cannot read") as caught:
        read_catalogue("/nonexistent/catalogue.csv")
    (issue,) = caught.value.issues
    assert issue["code"] == "catalogue.unreadable"
    assert issue["params"]["reason"] == "file"
    assert issue["params"]["path"] == "/nonexistent/catalogue.csv"
    assert issue["message"] == caught.value.problems[0]
    for content, reason in ((b"", "empty"), (b'code,name_en\n"x,y\n', "not_a_table")):
        with pytest.raises(ContractError) as caught:
            parse_catalogue(content, "c.csv")
        (issue,) = caught.value.issues
        assert (issue["code"], issue["params"]["reason"]) == ("catalogue.unreadable", reason)
        assert issue["params"]["path"] == "c.csv"


def test_model_warnings_carry_code_and_params() -> None:
    """The models' warnings (fallback, interpolated, library warnings) carry a code and its
    params beside the English text, so the web pages can word them in kk and ru."""
    from forecasting.models import ExponentialSmoothingForecaster, GlobalGradientBoostingForecaster
    from tests.forecasting.test_models import FAST_GBM, make_panel

    short = pd.DataFrame(
        {
            "region": ["A", "A", "B"],
            "indicator": "x",
            "period": [pd.Period(f"2020-0{month}", "M") for month in (1, 2, 1)],
            "value": [1.0, 2.0, 5.0],
        }
    )
    fallback = [
        item
        for item in SeasonalNaiveForecaster().fit(short).predict(2).warnings
        if item["category"] == "fallback"
    ]
    assert fallback and fallback[0]["code"] == "run.fallback.short_season"
    assert fallback[0]["params"] == {"periods": 2, "needed": 13}
    assert "naive forecast used instead" in fallback[0]["message"]

    gappy = make_panel(regions=1)
    gappy = gappy.drop(index=gappy.index[5])
    (interpolated,) = [
        item
        for item in NaiveForecaster().fit(gappy).predict(2).warnings
        if item["category"] == "interpolated"
    ]
    assert interpolated["code"] == "run.interpolated"
    assert interpolated["params"] == {"filled": 1}

    tiny = make_panel(regions=2, months=14)
    tiny = tiny[tiny["period"] <= pd.Period("2020-03", "M")]
    result = GlobalGradientBoostingForecaster(horizon=2, **FAST_GBM).fit(tiny).predict(2)
    groups = [item for item in result.warnings if item["category"] == "fallback"]
    assert groups and all(item["code"] == "run.fallback.few_rows" for item in groups)
    assert set(groups[0]["params"]) == {"group", "training_rows", "needed", "series"}
    assert groups[0]["params"]["needed"] == 30 and groups[0]["params"]["training_rows"] < 30
    assert f"only {groups[0]['params']['training_rows']} training rows" in groups[0]["message"]

    constant = make_panel(regions=1)
    constant["value"] = 3.0
    ets = ExponentialSmoothingForecaster().fit(constant).predict(2)
    codes = {item.get("code") for item in ets.warnings if item["category"] == "fallback"}
    assert codes == {"run.fallback.ets_constant"}
    json.dumps(ets.warnings + result.warnings)  # stored in warnings.json
