"""Why a training job failed is shown in the page's language when the web app or the pipeline
gave the reason (kk and ru pages showed "TrainingInputError: no observations are stored: …")."""

from __future__ import annotations

import html

import sqlalchemy as sa

from webapp.extensions import db
from webapp.risk import jobs
from webapp.risk.models import TrainingJob
from webapp.risk.stages import failure_text


def test_a_job_without_observations_fails_in_the_analysts_language(app, analyst_client):
    analyst_client.post("/risk/training", data={"horizon": 2, "n_origins": 1, "models": "fast"})
    with app.app_context():
        assert jobs.run_worker(burst=True) == 1
        job = db.session.scalar(sa.select(TrainingJob))
        assert job.status == "failed"
        assert job.error.startswith("TrainingInputError: no observations are stored")
        job_id = job.id
    expected = {
        "ru": "Наблюдений нет: сначала импортируйте статистику (или загрузите демо-данные).",
        "kk": "Бақылаулар сақталмаған: алдымен статистиканы импорттаңыз (немесе демо деректерді "
        "жүктеңіз).",
    }
    for language, reason in expected.items():
        analyst_client.post("/language", data={"language": language})
        for url in (f"/risk/training/jobs/{job_id}", "/risk/training"):
            page = html.unescape(analyst_client.get(url).get_data(as_text=True))
            assert reason in page, (language, url)
            # the log's traceback under the failure keeps the exception as raised
            shown = page.split('<pre class="job-log">')[0]
            assert "no observations are stored" not in shown, (language, url)
    log = html.unescape(analyst_client.get(f"/risk/training/jobs/{job_id}").get_data(as_text=True))
    assert "Бақылаулар сақталмаған" in log.split('<pre class="job-log">')[1]  # the failed stage


def test_failure_reasons_the_page_words(app) -> None:
    with app.test_request_context(headers={"Accept-Language": "ru"}):
        assert failure_text(
            "the worker stopped answering (killed or restarted); start a new run"
        ) == (
            "Обработчик перестал отвечать (остановлен или перезапущен): запустите обучение заново."
        )
        assert (
            failure_text(
                "TrainingInputError: the risk score could not be computed: risk score not computed: x"
            )
            == "Индекс риска не удалось рассчитать: x"  # the pipeline's prefix said once
        )
        assert (
            failure_text("ValueError: something unforeseen") == "ValueError: something unforeseen"
        )
        assert failure_text(None) == ""
