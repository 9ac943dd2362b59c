"""Training in the background: a queue of jobs, claimed atomically, run outside any request.

Two ways to run the queue, chosen by configuration:

* ``REDIS_URL`` set: the job id is also put on an RQ queue (``risk-training``); an RQ worker
  started with ``flask --app webapp risk rq-worker`` runs it.
* otherwise: ``flask --app webapp risk worker`` polls ``risk_training_jobs``.

Either way a worker *claims* a job with a conditional UPDATE (``... WHERE status='queued'``)
and goes ahead only when it changed exactly one row, so two workers never run one job.
At most one job waits or runs at a time: ``active_slot`` is unique, so a second click on
"train" fails on the constraint rather than starting a second run.

A job reads the observations (after recomputing the survey-derived indicators), trains
with ``forecasting.pipeline.train``, stores the run in the shared registry
(``SqlRegistry(db.engine)``) and materialises its outputs (``webapp.risk.outputs``). A
failure is stored (as a failed registry run too) with its reason; the published run is never
touched by training.
"""

from __future__ import annotations

import logging
import os
import socket
import time
import traceback
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app, has_app_context
from sqlalchemy.exc import IntegrityError

from forecasting.registry import STATUS_FAILED, SqlRegistry
from webapp.audit.services import record
from webapp.database import utcnow
from webapp.extensions import db
from webapp.risk import stages
from webapp.risk.models import TrainingJob

logger = logging.getLogger(__name__)

RQ_QUEUE = "risk-training"
#: A running job whose worker has been silent this long is marked failed.
STALE_AFTER = timedelta(minutes=30)
#: Longest log kept per job (the end is kept: that is where errors are).
MAX_LOG_CHARS = 100_000

#: Options an analyst may set, with their defaults and bounds (see ``forms.TrainingForm``).
DEFAULT_OPTIONS: dict[str, Any] = {"horizon": 8, "n_origins": 3, "models": "fast"}


class TrainingBusy(RuntimeError):
    """A training job is already queued or running."""

    def __init__(self, job_id: int | None) -> None:
        super().__init__(f"training job #{job_id} is already queued or running")
        self.job_id = job_id


def registry() -> SqlRegistry:
    """The shared run registry, in the application's own database."""
    return SqlRegistry(db.engine)


# --- Queueing ------------------------------------------------------------------------------


def active_job() -> TrainingJob | None:
    return db.session.scalar(sa.select(TrainingJob).where(TrainingJob.active_slot == 1))


def enqueue_training(
    user: Any, options: dict[str, Any] | None = None, *, hand_to_rq: bool = True
) -> TrainingJob:
    """Queue a training job (committed), and hand it to RQ when Redis is configured.

    Raises ``TrainingBusy`` when another job is queued or running: the unique
    ``active_slot`` decides, so two simultaneous requests cannot both succeed.
    """
    fail_stale_jobs()
    job = TrainingJob(
        status="queued",
        active_slot=1,
        requested_by_id=getattr(user, "id", None),
        requested_by_email=getattr(user, "email", "") or "",
        options={**DEFAULT_OPTIONS, **(options or {})},
        stage=stages.encode("queued", stages.STAGE_LENGTH),
    )
    db.session.add(job)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        busy = active_job()
        raise TrainingBusy(busy.id if busy else None) from None
    record("risk.train", "training_job", job.id, {"options": job.options}, actor=user)
    db.session.commit()
    redis_url = current_app.config.get("REDIS_URL")
    if redis_url and hand_to_rq:
        _enqueue_rq(redis_url, job.id)
    return job


def _enqueue_rq(redis_url: str, job_id: int) -> None:
    from redis import Redis
    from rq import Queue

    try:
        queue = Queue(RQ_QUEUE, connection=Redis.from_url(redis_url))
        queue.enqueue(run_rq_job, job_id, job_timeout=6 * 3600, result_ttl=86400)
    except Exception as error:  # Redis down: a polling worker can still run it
        logger.warning("could not put training job %s on RQ (%s); it stays queued", job_id, error)
        _append_log(job_id, f"RQ unavailable ({error}); waiting for a polling worker")


# --- Claiming ------------------------------------------------------------------------------


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def claim_job(job_id: int, worker: str) -> bool:
    """Mark the job running if it is still queued; True only for the one caller that did."""
    now = utcnow()
    with db.engine.begin() as connection:
        changed = connection.execute(
            sa.update(TrainingJob.__table__)
            .where(TrainingJob.id == job_id, TrainingJob.status == "queued")
            .values(status="running", started_at=now, heartbeat_at=now, worker=worker)
        ).rowcount
    return changed == 1


def claim_next_job(worker: str) -> int | None:
    """Claim the oldest queued job, if any (several workers may race: one wins each job)."""
    candidates = db.session.scalars(
        sa.select(TrainingJob.id).where(TrainingJob.status == "queued").order_by(TrainingJob.id)
    ).all()
    db.session.rollback()  # end the read transaction before writing elsewhere (SQLite)
    for job_id in candidates:
        if claim_job(job_id, worker):
            return job_id
    return None


def fail_stale_jobs(max_silence: timedelta = STALE_AFTER) -> int:
    """Mark running jobs whose worker went silent as failed, freeing the training slot."""
    cutoff = utcnow() - max_silence
    with db.engine.begin() as connection:
        changed = connection.execute(
            sa.update(TrainingJob.__table__)
            .where(TrainingJob.status == "running", TrainingJob.heartbeat_at < cutoff)
            .values(
                status="failed",
                active_slot=None,
                finished_at=utcnow(),
                error="the worker stopped answering (killed or restarted); start a new run",
            )
        ).rowcount
    return changed or 0


# --- Progress ------------------------------------------------------------------------------


def _update(job_id: int, **values: Any) -> None:
    """Write to the job row in its own short transaction, so pages see it at once."""
    with db.engine.begin() as connection:
        connection.execute(
            sa.update(TrainingJob.__table__).where(TrainingJob.id == job_id).values(**values)
        )


def _append_log(job_id: int, line: str, **values: Any) -> None:
    """Add a line to the job's log: its time and the stage's code and values (JSON), which
    the page words in the analyst's language."""
    stamp = utcnow().strftime("%H:%M:%S")
    with db.engine.begin() as connection:
        current = connection.execute(
            sa.select(TrainingJob.log).where(TrainingJob.id == job_id)
        ).scalar_one_or_none()
        text = (current or "") + f"{stamp} {stages.encode(line)}\n"
        connection.execute(
            sa.update(TrainingJob.__table__)
            .where(TrainingJob.id == job_id)
            .values(log=text[-MAX_LOG_CHARS:], heartbeat_at=utcnow(), **values)
        )


def progress_reporter(job_id: int) -> Callable[[float, str], None]:
    """The pipeline's ``progress`` callback: fraction done and what it is doing."""
    last: dict[str, Any] = {"message": None, "time": 0.0}

    def report(fraction: float, message: str = "") -> None:
        fraction = min(max(float(fraction), 0.0), 1.0)
        now = time.monotonic()
        if message and message != last["message"]:
            last["message"] = message
            last["time"] = now
            _append_log(
                job_id,
                message,
                progress=fraction,
                stage=stages.encode(message, stages.STAGE_LENGTH),
            )
        elif now - last["time"] > 1.0:
            last["time"] = now
            _update(job_id, progress=fraction, heartbeat_at=utcnow())

    return report


# --- Running -------------------------------------------------------------------------------


def run_job(job_id: int) -> bool:
    """Train for a claimed job; returns True on success. Never raises for training errors."""
    from webapp.risk.outputs import materialise_run
    from webapp.risk.surveys import recompute_survey_observations
    from webapp.risk.training import train_from_database

    # The claim was written on another connection: read the row afresh, not from the session.
    job = db.session.get(TrainingJob, job_id, populate_existing=True)
    if job is None or job.status != "running":
        return False
    options = dict(job.options or {})
    db.session.rollback()
    report = progress_reporter(job_id)
    try:
        report(0.0, "recomputing survey-derived indicators")
        recomputed = recompute_survey_observations()
        db.session.commit()
        report(0.02, f"survey-derived values: {recomputed}")
        outcome = train_from_database(options, report)
        report(0.95, "storing the run in the registry")
        stored = registry().store_training_run(outcome.run)
        report(0.97, "materialising scores and forecasts for the pages")
        materialise_run(stored.id, outcome, job_id=job_id)
        db.session.commit()
    except Exception as error:  # any failure is stored and shown, not raised
        db.session.rollback()
        _fail(job_id, options, error)
        return False
    except (KeyboardInterrupt, SystemExit):
        # The worker is being stopped: free the slot now rather than after STALE_AFTER.
        db.session.rollback()
        _fail(job_id, options, RuntimeError("the worker was stopped during training"))
        raise
    now = utcnow()
    done = f"done: run {stored.id}"
    _append_log(
        job_id,
        done,
        status="succeeded",
        active_slot=None,
        finished_at=now,
        progress=1.0,
        stage=stages.encode(done, stages.STAGE_LENGTH),
        run_id=stored.id,
    )
    return True


def _fail(job_id: int, options: dict[str, Any], error: BaseException) -> None:
    reason = f"{type(error).__name__}: {error}"
    logger.exception("training job %s failed", job_id)
    run_id = None
    try:
        run_id = (
            registry().store({}, status=STATUS_FAILED, parameters=options, message=reason[:2000]).id
        )
    except Exception:  # the job row still says why
        logger.exception("could not record failed training job %s in the registry", job_id)
    trace = "".join(traceback.format_exception(error)[-6:])
    _append_log(
        job_id,
        f"failed: {reason}\n{trace}",
        status="failed",
        active_slot=None,
        finished_at=utcnow(),
        stage=stages.encode(f"failed: {reason}", stages.STAGE_LENGTH),
        error=reason[:4000],
        run_id=run_id,
    )


def run_next_job(worker: str | None = None) -> int | None:
    """Claim and run one queued job; returns its id, or None when the queue is empty."""
    job_id = claim_next_job(worker or worker_name())
    if job_id is not None:
        run_job(job_id)
    return job_id


def run_worker(poll_seconds: float = 2.0, burst: bool = False) -> int:
    """Poll the jobs table until stopped (or until empty when ``burst``); returns jobs run."""
    name = worker_name()
    ran = 0
    fail_stale_jobs()
    while True:
        job_id = run_next_job(name)
        if job_id is not None:
            ran += 1
            continue
        if burst:
            return ran
        time.sleep(poll_seconds)
        fail_stale_jobs()


def run_rq_job(job_id: int) -> bool:
    """RQ entry point: claim and run the job inside an application context."""
    if has_app_context():
        return _claim_and_run(job_id)
    from webapp import create_app

    with create_app().app_context():
        return _claim_and_run(job_id)


def _claim_and_run(job_id: int) -> bool:
    if not claim_job(job_id, f"rq:{worker_name()}"):
        return False
    return run_job(job_id)
