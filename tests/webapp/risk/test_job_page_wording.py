"""What the training pages tell an analyst: the worker to start, the model sets, the count."""

from __future__ import annotations

import re

import pytest

from webapp.extensions import db
from webapp.risk.models import TrainingJob


def queued_job(app, options: dict) -> int:
    with app.app_context():
        job = TrainingJob(options=options, requested_by_email="analyst@example.org")
        db.session.add(job)
        db.session.commit()
        return job.id


def test_queued_job_without_redis_names_the_polling_worker(app, analyst_client):
    job_id = queued_job(app, {"horizon": 4, "models": "fast"})
    page = analyst_client.get(f"/risk/training/jobs/{job_id}").get_data(as_text=True)
    assert "flask --app webapp risk worker" in page
    assert "rq-worker" not in page


@pytest.mark.app_config(REDIS_URL="redis://127.0.0.1:6379/15")
def test_queued_job_on_redis_names_the_rq_worker(app, analyst_client):
    """With REDIS_URL set the job waits on an RQ queue, which `risk worker` never reads:
    the page sent the operator to start the wrong worker."""
    job_id = queued_job(app, {"horizon": 4, "models": "fast"})
    page = analyst_client.get(f"/risk/training/jobs/{job_id}").get_data(as_text=True)
    assert "flask --app webapp risk rq-worker" in page
    assert "risk worker<" not in page and "risk worker\n" not in page


def test_recommended_model_set_is_described_by_what_it_runs(app, analyst_client):
    """The recommended set runs per-series smoothing and the panel models too
    (forecasting.models.auto.DEFAULT_MODELS); the label said 'baselines and pooled
    exponential smoothing' only."""
    from forecasting.models.auto import DEFAULT_MODELS

    assert {"series_ets", "panel_ar"} <= set(DEFAULT_MODELS)
    job_id = queued_job(app, {"horizon": 4, "models": "fast"})
    page = analyst_client.get(f"/risk/training/jobs/{job_id}").get_data(as_text=True)
    assert "Recommended: baselines, exponential smoothing and the panel models (fast)" in page


def test_training_form_describes_both_model_sets(app, analyst_client):
    form = analyst_client.get("/risk/training").get_data(as_text=True)
    assert "the panel models (fast)" in form
    assert "exponential smoothing fitted to each series and the global linear" in form


def test_imports_caption_reads_well_for_one_import(app, analyst_client):
    from tests.webapp.risk.conftest import csv_bytes, upload_data

    content = csv_bytes("region,period,indicator,value\nKZ-75,2023-01,registered_unemployment,4.1")
    response = analyst_client.post("/risk/imports", data=upload_data(content, "one.csv"))
    assert response.status_code == 302
    preview = analyst_client.get(response.headers["Location"]).get_data(as_text=True)
    action = re.search(r'<form method="post" action="([^"]*confirm[^"]*)"', preview).group(1)
    assert analyst_client.post(action).status_code == 302
    page = analyst_client.get("/risk/imports").get_data(as_text=True)
    assert "1 imports" not in page
    assert "Imports: 1" in page
