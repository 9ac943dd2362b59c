"""The model card on the run page: backtest figures an analyst can read, in their language."""

from __future__ import annotations

from tests.webapp.risk.test_publishing import stored_run
from webapp.extensions import db
from webapp.risk.models import RiskModelRun

CARD = {
    "metrics": {
        "overall": [
            {
                "model": "naive",
                "mase": 1.345974,
                "smape": 15.387329,
                "rmse": 4.242789,
                "coverage_80": 0.768987,
                "coverage_95": 0.905063,
                "pinball": 0.258516,
                "n": 3476,
                "seconds": 0.333,
            },
            {
                "model": "panel_mean+pooled_ets",
                "mase": 1.165,
                "smape": 10.189,
                "rmse": 4.265,
                "coverage_80": 0.765,
                "coverage_95": 0.897,
                "pinball": 0.242,
                "n": 2996,
                "seconds": None,
            },
        ]
    },
    "chosen_models": {"unemployment_rate": "panel_mean+pooled_ets"},
    "chosen_summary": {
        "per_indicator": {
            "unemployment_rate": {
                "mase": 0.614406,
                "mase_seasonal_naive": 1.104667,
                "mase_naive": 1.404,
            }
        }
    },
}


def card_page(app, client, language: str) -> str:
    with app.app_context():
        run_id = stored_run()
        run = db.session.get(RiskModelRun, run_id)
        run.card = CARD
        db.session.commit()
    client.post("/language", data={"language": language})
    return client.get(f"/risk/runs/{run_id}").get_data(as_text=True)


def test_backtest_table_has_readable_headings_and_percent_coverage(app, analyst_client):
    page = card_page(app, analyst_client, "en")
    for raw in ("coverage_80", "smape", "pinball</th>", ">n</th>", ">seconds</th>"):
        assert raw not in page, raw
    assert "Coverage of the 80% interval" in page and "77%" in page and "91%" in page
    assert "Naive (last value)" in page
    assert "Average of: Panel mean, Pooled exponential smoothing" in page
    assert "Unemployment rate" in page and ">0.614<" in page and ">1.4<" in page


def test_model_card_headings_in_russian_and_kazakh(app, analyst_client):
    page = card_page(app, analyst_client, "ru")
    assert "Покрытие интервала 80%" in page and "coverage_80" not in page
    assert "Уровень безработицы" in page
    page = card_page(app, analyst_client, "kk")
    assert "Жұмыссыздық деңгейі" in page and "coverage_80" not in page


def test_model_card_numbers_use_the_locale_decimal_comma(app, analyst_client):
    page = card_page(app, analyst_client, "ru")
    assert ">1,35<" in page and ">0,614<" in page and ">1,4<" in page and ">77\xa0%<" in page
    assert ">3\xa0476<" in page  # forecasts checked, grouped as the review pages group them
    assert ">1.35<" not in page and ">0.614<" not in page
    page = card_page(app, analyst_client, "kk")
    assert ">1,35<" in page and ">0,614<" in page
    page = card_page(app, analyst_client, "en")
    assert ">1.35<" in page and ">77%<" in page


def test_panel_ar_has_a_readable_name_in_every_language():
    from forecasting.models.auto import available_models
    from webapp.risk.model_card import MODEL_LABELS

    assert set(available_models(4)) <= set(MODEL_LABELS), "every model the package offers"


def test_panel_ar_is_named_on_the_card(app, analyst_client):
    CARD["chosen_models"]["unemployment_rate"] = "panel_ar+pooled_ets"
    try:
        page = card_page(app, analyst_client, "ru")
    finally:
        CARD["chosen_models"]["unemployment_rate"] = "panel_mean+pooled_ets"
    assert "Региональная панель: случайный уровень и колебания AR(1)" in page
    assert "panel_ar" not in page.split("<main", 1)[1].split("<details", 1)[0]


def test_weighted_combination_is_named_in_words(app):
    from flask_babel import force_locale

    from webapp.risk.model_card import model_label

    with app.test_request_context():
        assert model_label("weighted:panel_ar+pooled_ets") == (
            "Weighted average of: Regional panel: random level and AR(1) swing, "
            "Pooled exponential smoothing"
        )
        assert model_label("panel_mean+pooled_ets").startswith("Average of: ")
        with force_locale("ru"):
            assert model_label("weighted:naive+panel_mean").startswith("Взвешенное среднее из: ")
        with force_locale("kk"):
            assert model_label("weighted:naive+panel_mean").startswith("Салмақталған орташасы: ")
