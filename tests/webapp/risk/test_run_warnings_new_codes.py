"""Warnings added by the forecasting trial, worded on kk/ru pages rather than in English."""

from __future__ import annotations

import pandas as pd

from forecasting.backtest import ended_early
from forecasting.models.baselines import NaiveForecaster
from webapp.risk.reader_messages import run_warning_message


def test_ended_early_in_russian_and_kazakh(app, regions) -> None:
    periods = pd.period_range("2015", "2023", freq="Y")
    frame = pd.DataFrame(
        {
            "region": ["KZ-75"] * 9 + ["KZ-71"] * 4,
            "period": list(periods) + list(periods[:4]),
            "indicator": "poverty_share",
            "value": 5.0,
        }
    )
    [note] = ended_early(frame, horizon=3)
    assert note["region"] == "KZ-71" and note["params"]["behind"] == 5
    with app.test_request_context(headers={"Accept-Language": "ru"}):
        text = run_warning_message(note)
    assert text.startswith("KZ-71 ")
    assert (
        "Ряд заканчивается в 2018, за 5 период(а/ов) до последнего периода показателя (2023)"
        in text
    )
    with app.test_request_context(headers={"Accept-Language": "kk"}):
        assert "Қатар 2018 кезеңінде" in run_warning_message(note)


def test_constant_series_is_not_called_too_short(app, regions) -> None:
    """The web said 'Too short for its own residuals' of a constant series of nine years."""
    periods = pd.period_range("2015", "2023", freq="Y")
    frame = pd.DataFrame(
        {
            "region": ["KZ-75"] * 9 + ["KZ-71"] * 9,
            "period": list(periods) * 2,
            "indicator": "poverty_share",
            "value": [5.0] * 9 + [4.0, 4.5, 4.2, 4.8, 5.1, 4.9, 5.3, 5.0, 5.6],
        }
    )
    result = NaiveForecaster().fit(frame).predict(2)
    [warning] = [item for item in result.warnings if item["category"] == "pooled_interval"]
    with app.test_request_context(headers={"Accept-Language": "ru"}):
        text = run_warning_message(warning)
    assert "Постоянный ряд: ровная история не доказывает ровного будущего" in text
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert "Too short" not in run_warning_message(warning)
