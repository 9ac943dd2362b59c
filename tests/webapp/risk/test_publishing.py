"""Publishing: confirmation pages, refusals, audit, and exactly one active run under races."""

from __future__ import annotations

import threading

import sqlalchemy as sa

from forecasting.registry import STATUS_FAILED, model_run_activations
from tests.webapp.risk.test_jobs import run_in_threads
from webapp.audit.models import AuditEvent
from webapp.extensions import db
from webapp.risk import jobs, publishing
from webapp.risk.models import RiskModelRun
from webapp.risk.services import published_run, published_run_id


def stored_run(materialised: bool = True, status: str = "succeeded") -> str:
    """A run in the registry, with (or without) materialised outputs."""
    record = jobs.registry().store({"card.md": b"# Card"}, status=status, message="broken")
    if materialised:
        db.session.add(RiskModelRun(run_id=record.id, latest_period="2026-10"))
        db.session.commit()
    return record.id


def active_count() -> int:
    with db.engine.connect() as connection:
        return connection.execute(
            sa.select(sa.func.count())
            .select_from(model_run_activations)
            .where(model_run_activations.c.is_active == sa.true())
        ).scalar_one()


def test_promote_with_confirmation_and_double_click(app, analyst_client):
    with app.app_context():
        run_id = stored_run()
    page = analyst_client.get(f"/risk/runs/{run_id}/promote").get_data(as_text=True)
    assert "Yes, publish" in page
    response = analyst_client.post(f"/risk/runs/{run_id}/promote", follow_redirects=True)
    assert "is now published" in response.get_data(as_text=True)
    response = analyst_client.post(f"/risk/runs/{run_id}/promote", follow_redirects=True)
    assert "was already published; nothing changed" in response.get_data(as_text=True)
    with app.app_context():
        assert published_run().run_id == run_id and active_count() == 1
        actions = list(db.session.scalars(sa.select(AuditEvent.action)))
        assert actions.count("risk.promote") == 1
    assert run_id in analyst_client.get("/risk/training").get_data(as_text=True)
    assert "This run is published." not in analyst_client.get(f"/risk/runs/{run_id}").get_data(
        as_text=True
    )


def test_unknown_failed_and_unmaterialised_runs_are_refused(app, analyst_client):
    with app.app_context():
        failed = stored_run(status=STATUS_FAILED)
        elsewhere = stored_run(materialised=False)
    assert analyst_client.get("/risk/runs/nope/promote").status_code == 404
    for run_id, reason in (
        ("nope", "There is no run nope"),
        (failed, "only a successful run can be published"),
        (elsewhere, "has no stored scores"),
    ):
        response = analyst_client.post(f"/risk/runs/{run_id}/promote", follow_redirects=True)
        assert reason in response.get_data(as_text=True)
    with app.app_context():
        assert published_run_id() is None


def test_rollback_returns_to_the_previous_run(app, analyst_client):
    with app.app_context():
        first, second = stored_run(), stored_run()
    analyst_client.post(f"/risk/runs/{first}/promote")
    analyst_client.post(f"/risk/runs/{second}/promote")
    page = analyst_client.get("/risk/runs/rollback").get_data(as_text=True)
    assert first in page and second in page and "Yes, roll back" in page
    response = analyst_client.post("/risk/runs/rollback", follow_redirects=True)
    assert f"run {first} is published again" in response.get_data(as_text=True)
    response = analyst_client.post("/risk/runs/rollback", follow_redirects=True)
    assert "no earlier published run" in response.get_data(as_text=True)
    with app.app_context():
        assert published_run_id() == first
        assert "risk.rollback" in set(db.session.scalars(sa.select(AuditEvent.action)))


def test_council_members_cannot_publish(app, client, regions, make_user, sign_in):
    with app.app_context():
        run_id = stored_run()
    sign_in(make_user("council_member"))
    assert client.post(f"/risk/runs/{run_id}/promote").status_code == 403
    assert client.post("/risk/runs/rollback").status_code == 403
    with app.app_context():
        assert published_run_id() is None


def test_concurrent_promotions_leave_exactly_one_active_run(app, analyst):
    with app.app_context():
        runs = [stored_run(), stored_run()]
    positions = iter(range(2))
    lock = threading.Lock()

    def promote() -> bool:
        with lock:
            run_id = runs[next(positions)]
        return publishing.promote_run(run_id, None)

    results = run_in_threads(app, promote)
    assert all(result is True for result in results), results
    with app.app_context():
        assert active_count() == 1 and published_run_id() in runs


def test_concurrent_promotion_and_rollback_leave_exactly_one_active_run(app, analyst):
    with app.app_context():
        first, second, third = stored_run(), stored_run(), stored_run()
        publishing.promote_run(first, None)
        publishing.promote_run(second, None)
    operations = iter(
        [lambda: publishing.promote_run(third, None), lambda: publishing.rollback_run(None)]
    )
    lock = threading.Lock()

    def act():
        with lock:
            operation = next(operations)
        return operation()

    results = run_in_threads(app, act)
    assert not any(isinstance(result, Exception) for result in results), results
    with app.app_context():
        assert active_count() == 1
        # Rollback then promotion publishes the third run; promotion then rollback, the second.
        assert published_run_id() in {second, third}
