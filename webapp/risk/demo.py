"""Demo content for the risk pages: a synthetic panel, one trained and published run.

The panel is ``forecasting.demo.generate_panel``: invented numbers, stored as an import of
kind ``synthetic`` and labelled so on every page. Training uses a fast configuration so that
a first start stays well under a minute. Running the loader again changes nothing.
"""

from __future__ import annotations

import hashlib

import pandas as pd
import sqlalchemy as sa

from webapp.extensions import db
from webapp.regions.models import Region
from webapp.risk import jobs
from webapp.risk.catalogue import ensure_catalogue
from webapp.risk.imports import store_observations
from webapp.risk.models import StatisticsImport
from webapp.risk.publishing import promote_run
from webapp.risk.services import published_run_id
from webapp.risk.surveys import recompute_survey_observations

DEMO_SEED = 2026
#: Fast settings for the demo run: a short horizon, one backtest origin, the fast models.
DEMO_TRAINING = {"horizon": 6, "n_origins": 1, "models": "fast"}


def load_demo() -> str:
    """Import the synthetic panel (once), train one run and publish it (once)."""
    codes = list(db.session.scalars(sa.select(Region.code)))
    if not codes:
        return "skipped: load the regions first (flask --app webapp regions load)"
    ensure_catalogue()
    parts = [_import_panel(codes)]
    # Commit the import first: the survey tallies are refreshed on a connection of their own,
    # which SQLite would keep waiting behind this session's uncommitted write (and then count
    # nothing, so the demo run would train without survey-derived indicators).
    db.session.commit()
    surveys = recompute_survey_observations()
    parts.append(f"{surveys} survey-derived value(s)")
    db.session.commit()
    parts.append(_train_and_publish())
    return "; ".join(parts)


def generate_panel(seed: int, regions: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``forecasting.demo.generate_panel``, imported when first needed: the generator pulls
    in SciPy and statsmodels, which a web worker should not load at start-up."""
    from forecasting.demo import generate_panel as generate

    return generate(seed=seed, regions=regions)


def _import_panel(codes: list[str]) -> str:
    from forecasting.demo import DEMO_SOURCE, REGION_PROFILES

    existing = db.session.scalar(
        sa.select(StatisticsImport).where(
            StatisticsImport.kind == "synthetic", StatisticsImport.status == "active"
        )
    )
    if existing is not None:
        return f"synthetic panel already imported (#{existing.id})"
    regions = [code for code in REGION_PROFILES if code in set(codes)]
    observations, _ = generate_panel(seed=DEMO_SEED, regions=regions)
    content = observations.assign(period=observations["period"].astype(str)).to_csv(index=False)
    statistics_import = store_observations(
        observations,
        kind="synthetic",
        filename=f"{DEMO_SOURCE} (seed {DEMO_SEED})",
        sha256=hashlib.sha256(content.encode("utf-8")).hexdigest(),
        size=len(content),
        layout="long",
    )
    return f"synthetic panel imported: {statistics_import.observation_count} values"


def _train_and_publish() -> str:
    if published_run_id() is not None:
        return "a run is already published"
    if jobs.active_job() is not None:
        return "a training job is already queued or running; publish it when it ends"
    job = jobs.enqueue_training(None, DEMO_TRAINING, hand_to_rq=False)
    if not jobs.claim_job(job.id, f"demo:{jobs.worker_name()}"):
        return f"training job #{job.id} was taken by a worker; publish it when it ends"
    if not jobs.run_job(job.id):
        db.session.refresh(job)
        return f"training failed: {job.error}"
    db.session.refresh(job)
    promote_run(job.run_id, None)
    return f"run {job.run_id} trained and published"
