"""Tables of the risk domain: catalogue, imported statistics, training jobs, published outputs.

Names are stable: ``webapp.review`` and ``webapp.api`` read the output tables directly.

* ``risk_domains``, ``risk_indicators``: the indicator catalogue (seeded from
  ``forecasting/data``; analysts may upload a catalogue CSV).
* ``statistics_uploads``: a file kept server-side between preview and confirmation.
* ``statistics_imports`` and ``risk_observations``: each confirmed file with its provenance
  and the observations it brought; undoing an import deletes its observations.
* ``risk_survey_observations``: indicators computed from survey answers; recomputed (wiped
  and rebuilt) before each training run, never edited by hand.
* ``risk_training_jobs``: background training runs, their progress and log.
* ``risk_model_runs`` and the ``risk_*`` output tables: a succeeded run's results
  materialised for fast pages. Which run is *published* is the registry's active run.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.database import UTCDateTime, utcnow
from webapp.extensions import db

# --- Catalogue ---------------------------------------------------------------------------


class RiskDomain(db.Model):
    """A domain of the risk index (economic hardship, trust in the state...)."""

    __tablename__ = "risk_domains"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name_kk: Mapped[str] = mapped_column(String(300), default="")
    name_ru: Mapped[str] = mapped_column(String(300), default="")
    name_en: Mapped[str] = mapped_column(String(300), default="")
    weight: Mapped[float] = mapped_column(Float, default=1.0)
    #: Order of the catalogue file, so lists read as the methodology presents them.
    position: Mapped[int] = mapped_column(default=0)

    def name(self, language: str) -> str:
        return getattr(self, f"name_{language}", None) or self.name_en or self.code

    def __repr__(self) -> str:
        return f"<RiskDomain {self.code}>"


class RiskIndicator(db.Model):
    """One indicator of the catalogue: what it measures and how it enters the score."""

    __tablename__ = "risk_indicators"
    __table_args__ = (
        CheckConstraint("direction IN (1, -1)", name="direction_is_sign"),
        CheckConstraint("frequency IN ('Y', 'Q', 'M')", name="frequency_is_known"),
        CheckConstraint("weight > 0", name="weight_is_positive"),
    )

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name_kk: Mapped[str] = mapped_column(String(300), default="")
    name_ru: Mapped[str] = mapped_column(String(300), default="")
    name_en: Mapped[str] = mapped_column(String(300), default="")
    unit: Mapped[str] = mapped_column(String(64), default="")
    #: 1: a higher value means more risk; -1: less.
    direction: Mapped[int] = mapped_column(default=1)
    domain_code: Mapped[str] = mapped_column(
        ForeignKey("risk_domains.code", ondelete="RESTRICT"), index=True
    )
    weight: Mapped[float] = mapped_column(Float, default=1.0)
    #: ``Y``, ``Q`` or ``M``: every stored observation of the indicator has this frequency.
    frequency: Mapped[str] = mapped_column(String(1))
    #: Where the numbers come from (``stat.gov.kz``, ``survey``, ``administrative``...).
    source: Mapped[str] = mapped_column(String(200), default="")
    position: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    domain: Mapped[RiskDomain] = relationship(lazy="joined")

    def name(self, language: str) -> str:
        return getattr(self, f"name_{language}", None) or self.name_en or self.code

    def __repr__(self) -> str:
        return f"<RiskIndicator {self.code} {self.frequency}>"


# --- Statistics imports --------------------------------------------------------------------


class StatisticsUpload(db.Model):
    """An uploaded file waiting for the analyst's confirmation.

    The bytes stay here (not in the browser) between preview and confirmation, so what is
    imported is exactly what was checked; rows older than a day are purged.
    """

    __tablename__ = "statistics_uploads"

    #: Random token: the confirmation URL cannot be guessed.
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    filename: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column()
    content: Mapped[bytes] = mapped_column(LargeBinary)
    #: Reader options chosen on the form (layout, indicator, sheet, replace).
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: The reader's validation report (``ValidationReport.to_dict()``) and the key clashes.
    report: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    def __repr__(self) -> str:
        return f"<StatisticsUpload {self.id[:8]} {self.filename}>"


class StatisticsImport(db.Model):
    """One confirmed import: where the observations came from, and whether it was undone."""

    __tablename__ = "statistics_imports"
    __table_args__ = (
        CheckConstraint("kind IN ('file', 'synthetic')", name="kind_is_known"),
        CheckConstraint("status IN ('active', 'undone')", name="status_is_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: ``file`` (an analyst's upload) or ``synthetic`` (the demo panel, never real data).
    kind: Mapped[str] = mapped_column(String(16), default="file")
    status: Mapped[str] = mapped_column(String(16), default="active", index=True)
    filename: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(default=0)
    layout: Mapped[str] = mapped_column(String(32), default="")
    indicator: Mapped[str] = mapped_column(String(64), default="")
    #: Data rows of the file and observations stored from it.
    rows: Mapped[int] = mapped_column(default=0)
    observation_count: Mapped[int] = mapped_column(default=0)
    #: Indicator codes, periods covered and the reader's warnings, for the import list.
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: Earlier values this import replaced (on explicit request), restored if it is undone.
    replaced_rows: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: Kept as text so that provenance survives the account's removal.
    imported_by_email: Mapped[str] = mapped_column(String(254), default="")
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    undone_by_email: Mapped[str] = mapped_column(String(254), default="")

    @property
    def is_active(self) -> bool:
        return self.status == "active"

    def __repr__(self) -> str:
        return f"<StatisticsImport {self.id} {self.filename} {self.status}>"


class _ObservationColumns:
    """Columns shared by imported and survey-derived observations."""

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Canonical text of the period (``2022``, ``2022Q3``, ``2022-07``).
    period: Mapped[str] = mapped_column(String(16))
    frequency: Mapped[str] = mapped_column(String(1))
    #: First and last day of the period, for ordering and range queries.
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    value: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(300), default="")
    #: Number of survey responses behind the value, and its interval (survey indicators).
    n: Mapped[float | None] = mapped_column(Float)
    lower: Mapped[float | None] = mapped_column(Float)
    upper: Mapped[float | None] = mapped_column(Float)


class RiskObservation(_ObservationColumns, db.Model):
    """One imported value of one indicator for one region and period."""

    __tablename__ = "risk_observations"
    __table_args__ = (
        UniqueConstraint("indicator_code", "region_code", "period"),
        Index("ix_risk_observations_region_code_indicator_code", "region_code", "indicator_code"),
    )

    import_id: Mapped[int] = mapped_column(
        ForeignKey("statistics_imports.id", ondelete="CASCADE"), index=True
    )
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code", ondelete="RESTRICT"))
    indicator_code: Mapped[str] = mapped_column(
        ForeignKey("risk_indicators.code", ondelete="RESTRICT")
    )

    def __repr__(self) -> str:
        return f"<RiskObservation {self.indicator_code} {self.region_code} {self.period}>"


class RiskSurveyObservation(_ObservationColumns, db.Model):
    """A value computed from survey answers; the table is rebuilt before each training run."""

    __tablename__ = "risk_survey_observations"
    __table_args__ = (UniqueConstraint("indicator_code", "region_code", "period"),)

    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code", ondelete="RESTRICT"))
    indicator_code: Mapped[str] = mapped_column(
        ForeignKey("risk_indicators.code", ondelete="CASCADE")
    )
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    def __repr__(self) -> str:
        return f"<RiskSurveyObservation {self.indicator_code} {self.region_code} {self.period}>"


# --- Training jobs -------------------------------------------------------------------------

JOB_STATUSES = ("queued", "running", "succeeded", "failed")


class TrainingJob(db.Model):
    """A training run requested from the web, carried out by a worker (RQ or ``risk worker``).

    ``active_slot`` is 1 while the job is queued or running and NULL afterwards; its unique
    constraint lets at most one job wait or run at a time, whatever the number of web servers
    and however fast the button is clicked.
    """

    __tablename__ = "risk_training_jobs"
    __table_args__ = (
        CheckConstraint(
            "status IN ('queued', 'running', 'succeeded', 'failed')", name="status_is_known"
        ),
        CheckConstraint("active_slot IS NULL OR active_slot = 1", name="active_slot_is_one"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(16), default="queued", index=True)
    active_slot: Mapped[int | None] = mapped_column(unique=True, default=1)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    requested_by_email: Mapped[str] = mapped_column(String(254), default="")
    #: Training options (horizon, backtest origins...), as given to the pipeline.
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Last sign of life from the worker; a running job silent for long is marked failed.
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: ``hostname:pid`` of the worker that claimed the job, or ``rq:<id>``.
    worker: Mapped[str] = mapped_column(String(200), default="")
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    stage: Mapped[str] = mapped_column(String(300), default="")
    log: Mapped[str] = mapped_column(Text, default="")
    error: Mapped[str] = mapped_column(Text, default="")
    #: Registry id of the run this job produced (also for failed runs).
    run_id: Mapped[str | None] = mapped_column(String(64), index=True)

    @property
    def is_finished(self) -> bool:
        return self.status in ("succeeded", "failed")

    def __repr__(self) -> str:
        return f"<TrainingJob {self.id} {self.status}>"


# --- Materialised outputs ------------------------------------------------------------------


class RiskModelRun(db.Model):
    """A succeeded registry run whose outputs are materialised in the tables below."""

    __tablename__ = "risk_model_runs"

    #: The registry's run id (``forecasting.registry``), the key of every output row.
    run_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    job_id: Mapped[int | None] = mapped_column(
        ForeignKey("risk_training_jobs.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: Last scored period (the "current" one on the dashboard) and its first day.
    latest_period: Mapped[str] = mapped_column(String(16), default="")
    latest_period_start: Mapped[date | None] = mapped_column(Date)
    #: Data the run was trained on: indicators, regions, periods, import ids, synthetic or not.
    data_summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    parameters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    card_markdown: Mapped[str] = mapped_column(Text, default="")
    card: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: True when any observation behind the run is synthetic demo data.
    is_synthetic: Mapped[bool] = mapped_column(default=False)

    def __repr__(self) -> str:
        return f"<RiskModelRun {self.run_id}>"


def _run_fk() -> Any:
    return ForeignKey("risk_model_runs.run_id", ondelete="CASCADE")


class RiskScore(db.Model):
    """The risk score of one region for one period, as computed by a run."""

    __tablename__ = "risk_scores"
    __table_args__ = (
        UniqueConstraint("run_id", "region_code", "period"),
        Index("ix_risk_scores_run_id_period_start", "run_id", "period_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[str] = mapped_column(_run_fk())
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code", ondelete="RESTRICT"))
    period: Mapped[str] = mapped_column(String(16))
    period_start: Mapped[date] = mapped_column(Date)
    score: Mapped[float | None] = mapped_column(Float)
    #: ``very_low`` ... ``very_high`` (``forecasting.index.RISK_CLASSES``).
    risk_class: Mapped[str] = mapped_column(String(16), default="")
    #: 0-10: how complete and recent the data behind the score is.
    reliability: Mapped[float | None] = mapped_column(Float)
    n_missing: Mapped[int] = mapped_column(default=0)
    n_stale: Mapped[int] = mapped_column(default=0)
    #: Domain code -> domain score (0-10), None where a domain had no data.
    domain_scores: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class RiskScoreContribution(db.Model):
    """How much one domain or indicator contributed to a score (they sum to the score)."""

    __tablename__ = "risk_score_contributions"
    __table_args__ = (
        CheckConstraint("level IN ('domain', 'indicator')", name="level_is_known"),
        Index(
            "ix_risk_score_contributions_run_id_region_code_period",
            "run_id",
            "region_code",
            "period",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[str] = mapped_column(_run_fk())
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code", ondelete="RESTRICT"))
    period: Mapped[str] = mapped_column(String(16))
    level: Mapped[str] = mapped_column(String(16))
    code: Mapped[str] = mapped_column(String(64))
    domain: Mapped[str] = mapped_column(String(64), default="")
    #: The indicator's value as observed (indicator rows), and the period it was observed in.
    value: Mapped[float | None] = mapped_column(Float)
    observed_period: Mapped[str | None] = mapped_column(String(16))
    stale: Mapped[bool] = mapped_column(default=False)
    normalised_value: Mapped[float | None] = mapped_column(Float)
    weight: Mapped[float | None] = mapped_column(Float)
    contribution: Mapped[float | None] = mapped_column(Float)


class RiskForecast(db.Model):
    """A forecast of the score or of one indicator for one region and future period."""

    __tablename__ = "risk_forecasts"
    __table_args__ = (
        UniqueConstraint("run_id", "region_code", "target", "period"),
        Index("ix_risk_forecasts_run_id_target_period_start", "run_id", "target", "period_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[str] = mapped_column(_run_fk())
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code", ondelete="RESTRICT"))
    #: ``score`` or an indicator code.
    target: Mapped[str] = mapped_column(String(64))
    period: Mapped[str] = mapped_column(String(16))
    period_start: Mapped[date] = mapped_column(Date)
    #: Steps ahead of the last observed period.
    horizon: Mapped[int | None] = mapped_column()
    mean: Mapped[float | None] = mapped_column(Float)
    lower_80: Mapped[float | None] = mapped_column(Float)
    upper_80: Mapped[float | None] = mapped_column(Float)
    lower_95: Mapped[float | None] = mapped_column(Float)
    upper_95: Mapped[float | None] = mapped_column(Float)
    #: Probability of the "high" class or above (score forecasts only).
    probability_high: Mapped[float | None] = mapped_column(Float)
    model: Mapped[str] = mapped_column(String(64), default="")


class RiskRankInterval(db.Model):
    """A region's rank under many reasonable variants of the index (uncertainty analysis)."""

    __tablename__ = "risk_rank_intervals"
    __table_args__ = (UniqueConstraint("run_id", "region_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[str] = mapped_column(_run_fk())
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code", ondelete="RESTRICT"))
    period: Mapped[str] = mapped_column(String(16))
    nominal_rank: Mapped[float | None] = mapped_column(Float)
    median_rank: Mapped[float | None] = mapped_column(Float)
    #: 5% and 95% quantiles of the rank (1 = highest risk).
    rank_low: Mapped[float | None] = mapped_column(Float)
    rank_high: Mapped[float | None] = mapped_column(Float)
    score_low: Mapped[float | None] = mapped_column(Float)
    score_high: Mapped[float | None] = mapped_column(Float)


class RiskBacktestMetric(db.Model):
    """One accuracy figure of the rolling-origin backtest (by target, model and horizon)."""

    __tablename__ = "risk_backtest_metrics"
    __table_args__ = (Index("ix_risk_backtest_metrics_run_id_target", "run_id", "target"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[str] = mapped_column(_run_fk())
    target: Mapped[str] = mapped_column(String(64))
    model: Mapped[str] = mapped_column(String(64), default="")
    horizon: Mapped[int | None] = mapped_column()
    metric: Mapped[str] = mapped_column(String(32))
    value: Mapped[float | None] = mapped_column(Float)
