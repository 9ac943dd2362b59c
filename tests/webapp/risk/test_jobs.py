"""Training jobs: one at a time, claimed exactly once, failures stored and harmless."""

from __future__ import annotations

import os
import threading

import pytest
import sqlalchemy as sa

from webapp.extensions import db
from webapp.risk import jobs
from webapp.risk.models import RiskModelRun, TrainingJob
from webapp.risk.services import published_run_id


def run_in_threads(app, function, count: int = 2) -> list:
    """Call ``function()`` in ``count`` threads at once, each in its own app context."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def work(position: int) -> None:
        with app.app_context():
            barrier.wait()
            try:
                results[position] = function()
            except Exception as error:  # collected for the assertion
                results[position] = error
            finally:
                db.session.remove()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_only_one_job_can_wait_or_run(app_context, analyst):
    first = jobs.enqueue_training(analyst, {"horizon": 2})
    with pytest.raises(jobs.TrainingBusy) as busy:
        jobs.enqueue_training(analyst, {"horizon": 2})
    assert busy.value.job_id == first.id
    assert db.session.scalar(sa.select(sa.func.count()).select_from(TrainingJob)) == 1


def test_two_simultaneous_requests_queue_one_job(app, analyst):
    results = run_in_threads(app, lambda: jobs.enqueue_training(None, {}).id)
    queued = [result for result in results if isinstance(result, int)]
    refused = [result for result in results if isinstance(result, jobs.TrainingBusy)]
    assert len(queued) == 1 and len(refused) == 1, results
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(TrainingJob)) == 1


def test_two_workers_claim_a_job_exactly_once(app, analyst):
    with app.app_context():
        job_id = jobs.enqueue_training(analyst, {}).id
    results = run_in_threads(app, lambda: jobs.claim_next_job(f"worker-{threading.get_ident()}"))
    assert sorted(results, key=str) == [job_id, None] or sorted(results, key=str) == [None, job_id]
    assert results.count(job_id) == 1, results
    with app.app_context():
        job = db.session.get(TrainingJob, job_id)
        assert job.status == "running" and job.worker.startswith("worker-")


def _fake_published_run(run_id_holder: list) -> str:
    """A succeeded, materialised and published run, as a previous training would leave."""
    record = jobs.registry().store({"card.md": b"# Card"}, parameters={"horizon": 2})
    db.session.add(RiskModelRun(run_id=record.id, latest_period="2026-10"))
    db.session.commit()
    jobs.registry().promote(record.id)
    run_id_holder.append(record.id)
    return record.id


def test_a_failed_run_is_stored_shown_and_leaves_the_published_run(
    app, analyst_client, monkeypatch
):
    def broken_pipeline(options, progress):
        progress(0.1, "fitting the models")
        raise RuntimeError("the models did not converge")

    monkeypatch.setattr("webapp.risk.training.train_from_database", broken_pipeline)
    with app.app_context():
        published = _fake_published_run([])
    response = analyst_client.post("/risk/training", data={"horizon": 2, "n_origins": 1})
    assert response.status_code == 302
    with app.app_context():
        assert jobs.run_next_job("test-worker") is not None
        job = db.session.scalar(sa.select(TrainingJob))
        assert job.status == "failed" and job.active_slot is None
        assert "did not converge" in job.error and "fitting the models" in job.log
        failed_run = jobs.registry().get(job.run_id)
        assert failed_run.status == "failed"
        assert published_run_id() == published
    page = analyst_client.get(f"/risk/training/jobs/{job.id}").get_data(as_text=True)
    assert "did not converge" in page and "The published run has not changed." in page
    assert 'http-equiv="refresh"' not in page
    # A failed run cannot be published.
    response = analyst_client.post(f"/risk/runs/{job.run_id}/promote", follow_redirects=True)
    assert "only a successful run can be published" in response.get_data(as_text=True)
    with app.app_context():
        assert published_run_id() == published
    # The slot is free again: a new run can be queued.
    response = analyst_client.post("/risk/training", data={"horizon": 2, "n_origins": 1})
    assert response.status_code == 302


def test_double_click_on_train_queues_one_job(app, analyst_client):
    first = analyst_client.post("/risk/training", data={"horizon": 2, "n_origins": 1})
    second = analyst_client.post(
        "/risk/training", data={"horizon": 2, "n_origins": 1}, follow_redirects=True
    )
    assert first.status_code == 302
    assert "already queued or running" in second.get_data(as_text=True)
    page = analyst_client.get(first.headers["Location"]).get_data(as_text=True)
    assert 'http-equiv="refresh"' in page and "flask --app webapp risk worker" in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(TrainingJob)) == 1


def test_a_silent_worker_frees_the_slot(app_context, analyst):
    from datetime import timedelta

    job = jobs.enqueue_training(analyst, {})
    assert jobs.claim_job(job.id, "gone")
    assert jobs.fail_stale_jobs(timedelta(0)) == 1
    db.session.expire_all()
    assert db.session.get(TrainingJob, job.id).status == "failed"
    assert jobs.enqueue_training(analyst, {}).id != job.id


REDIS_URL = os.environ.get("TEST_REDIS_URL") or os.environ.get("REDIS_URL")


def redis_connection():
    if not REDIS_URL:
        return None
    from redis import Redis
    from redis.exceptions import RedisError

    connection = Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        connection.ping()
    except RedisError:
        return None
    return connection


@pytest.mark.skipif(redis_connection() is None, reason="no Redis reachable (TEST_REDIS_URL)")
def test_rq_runs_the_queued_job(app, analyst, monkeypatch):
    from rq import Queue, SimpleWorker

    calls = []

    def recording_pipeline(options, progress):
        calls.append(options)
        raise RuntimeError("stop after being called")

    monkeypatch.setattr("webapp.risk.training.train_from_database", recording_pipeline)
    connection = redis_connection()
    queue = Queue(jobs.RQ_QUEUE, connection=connection)
    queue.empty()
    app.config["REDIS_URL"] = REDIS_URL
    with app.app_context():
        job_id = jobs.enqueue_training(analyst, {"horizon": 2}).id
        assert queue.count == 1
        SimpleWorker([queue], connection=connection).work(burst=True)
        job = db.session.get(TrainingJob, job_id)
        db.session.refresh(job)
        assert job.worker.startswith("rq:")
        assert job.status == "failed" and "stop after being called" in job.error
    assert calls == [{"horizon": 2, "n_origins": 3, "models": "fast"}]


def test_a_stopped_worker_marks_its_job_failed(app_context, analyst, monkeypatch):
    def interrupted(options, progress):
        raise KeyboardInterrupt

    monkeypatch.setattr("webapp.risk.training.train_from_database", interrupted)
    job = jobs.enqueue_training(analyst, {})
    assert jobs.claim_job(job.id, "worker")
    with pytest.raises(KeyboardInterrupt):
        jobs.run_job(job.id)
    db.session.expire_all()
    stopped = db.session.get(TrainingJob, job.id)
    assert stopped.status == "failed" and "stopped" in stopped.error
    assert stopped.active_slot is None


def queued_job_page(analyst_client, language: str) -> str:
    analyst_client.post("/language", data={"language": language})
    response = analyst_client.post("/risk/training", data={"horizon": 2, "n_origins": 1})
    return analyst_client.get(response.headers["Location"]).get_data(as_text=True)


def test_a_queued_job_says_queued_once(analyst_client):
    """The status line read 'Статус: в очереди — В очереди': the first stage repeated it."""
    page = queued_job_page(analyst_client, "ru")
    line = page[page.index("Статус:") : page.index("</p>", page.index("Статус:"))]
    assert "в очереди" in line
    assert "В очереди" not in line, line


def test_a_jobs_options_are_named_in_the_page_language(analyst_client):
    """The options were shown as raw JSON, '{"horizon": 2, "models": "fast", ...}', on a
    Russian page."""
    page = queued_job_page(analyst_client, "ru")
    assert "&#34;horizon&#34;" not in page and '"horizon"' not in page
    assert "Горизонт прогноза (периодов вперёд): 2" in page
    assert "Точки исторической проверки: 1" in page
    assert "Модели: Рекомендуется: базовые модели" in page
