"""Training end to end: queue from the web, a worker trains, outputs materialised, published."""

from __future__ import annotations

import html
import json
import math

import pytest
import sqlalchemy as sa

from tests.webapp.risk.conftest import SMALL_REGIONS, long_csv, upload_data
from webapp.extensions import db
from webapp.risk import jobs, services
from webapp.risk.models import (
    RiskBacktestMetric,
    RiskForecast,
    RiskModelRun,
    RiskScore,
    TrainingJob,
)
from webapp.risk.reader_messages import run_warning_message
from webapp.risk.stages import log_lines, stage_text


def test_train_in_the_background_then_publish(app, analyst_client, small_panel):
    response = analyst_client.post(
        "/risk/imports", data=upload_data(long_csv(small_panel), "panel.csv")
    )
    analyst_client.post(response.headers["Location"] + "/confirm", data={})
    response = analyst_client.post(
        "/risk/training", data={"horizon": 2, "n_origins": 1, "models": "fast"}
    )
    job_url = response.headers["Location"]
    assert "queued" in analyst_client.get(job_url).get_data(as_text=True)

    with app.app_context():
        assert jobs.run_worker(burst=True) == 1
        job = db.session.scalar(sa.select(TrainingJob))
        assert job.status == "succeeded", job.error + job.log
        assert job.progress == 1.0 and job.active_slot is None
        stages = [line.text for line in log_lines(job.log)]
        assert "Scoring the history with the risk index" in stages
        assert stage_text(job.stage) == f"Done: run {job.run_id}"
        run = db.session.get(RiskModelRun, job.run_id)
        assert run.latest_period == "2026-10" and run.data_summary["regions"] == 3
        assert services.published_run() is None, "training never publishes by itself"

        scores = services.scores_for(run.run_id)
        assert {score.region_code for score in scores} == set(SMALL_REGIONS)
        assert len(services.periods_for(run.run_id)) == 24
        top = scores[0]
        parts = services.contributions_for(run.run_id, top.region_code, top.period)
        for level in ("domain", "indicator"):
            total = sum(part.contribution or 0 for part in parts if part.level == level)
            assert math.isclose(total, top.score, abs_tol=1e-6), level
        forecasts = services.forecasts_for(run.run_id, "KZ-47")
        assert {forecast.target for forecast in forecasts} == {
            "score",
            "registered_unemployment",
            "complaints_per_10k",
        }
        score_forecasts = [forecast for forecast in forecasts if forecast.target == "score"]
        assert [forecast.period for forecast in score_forecasts] == ["2026-11", "2026-12"]
        assert all(0 <= forecast.probability_high <= 1 for forecast in score_forecasts)
        assert all(
            forecast.lower_95 <= forecast.lower_80 <= forecast.mean <= forecast.upper_80
            for forecast in score_forecasts
        )
        assert len(services.score_forecasts_for(run.run_id)) == 3
        assert db.session.scalar(sa.select(sa.func.count()).select_from(RiskBacktestMetric)) > 0
        ranks = services.rank_intervals_for(run.run_id)
        assert sorted(rank.region_code for rank in ranks) == sorted(SMALL_REGIONS)
        assert all(rank.rank_low <= rank.median_rank <= rank.rank_high for rank in ranks)
        assert {rank.period for rank in ranks} == {"2026-10"}
        run_id = run.run_id

    page = analyst_client.get(job_url).get_data(as_text=True)
    assert "Model card" in page and "http-equiv" not in page and "Publish this run" in page
    analyst_client.post("/language", data={"language": "ru"})
    page = analyst_client.get(job_url).get_data(as_text=True)
    assert "Готово: запуск" in page and "Расчёт индекса риска по истории" in page
    assert "Ретроспективная проверка от точки 1:" in page
    for english in ("— done", "scoring the history", "backtest origin", "done in"):
        assert english not in page, english
    analyst_client.post("/language", data={"language": "en"})
    response = analyst_client.post(f"/risk/runs/{run_id}/promote", follow_redirects=True)
    assert "is now published" in response.get_data(as_text=True)
    with app.app_context():
        assert services.published_run().run_id == run_id
        assert (
            db.session.scalar(
                sa.select(sa.func.count()).select_from(RiskScore).where(RiskScore.run_id == run_id)
            )
            == 3 * 24
        )
        assert db.session.scalar(sa.select(sa.func.count()).select_from(RiskForecast)) == 3 * 3 * 2


def test_model_sets_are_the_package_default_or_every_model():
    from forecasting.models.auto import available_models
    from webapp.risk.training import TrainingInputError, candidates_for

    assert candidates_for("fast", 4) is None  # the pipeline's default candidates
    every = candidates_for("full", 4)
    assert set(every) == set(available_models(4)) and {"ets", "gbm", "panel_mean"} <= set(every)
    assert every["pooled_ets"].horizon == 4
    with pytest.raises(TrainingInputError, match="use one of fast, full"):
        candidates_for("quick", 4)


def test_a_unit_that_ended_gets_no_scores_after_its_end_nor_forecasts(
    app, analyst_client, small_panel
):
    """South Kazakhstan (ended 2018-06-18) keeps its history but is not scored in 2026.

    The index carries a unit's last values forward as stale inputs; without the unit's end
    date, a bureau file with 2017 figures for South Kazakhstan put it on today's map with a
    forecast for next year.
    """
    import pandas as pd

    old = small_panel[small_panel["region"] == "KZ-47"].copy()
    old["region"] = "KZ-YUZ"
    old["period"] = old["period"].map(lambda period: period - 120)  # ten years earlier
    old = old[old["period"] <= pd.Period("2018-05", "M")]
    panel = pd.concat([small_panel, old], ignore_index=True)
    job = _import_and_train(app, analyst_client, upload_data(long_csv(panel), "p.csv"))
    with app.app_context():
        south = db.session.scalars(
            sa.select(RiskScore.period_start).where(RiskScore.region_code == "KZ-YUZ")
        ).all()
        assert south, "the history before the end stays"
        assert max(south).isoformat() <= "2018-06-18"
        latest = {score.region_code for score in services.scores_for(job.run_id, "2026-10")}
        assert latest == set(SMALL_REGIONS)
        assert "KZ-YUZ" not in {
            forecast.region_code for forecast in services.score_forecasts_for(job.run_id)
        }
        # Its indicator series stop in 2016 here: forecasts of periods it still existed in
        # are kept, none of a period ending after 2018-06-18 (the CLI forecast's rule).
        south_forecasts = services.forecasts_for(job.run_id, "KZ-YUZ")
        assert all(row.period <= "2018-05" for row in south_forecasts)
        ranks = services.rank_intervals_for(job.run_id)
        assert {rank.region_code for rank in ranks} == set(SMALL_REGIONS)
        # ranked among today's units only: places 1..n, not 1..n+1
        assert sorted(rank.nominal_rank for rank in ranks) == list(range(1, len(SMALL_REGIONS) + 1))
        assert max(rank.rank_high for rank in ranks) <= len(SMALL_REGIONS)


def test_a_unit_that_ended_within_a_year_is_not_scored_for_it_nor_forecast(app, analyst_client):
    """A bureau table (cp1251, semicolons) with South Kazakhstan to 2017, Turkistan region
    and Shymkent from 2018: the web run follows the CLI's rule, so 2018, the year South
    Kazakhstan ended in (2018-06-18), is not scored for it from its stale 2017 value."""
    job = _import_and_train(app, analyst_client, _south_kazakhstan_table())
    with app.app_context():
        south = db.session.scalars(
            sa.select(RiskScore.period).where(RiskScore.region_code == "KZ-YUZ")
        ).all()
        assert south and max(south) == "2017"
        forecast_regions = set(
            db.session.scalars(sa.select(RiskForecast.region_code).distinct()).all()
        )
        assert forecast_regions == {"KZ-55", "KZ-61", "KZ-79"}
        warnings = json.loads(jobs.registry().artifact(job.run_id, "warnings.json"))
        ended = {item["region"] for item in warnings if item["category"] == "ended_unit"}
        assert ended == {"KZ-YUZ"}


def test_the_runs_warnings_are_shown_before_publishing_in_the_analysts_language(
    app, analyst_client
):
    """An ended unit and a horizon longer than the backtest could test are on the job page,
    the run's page and the publish confirmation (where the analyst decides), worded in ru
    and kk from the warnings' params, with region names in that language."""
    job = _import_and_train(app, analyst_client, _south_kazakhstan_table(), horizon=12)
    with app.app_context():
        warnings = json.loads(jobs.registry().artifact(job.run_id, "warnings.json"))
    assert {"ended_unit", "beyond_history"} <= {item["category"] for item in warnings}
    analyst_client.post("/language", data={"language": "ru"})
    pages = ("/risk/training/jobs/{}", "/risk/runs/{}", "/risk/runs/{}/promote")
    for url in (pages[0].format(job.id), *(page.format(job.run_id) for page in pages[1:])):
        page = html.unescape(analyst_client.get(url).get_data(as_text=True))
        assert "Предупреждения этого запуска" in page, url
        assert (
            "KZ-YUZ Южно-Казахстанская область — единица упразднена 2018-06-18: её прогнозные "
            "периоды (12) начиная с 2018 исключены. Её территория теперь — KZ-61 "
            "Туркестанская область, KZ-79 г. Шымкент."
        ) in page, url
        # the indicator by its Russian name, not its code
        assert (
            "Горизонт в 12 шагов длиннее, чем позволяет проверить на истории (после 3 "
            "периодов обучения) ряд показателей (1): Уровень безработицы (периодов: 13, "
            "проверено шагов: 10)."
        ) in page, url
        # the index left South Kazakhstan out of the scores after its end
        assert (
            "KZ-YUZ Южно-Казахстанская область — единица упразднена 2018-06-18: её периоды (5) "
            "начиная с 2018 не оцениваются (её значения по-прежнему учитываются в базовом "
            "периоде индекса)."
        ) in page, url
        # the backtest's warnings
        assert (
            "Уровень безработицы: История из 13 периодов не вмещает ретроспективную проверку на "
            "12 шагов после 3 периодов обучения: одна точка проверки, проверено шагов: 10."
        ) in page, url
        assert (
            "KZ-61 Туркестанская область, Индекс риска: Обучающая часть до первой точки "
            "проверки постоянна или слишком коротка"
        ) in page, url
        listed = page[page.index('<section class="run-warnings"') :].split("</section>")[0]
        for english in (
            "forecast period(s) from 2018 on are left out",  # no English twice
            "scored period(s)",
            "cannot hold a",
            "MASE undefined",
            "unemployment_rate",
            "not scored for",
        ):
            assert english not in listed, (url, english)
    analyst_client.post("/language", data={"language": "kk"})
    page = html.unescape(analyst_client.get(f"/risk/runs/{job.run_id}").get_data(as_text=True))
    assert "Осы іске қосудың ескертулері" in page
    assert "12 қадамдық көкжиек" in page
    assert "Жұмыссыздық деңгейі (кезеңдер: 13, тексерілген қадамдар: 10)" in page
    assert (
        "KZ-YUZ Оңтүстік Қазақстан облысы 2018-06-18 таратылды: оның 2018 бастап кезеңдері (5) "
        "бағаланбайды"
    ) in page
    assert "Жұмыссыздық деңгейі: 13 кезеңдік тарих 3 оқыту кезеңінен кейін 12 қадамдық" in page
    listed = page[page.index('<section class="run-warnings"') :].split("</section>")[0]
    for english in ("scored period(s)", "cannot hold a", "MASE undefined", "unemployment_rate"):
        assert english not in listed, english


def test_a_run_warning_without_web_wording_keeps_its_english_text(app, regions) -> None:
    with app.test_request_context(headers={"Accept-Language": "ru"}):
        assert run_warning_message({"category": "new_kind", "message": "as stored"}) == "as stored"
        # stored before the warnings had params
        old = {"category": "ended_unit", "message": "KZ-YUZ South Kazakhstan ended on 2018-06-18"}
        assert run_warning_message(old) == old["message"]
        assert run_warning_message("plain text") == "plain text"
        # a model's warning names its series only in its fields: the page adds them
        model = {"region": "KZ-61", "indicator": "wages", "category": "backtest",
                 "message": "MASE undefined for this series"}  # fmt: skip
        assert run_warning_message(model) == (
            "KZ-61 Туркестанская область, wages: MASE undefined for this series"
        )
        model["message"] = "KZ-61: not scored"
        assert run_warning_message(model) == "wages: KZ-61: not scored"


def _south_kazakhstan_table() -> dict:
    """A bureau table (cp1251, semicolons, a column per year 2010-2022): South Kazakhstan to
    2017, Turkistan region and Shymkent from 2018, Pavlodar throughout."""
    years = list(range(2010, 2023))
    rows = {
        "Южно-Казахстанская область": [5.5 - 0.1 * i if y < 2018 else None for i, y in enumerate(years)],
        "Туркестанская область": [5.0 + 0.1 * i if y >= 2018 else None for i, y in enumerate(years)],
        "г. Шымкент": [6.0 - 0.1 * i if y >= 2018 else None for i, y in enumerate(years)],
        "Павлодарская область": [4.0 + 0.05 * i for i, _ in enumerate(years)],
    }  # fmt: skip
    lines = ["Регион;" + ";".join(map(str, years))]
    for label, numbers in rows.items():
        cells = ["-" if value is None else f"{value:.1f}".replace(".", ",") for value in numbers]
        lines.append(label + ";" + ";".join(cells))
    content = ("\r\n".join(lines) + "\r\n").encode("cp1251")
    return upload_data(content, "b.csv", indicator="unemployment_rate")


def _import_and_train(app, analyst_client, upload: dict, horizon: int = 2) -> TrainingJob:
    """Import one file, then train with the fast models on it to the end."""
    response = analyst_client.post("/risk/imports", data=upload)
    analyst_client.post(response.headers["Location"] + "/confirm", data={})
    analyst_client.post(
        "/risk/training", data={"horizon": horizon, "n_origins": 1, "models": "fast"}
    )
    with app.app_context():
        assert jobs.run_worker(burst=True) == 1
        job = db.session.scalar(sa.select(TrainingJob))
        assert job.status == "succeeded", job.error + job.log
        db.session.expunge(job)
        return job
