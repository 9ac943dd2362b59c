"""Importing statistics files: upload, preview the reader's report, confirm, undo.

The uploaded bytes are kept in ``statistics_uploads`` between preview and confirmation, so
the analyst confirms exactly the file that was checked (never a second upload). An import is
all or nothing: a file with any error stores nothing, and a confirmed import is one
transaction. Each import keeps its provenance (file name, SHA-256, who, when, rows, layout,
indicator) and can be undone as a whole.

Values for a (indicator, region, period) that is already stored are refused by default,
with the list of clashes. The analyst may instead confirm with "replace": the earlier values
are then removed and kept in the new import's ``replaced_rows``, and undoing the new import
puts them back (if their own import has not been undone meanwhile).
"""

from __future__ import annotations

import hashlib
import io
import secrets
from collections import Counter
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from pathlib import PurePath
from typing import Any

import pandas as pd
import sqlalchemy as sa

from forecasting.periods import frequency_of
from forecasting.readers import LAYOUTS, ReadResult, read_observations
from webapp.audit.services import record
from webapp.database import utcnow
from webapp.extensions import db
from webapp.regions.models import Region
from webapp.regions.services import region_resolver
from webapp.risk.catalogue import catalogue_frame, ensure_catalogue
from webapp.risk.i18n import translate as _
from webapp.risk.models import (
    RiskIndicator,
    RiskObservation,
    RiskSurveyObservation,
    StatisticsImport,
    StatisticsUpload,
)
from webapp.risk.reader_messages import issue_text

#: File types the reader understands.
ALLOWED_SUFFIXES: tuple[str, ...] = (".csv", ".xlsx", ".xls")
#: Uploads nobody confirmed are removed after this long.
UPLOAD_LIFETIME = timedelta(hours=24)
#: Clashes and sample rows kept for the preview page.
PREVIEW_LIMIT = 50


class ImportRefused(ValueError):
    """The import cannot go ahead; ``problems`` say why, in words an analyst can act on."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


#: The columns an analyst may name when the headers do not say what they hold, as the
#: command line's ``--region-column`` ... ``--indicator-column``.
COLUMN_ROLES: tuple[str, ...] = ("region", "period", "value", "indicator")
#: A column name longer than this is no header (the reader's headers are short texts).
COLUMN_NAME_LIMIT = 200


@dataclass(frozen=True)
class ReaderOptions:
    """The reader options an analyst can choose on the upload form.

    ``region_column`` ... ``indicator_column`` name a column (its header, or "column C" for
    one without a header) whose header the reader does not recognise; empty: detected.
    """

    layout: str = "auto"
    indicator: str = ""
    sheet: str = ""
    region_column: str = ""
    period_column: str = ""
    value_column: str = ""
    indicator_column: str = ""

    def to_dict(self) -> dict[str, str]:
        return {
            "layout": self.layout,
            "indicator": self.indicator,
            "sheet": self.sheet,
            **{f"{role}_column": self.column(role) for role in COLUMN_ROLES},
        }

    def column(self, role: str) -> str:
        """The column named for ``role`` ("region", "period", "value", "indicator")."""
        return str(getattr(self, f"{role}_column")).strip()

    def named_columns(self) -> dict[str, str]:
        """The columns the analyst named, by role (roles left empty are not listed)."""
        return {role: self.column(role) for role in COLUMN_ROLES if self.column(role)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ReaderOptions:
        return cls(
            layout=data.get("layout") or "auto",
            indicator=data.get("indicator") or "",
            sheet=data.get("sheet") or "",
            **{
                f"{role}_column": str(data.get(f"{role}_column") or "").strip()
                for role in COLUMN_ROLES
            },
        )


# --- Upload and preview --------------------------------------------------------------------


def stage_upload(
    content: bytes, filename: str, options: ReaderOptions, user: Any
) -> StatisticsUpload:
    """Keep the file, read it and store the report; the preview page shows the result."""
    filename = PurePath(filename or "").name or "upload"
    if not filename.lower().endswith(ALLOWED_SUFFIXES):
        raise ImportRefused(
            [_("%(file)s: only CSV, XLSX and XLS files can be imported.", file=filename)]
        )
    if not content:
        raise ImportRefused([_("%(file)s: the file is empty.", file=filename)])
    check_options(options)
    purge_expired_uploads()
    ensure_catalogue()
    upload = StatisticsUpload(
        id=secrets.token_urlsafe(24),
        uploaded_by_id=getattr(user, "id", None),
        filename=filename,
        sha256=hashlib.sha256(content).hexdigest(),
        size=len(content),
        content=content,
        options=options.to_dict(),
    )
    result = read_upload(upload)
    upload.report = preview_report(result, upload.sha256)
    db.session.add(upload)
    db.session.flush()
    return upload


def check_options(options: ReaderOptions) -> None:
    """Refuse options no file could satisfy (an unknown layout, a column name too long)."""
    if options.layout not in LAYOUTS:
        raise ImportRefused(
            [
                _(
                    "Unknown layout %(layout)s; use one of %(layouts)s.",
                    layout=options.layout,
                    layouts=", ".join(LAYOUTS),
                )
            ]
        )
    too_long = [name for name in options.named_columns().values() if len(name) > COLUMN_NAME_LIMIT]
    if too_long:
        raise ImportRefused(
            [
                _(
                    "A column name is at most %(limit)s characters long: '%(name)s…' is not "
                    "a column header.",
                    limit=COLUMN_NAME_LIMIT,
                    name=too_long[0][:40],
                )
            ]
        )


def recheck_upload(upload_id: str, options: ReaderOptions, user: Any) -> StatisticsUpload:
    """Read a kept upload again with other options (a named column, another layout), so a
    refused file is retried without uploading it again; the report is replaced."""
    upload = find_upload(upload_id, user)
    if upload is None:
        raise ImportRefused(
            [
                _(
                    "This upload was already imported, discarded or has expired; "
                    "upload the file again."
                )
            ]
        )
    check_options(options)
    ensure_catalogue()
    upload.options = options.to_dict()
    upload.report = preview_report(read_upload(upload), upload.sha256)
    db.session.flush()
    return upload


def read_upload(upload: StatisticsUpload) -> ReadResult:
    """Run the reader on the stored bytes with the stored options and today's catalogue."""
    options = ReaderOptions.from_dict(upload.options)
    if db.session.scalar(sa.select(sa.func.count()).select_from(Region)) == 0:
        result = read_observations(io.BytesIO(b""), filename=upload.filename)
        result.report.errors.clear()
        result.report.error(
            "the region registry is empty: an administrator must load it first "
            "(flask --app webapp regions load)",
            code="registry.empty",
        )
        return ReadResult(None, None, result.report)
    return read_observations(
        io.BytesIO(upload.content),
        layout=options.layout,
        indicator=options.indicator or None,
        sheet=options.sheet or None,  # a name, or a number counted from 1
        region_column=options.region_column or None,
        period_column=options.period_column or None,
        value_column=options.value_column or None,
        indicator_column=options.indicator_column or None,
        filename=upload.filename,
        resolver=region_resolver(),
        catalogue=catalogue_frame(),
    )


def preview_report(result: ReadResult, sha256: str) -> dict[str, Any]:
    """The reader's report plus what the import would store and what it would clash with."""
    report = result.report.to_dict()
    report["clashes"] = []
    report["clash_count"] = 0
    report["sample"] = []
    report["indicators"] = {}
    report["national_totals"] = 0 if result.national_totals is None else len(result.national_totals)
    earlier = db.session.scalar(
        sa.select(StatisticsImport.id).where(
            StatisticsImport.sha256 == sha256, StatisticsImport.status == "active"
        )
    )
    report["same_file_import"] = earlier
    observations = result.observations
    if observations is None or observations.empty:
        return report
    rows = observation_rows(observations)
    problems = reference_problems(rows)
    if problems:
        report["ok"] = False
        report["errors"] += [
            {"row": None, "column": None, "message": problem, "value": None} for problem in problems
        ]
    report["indicators"] = _coverage(rows)
    report["sample"] = [
        {key: row[key] for key in ("region_code", "indicator_code", "period", "value")}
        for row in rows[:PREVIEW_LIMIT]
    ]
    clashes = find_clashes(rows)
    report["clash_count"] = len(clashes)
    report["clashes"] = clashes[:PREVIEW_LIMIT]
    return report


def _coverage(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per indicator: how many values, regions, and the first and last period."""
    coverage: dict[str, dict[str, Any]] = {}
    for row in rows:
        entry = coverage.setdefault(
            row["indicator_code"],
            {"values": 0, "regions": set(), "first": row, "last": row},
        )
        entry["values"] += 1
        entry["regions"].add(row["region_code"])
        if row["period_start"] < entry["first"]["period_start"]:
            entry["first"] = row
        if row["period_start"] > entry["last"]["period_start"]:
            entry["last"] = row
    return {
        code: {
            "values": entry["values"],
            "regions": len(entry["regions"]),
            "first": entry["first"]["period"],
            "last": entry["last"]["period"],
        }
        for code, entry in coverage.items()
    }


def purge_expired_uploads() -> int:
    """Forget uploads older than ``UPLOAD_LIFETIME`` that were never confirmed."""
    cutoff = utcnow() - UPLOAD_LIFETIME
    result = db.session.execute(
        sa.delete(StatisticsUpload).where(StatisticsUpload.uploaded_at < cutoff)
    )
    return result.rowcount or 0


def find_upload(upload_id: str, user: Any) -> StatisticsUpload | None:
    """The user's pending upload (uploads are private to whoever made them)."""
    return db.session.scalar(
        sa.select(StatisticsUpload).where(
            StatisticsUpload.id == upload_id,
            StatisticsUpload.uploaded_by_id == getattr(user, "id", None),
        )
    )


def cancel_upload(upload_id: str, user: Any) -> bool:
    upload = find_upload(upload_id, user)
    if upload is None:
        return False
    db.session.delete(upload)
    db.session.flush()
    return True


# --- Confirm -------------------------------------------------------------------------------


def confirm_upload(upload_id: str, user: Any, *, replace: bool = False) -> StatisticsImport:
    """Store the previewed file's observations in one go, or refuse with the reasons.

    The upload row is deleted first with a conditional DELETE: a second click (or a second
    browser tab) finds nothing to confirm, so a file is never imported twice by accident.
    """
    upload = find_upload(upload_id, user)
    if upload is None:
        raise ImportRefused(
            [
                _(
                    "This upload was already imported, discarded or has expired; "
                    "upload the file again."
                )
            ]
        )
    result = read_upload(upload)
    claimed = db.session.execute(
        sa.delete(StatisticsUpload).where(StatisticsUpload.id == upload.id)
    ).rowcount
    if claimed != 1:
        raise ImportRefused([_("This upload is already being imported.")])
    if not result.ok or result.observations is None:
        problems = [issue_text(asdict(issue)) for issue in result.report.errors[:20]]
        raise ImportRefused([_("The file has errors; nothing was imported."), *problems])
    if result.observations.empty:
        raise ImportRefused([_("The file holds no regional values; nothing was imported.")])
    options = ReaderOptions.from_dict(upload.options)
    return store_observations(
        result.observations,
        kind="file",
        filename=upload.filename,
        sha256=upload.sha256,
        size=upload.size,
        layout=result.report.layout or options.layout,
        indicator=options.indicator,
        rows=result.report.rows,
        warnings=[asdict(issue) for issue in result.report.warnings],
        user=user,
        replace=replace,
        columns=options.named_columns(),
    )


def store_observations(
    observations: pd.DataFrame,
    *,
    kind: str,
    filename: str,
    sha256: str,
    size: int = 0,
    layout: str = "",
    indicator: str = "",
    rows: int = 0,
    warnings: list[dict[str, Any] | str] | None = None,
    user: Any = None,
    replace: bool = False,
    columns: dict[str, str] | None = None,
) -> StatisticsImport:
    """Store a contract frame as one import (flushes; the caller commits or rolls back).

    ``columns``: the columns the analyst named (role -> header), kept with the import so its
    page says how the file was read.

    ``warnings`` are the reader's issues as dicts (code, params and the English message), so
    the import page words them in each visitor's language; plain texts are kept as they are.
    """
    ensure_catalogue()
    values = observation_rows(observations)
    _check_references(values)
    clashes = find_clashes(values)
    if clashes and not replace:
        shown = [
            _(
                "%(indicator)s, %(region)s, %(period)s: %(value)s is already stored by "
                "import #%(id)s",
                indicator=clash["indicator_code"],
                region=clash["region_code"],
                period=clash["period"],
                value=f"{clash['existing_value']:g}",
                id=clash["import_id"],
            )
            for clash in clashes[:20]
        ]
        more = [_("…and %(count)s more.", count=len(clashes) - 20)] if len(clashes) > 20 else []
        raise ImportRefused(
            [
                _(
                    "%(count)s value(s) are already stored; nothing was imported. Undo the "
                    "earlier import, or confirm again choosing to replace them.",
                    count=len(clashes),
                ),
                *shown,
                *more,
            ]
        )
    replaced = _remove_clashing(clashes) if clashes else []
    statistics_import = StatisticsImport(
        kind=kind,
        filename=filename,
        sha256=sha256,
        size=size,
        layout=layout,
        indicator=indicator,
        rows=rows or len(values),
        observation_count=len(values),
        details={
            "coverage": _coverage(values),
            "warnings": (warnings or [])[:100],
            **({"columns": columns} if columns else {}),
        },
        replaced_rows=replaced,
        imported_by_id=getattr(user, "id", None),
        imported_by_email=getattr(user, "email", "") or "",
    )
    db.session.add(statistics_import)
    db.session.flush()
    for value in values:
        value["import_id"] = statistics_import.id
    db.session.execute(sa.insert(RiskObservation), values)
    record(
        "risk.import",
        "statistics_import",
        statistics_import.id,
        {
            "file": filename,
            "sha256": sha256,
            "kind": kind,
            "observations": len(values),
            "replaced": len(replaced),
        },
        actor=user,
    )
    db.session.flush()
    return statistics_import


def _check_references(values: list[dict[str, Any]]) -> None:
    problems = reference_problems(values)
    if problems:
        raise ImportRefused(problems)


def reference_problems(values: list[dict[str, Any]]) -> list[str]:
    """Unknown regions or indicators, and values at another frequency than the catalogue's.

    Every value of an indicator must share its catalogue frequency, or scoring and
    forecasting would mix months with years in one series.
    """
    regions = {row["region_code"] for row in values}
    indicators = {row["indicator_code"] for row in values}
    known_regions = set(db.session.scalars(sa.select(Region.code).where(Region.code.in_(regions))))
    known_indicators = set(
        db.session.scalars(sa.select(RiskIndicator.code).where(RiskIndicator.code.in_(indicators)))
    )
    problems = [
        _("Region %(code)s is not in the region registry.", code=code)
        for code in regions - known_regions
    ]
    problems += [
        _("Indicator %(code)s is not in the catalogue.", code=code)
        for code in indicators - known_indicators
    ]
    frequencies = dict(
        db.session.execute(
            sa.select(RiskIndicator.code, RiskIndicator.frequency).where(
                RiskIndicator.code.in_(indicators)
            )
        ).all()
    )
    wrong = Counter(
        (row["indicator_code"], row["frequency"])
        for row in values
        if row["indicator_code"] in frequencies
        and frequencies[row["indicator_code"]] != row["frequency"]
    )
    problems += [
        _(
            "%(count)s value(s) of %(code)s are at frequency %(frequency)s, but the catalogue "
            "gives %(expected)s (Y: annual, Q: quarterly, M: monthly); import them under an "
            "indicator of that frequency.",
            count=count,
            code=code,
            frequency=frequency,
            expected=frequencies[code],
        )
        for (code, frequency), count in wrong.items()
    ]
    return sorted(problems)


def observation_rows(observations: pd.DataFrame) -> list[dict[str, Any]]:
    """Contract observations as rows of ``risk_observations`` (without ``import_id``)."""
    periods: dict[pd.Period, tuple[str, str, Any, Any]] = {}

    def describe(period: pd.Period) -> tuple[str, str, Any, Any]:
        if period not in periods:
            periods[period] = (
                str(period),
                frequency_of(period),
                period.start_time.date(),
                period.end_time.date(),
            )
        return periods[period]

    def optional(column: str) -> list[Any]:
        if column not in observations.columns:
            return [None] * len(observations)
        series = pd.to_numeric(observations[column], errors="coerce")
        return [None if pd.isna(value) else float(value) for value in series]

    sources = (
        observations["source"].fillna("").astype(str).tolist()
        if "source" in observations.columns
        else [""] * len(observations)
    )
    n, lower, upper = optional("n"), optional("lower"), optional("upper")
    rows = []
    for position, (region, period, indicator, value) in enumerate(
        zip(
            observations["region"],
            observations["period"],
            observations["indicator"],
            observations["value"],
            strict=True,
        )
    ):
        text, frequency, start, end = describe(period)
        rows.append(
            {
                "region_code": str(region),
                "indicator_code": str(indicator),
                "period": text,
                "frequency": frequency,
                "period_start": start,
                "period_end": end,
                "value": float(value),
                "source": sources[position][:300],
                "n": n[position],
                "lower": lower[position],
                "upper": upper[position],
            }
        )
    return rows


def find_clashes(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Stored observations with the same (indicator, region, period) as any of ``rows``."""
    if not rows:
        return []
    wanted = {(row["indicator_code"], row["region_code"], row["period"]) for row in rows}
    indicators = {key[0] for key in wanted}
    period_texts = {key[2] for key in wanted}
    existing = db.session.execute(
        sa.select(
            RiskObservation.id,
            RiskObservation.indicator_code,
            RiskObservation.region_code,
            RiskObservation.period,
            RiskObservation.value,
            RiskObservation.import_id,
        ).where(
            RiskObservation.indicator_code.in_(indicators),
            RiskObservation.period.in_(period_texts),
        )
    ).all()
    return [
        {
            "id": row.id,
            "indicator_code": row.indicator_code,
            "region_code": row.region_code,
            "period": row.period,
            "existing_value": row.value,
            "import_id": row.import_id,
        }
        for row in existing
        if (row.indicator_code, row.region_code, row.period) in wanted
    ]


_KEPT_COLUMNS = (
    "import_id",
    "region_code",
    "indicator_code",
    "period",
    "frequency",
    "value",
    "source",
    "n",
    "lower",
    "upper",
)


def _remove_clashing(clashes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Delete the clashing stored values and return them (JSON-ready) for a later undo."""
    ids = [clash["id"] for clash in clashes]
    kept = []
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        stored = db.session.scalars(sa.select(RiskObservation).where(RiskObservation.id.in_(chunk)))
        for observation in stored:
            row = {column: getattr(observation, column) for column in _KEPT_COLUMNS}
            row["period_start"] = observation.period_start.isoformat()
            row["period_end"] = observation.period_end.isoformat()
            kept.append(row)
        db.session.execute(sa.delete(RiskObservation).where(RiskObservation.id.in_(chunk)))
    return kept


# --- Undo ----------------------------------------------------------------------------------


def undo_import(import_id: int, user: Any) -> StatisticsImport:
    """Delete every observation of an import in one transaction and mark it undone.

    A conditional UPDATE claims the import, so two clicks cannot undo it twice; values this
    import had replaced come back when their own import is still in force.
    """
    statistics_import = db.session.get(StatisticsImport, import_id)
    if statistics_import is None:
        raise ImportRefused([_("There is no import #%(id)s.", id=import_id)])
    claimed = db.session.execute(
        sa.update(StatisticsImport)
        .where(StatisticsImport.id == import_id, StatisticsImport.status == "active")
        .values(
            status="undone",
            undone_at=utcnow(),
            undone_by_email=getattr(user, "email", "") or "",
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        raise ImportRefused([_("Import #%(id)s has already been undone.", id=import_id)])
    deleted = db.session.execute(
        sa.delete(RiskObservation).where(RiskObservation.import_id == import_id)
    ).rowcount
    restored = _restore(statistics_import.replaced_rows or [])
    db.session.refresh(statistics_import)
    record(
        "risk.import_undo",
        "statistics_import",
        import_id,
        {"file": statistics_import.filename, "deleted": deleted, "restored": restored},
        actor=user,
    )
    db.session.flush()
    return statistics_import


def _restore(replaced: list[dict[str, Any]]) -> int:
    if not replaced:
        return 0
    active = set(
        db.session.scalars(
            sa.select(StatisticsImport.id).where(
                StatisticsImport.id.in_({row["import_id"] for row in replaced}),
                StatisticsImport.status == "active",
            )
        )
    )
    rows = []
    for row in replaced:
        if row["import_id"] not in active:
            continue
        restored = dict(row)
        restored["period_start"] = date.fromisoformat(row["period_start"])
        restored["period_end"] = date.fromisoformat(row["period_end"])
        rows.append(restored)
    if rows:
        db.session.execute(sa.insert(RiskObservation), rows)
    return len(rows)


# --- Reading back ----------------------------------------------------------------------------


def list_imports() -> sa.Select[tuple[StatisticsImport]]:
    return sa.select(StatisticsImport).order_by(
        StatisticsImport.imported_at.desc(), StatisticsImport.id.desc()
    )


def observations_frame(include_survey: bool = True) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Every stored observation as a contract frame, and what went into it.

    Survey-derived values fill (indicator, region, period) keys that no import covers: an
    imported value is a deliberate, checked record and wins over a recomputed one.
    """
    columns = (
        "region_code",
        "period",
        "frequency",
        "indicator_code",
        "value",
        "source",
        "n",
        "lower",
        "upper",
    )
    imported = db.session.execute(
        sa.select(*(getattr(RiskObservation, column) for column in columns))
    ).all()
    frame = pd.DataFrame(imported, columns=list(columns))
    summary: dict[str, Any] = {
        "imported": len(frame),
        "survey": 0,
        "survey_overridden": 0,
        "imports": sorted(
            db.session.scalars(
                sa.select(StatisticsImport.id).where(StatisticsImport.status == "active")
            )
        ),
        "synthetic": bool(
            db.session.scalar(
                sa.select(sa.func.count())
                .select_from(StatisticsImport)
                .where(StatisticsImport.status == "active", StatisticsImport.kind == "synthetic")
            )
        ),
    }
    if include_survey:
        survey = pd.DataFrame(
            db.session.execute(
                sa.select(*(getattr(RiskSurveyObservation, column) for column in columns))
            ).all(),
            columns=list(columns),
        )
        if not survey.empty:
            keys = set(
                zip(frame["indicator_code"], frame["region_code"], frame["period"], strict=True)
            )
            taken = [
                key in keys
                for key in zip(
                    survey["indicator_code"], survey["region_code"], survey["period"], strict=True
                )
            ]
            summary["survey_overridden"] = int(sum(taken))
            survey = survey[[not flag for flag in taken]]
            summary["survey"] = len(survey)
            frame = pd.concat([frame, survey], ignore_index=True) if len(frame) else survey
    return _as_contract(frame), summary


def _as_contract(frame: pd.DataFrame) -> pd.DataFrame:
    periods: dict[tuple[str, str], pd.Period] = {}

    def period(text: str, frequency: str) -> pd.Period:
        key = (text, frequency)
        if key not in periods:
            periods[key] = pd.Period(text, freq=frequency)
        return periods[key]

    return pd.DataFrame(
        {
            "region": frame["region_code"].astype(str),
            "period": pd.Series(
                [period(t, f) for t, f in zip(frame["period"], frame["frequency"], strict=True)],
                dtype=object,
            ),
            "indicator": frame["indicator_code"].astype(str),
            "value": frame["value"].astype(float),
            "source": frame["source"].fillna("").astype(str),
            "n": pd.to_numeric(frame["n"], errors="coerce"),
            "lower": pd.to_numeric(frame["lower"], errors="coerce"),
            "upper": pd.to_numeric(frame["upper"], errors="coerce"),
        }
    )
