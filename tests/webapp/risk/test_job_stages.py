"""Training job stages and log: stored as codes, worded in the analyst's language."""

from __future__ import annotations

import html
import json

from webapp.extensions import db
from webapp.risk import stages
from webapp.risk.models import TrainingJob


def test_pipeline_messages_are_stored_as_codes_with_their_values():
    stored = json.loads(stages.encode("score: backtest origin 2: panel_ar"))
    assert stored == {
        "code": "score",
        "stage": {"code": "backtest_origin", "origin": "2", "model": "panel_ar"},
    }
    assert json.loads(stages.encode("a message no pattern knows")) == {
        "code": "text",
        "text": "a message no pattern knows",
    }
    long_reason = "rank uncertainty skipped: " + "x" * 500
    assert len(stages.encode(long_reason, stages.STAGE_LENGTH)) <= stages.STAGE_LENGTH


def _job_page(app, client, language: str, **columns) -> str:
    with app.app_context():
        job = TrainingJob(status="succeeded", options={}, **columns)
        db.session.add(job)
        db.session.flush()
        job.active_slot = None  # a finished job frees the slot (None at insert means default)
        db.session.commit()
        job_id = job.id
    client.post("/language", data={"language": language})
    return client.get(f"/risk/training/jobs/{job_id}").get_data(as_text=True)


def test_job_page_words_stages_and_log_in_kazakh_and_russian(app, analyst_client):
    log = "".join(
        f"12:00:0{number} {stages.encode(message)}\n"
        for number, message in enumerate(
            [
                "recomputing survey-derived indicators",
                "training on 12345 values of 4 indicators in 20 regions",
                "backtest origin 1: pooled_ets",
                "done in 3.5 s",
                "done: run abc123",
            ]
        )
    )
    stage = stages.encode("done: run abc123", stages.STAGE_LENGTH)
    page = _job_page(app, analyst_client, "ru", stage=stage, log=log)
    assert "Готово: запуск abc123" in page
    assert "Пересчёт показателей из опросов" in page
    assert "Обучение на 12\xa0345 значениях 4 показателей в 20 регионах" in page
    assert "Ретроспективная проверка от точки 1: Объединённое экспоненциальное сглаживание" in page
    assert "Модели обучены за 3,5 с" in page
    for english in ("done", "recomputing", "backtest origin", '"code"'):
        assert english not in page.split("<main", 1)[1], english
    page = _job_page(app, analyst_client, "kk", stage=stage, log=log)
    assert "Дайын: іске қосу abc123" in page and "Модельдер 3,5 с ішінде оқытылды" in page


def test_rows_written_before_the_codes_stay_readable(app, analyst_client):
    log = (
        "12:00:00 validating observations\n"
        "12:00:01 an English line of an older pipeline\n"
        "12:00:02 failed: RuntimeError: boom\n"
        "Traceback (most recent call last):\n"
        '  File "x.py", line 1\n'
    )
    page = html.unescape(_job_page(app, analyst_client, "ru", stage="failed", log=log))
    assert "— Ошибка</p>" in page  # the stage of an older failed row
    assert "Проверка наблюдений" in page
    assert "an English line of an older pipeline" in page
    assert "Ошибка: RuntimeError: boom" in page and 'File "x.py", line 1' in page
