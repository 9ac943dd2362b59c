"""Training job stages: stored as a code with its values, worded in the analyst's language.

The worker has no visitor and so no language, and the forecasting package reports its
progress in English ("backtest origin 2: pooled_ets"). A job row therefore keeps each stage
as JSON, ``{"code": "backtest_origin", "origin": 2, "model": "pooled_ets"}``, in ``stage``
and at the end of each log line, and the job page words it when it is shown. A message no
pattern knows is kept as ``{"code": "text", "text": ...}`` and shown as written; rows
written before the codes hold the English text: it is read as the message it was.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from flask_babel import format_decimal
from flask_babel import lazy_gettext as _l

from webapp.risk.model_card import model_label

#: Length of ``risk_training_jobs.stage``.
STAGE_LENGTH = 300
#: A log line: time stamp, one space, the stage (JSON, or text in older rows).
LOG_LINE = re.compile(r"^(?P<time>\d\d:\d\d:\d\d) (?P<stage>.*)$", re.DOTALL)
NUMBER = re.compile(r"^\d+(\.\d+)?$")


@dataclass(frozen=True)
class Stage:
    code: str
    #: The English message this stage arrives as (from the pipeline or the web app).
    pattern: re.Pattern[str]
    #: What the page shows; ``%(name)s`` are the pattern's groups.
    label: Any


def _stage(code: str, pattern: str, label: Any) -> Stage:
    return Stage(code, re.compile(f"^{pattern}$", re.DOTALL), label)


STAGES = (
    _stage("queued", "queued", _l("Queued")),
    _stage(
        "rq_unavailable",
        r"RQ unavailable \((?P<reason>.*)\); waiting for a polling worker",
        _l("Redis (RQ) unavailable (%(reason)s); waiting for a polling worker"),
    ),
    _stage(
        "recomputing_surveys",
        "recomputing survey-derived indicators",
        _l("Recomputing the survey-derived indicators"),
    ),
    _stage(
        "survey_values",
        r"survey-derived values: (?P<count>\d+)",
        _l("Survey-derived values: %(count)s"),
    ),
    _stage(
        "training_on",
        r"training on (?P<values>\d+) values of (?P<indicators>\d+) indicators in "
        r"(?P<regions>\d+) regions",
        _l("Training on %(values)s values of %(indicators)s indicators in %(regions)s regions"),
    ),
    _stage("validating", "validating observations", _l("Checking the observations")),
    _stage(
        "backtest_origin",
        r"backtest origin (?P<origin>\d+): (?P<model>\S+)",
        _l("Backtest from origin %(origin)s: %(model)s"),
    ),
    _stage("refitted", r"refitted (?P<model>\S+)", _l("Refitted on all data: %(model)s")),
    _stage(
        "scoring_history",
        "scoring the history with the risk index",
        _l("Scoring the history with the risk index"),
    ),
    _stage(
        "backtesting_scores", "backtesting score forecasts", _l("Backtesting the score forecasts")
    ),
    _stage("score", r"score: (?P<stage>.*)", _l("Risk score: %(stage)s")),
    _stage("writing_card", "writing the model card", _l("Writing the model card")),
    _stage(
        "pipeline_done", r"done in (?P<seconds>[0-9.]+) s", _l("Models trained in %(seconds)s s")
    ),
    _stage(
        "explaining",
        "explaining the scores and measuring rank uncertainty",
        _l("Explaining the scores and measuring rank uncertainty"),
    ),
    _stage(
        "rank_uncertainty_skipped",
        r"rank uncertainty skipped: (?P<reason>.*)",
        _l("Rank uncertainty skipped: %(reason)s"),
    ),
    _stage("storing", "storing the run in the registry", _l("Storing the run in the registry")),
    _stage(
        "materialising",
        "materialising scores and forecasts for the pages",
        _l("Preparing scores and forecasts for the pages"),
    ),
    _stage("done", r"done: run (?P<run>\S+)", _l("Done: run %(run)s")),
    _stage("done_without_run", "done", _l("Done")),  # the stage of older rows
    _stage("failed_without_reason", "failed", _l("Failed")),  # the stage of older rows
    _stage("failed", r"failed: (?P<reason>[^\n]*)(?:\n(?P<trace>.*))?", _l("Failed: %(reason)s")),
)
BY_CODE = {stage.code: stage for stage in STAGES}

#: Why a job failed, as the worker stores it (``jobs._fail``: "<exception type>: <message>",
#: or the stale-job sweep's sentence), with its wording; ``detail`` stays as written (the
#: risk index's English reasons). Other failures (programming errors) are shown as written.
FAILURES = (
    (
        re.compile(r"^TrainingInputError: no observations are stored: .*$", re.DOTALL),
        _l("No observations are stored: import statistics (or load the demo data) first."),
    ),
    (
        re.compile(r"^TrainingError: no observations to train on$"),
        _l("There are no observations to train on."),
    ),
    (
        re.compile(
            r"^TrainingInputError: the risk score could not be computed: "
            r"(?:risk score not computed: )?(?P<detail>.*)$",
            re.DOTALL,
        ),
        _l("The risk score could not be computed: %(detail)s"),
    ),
    (
        re.compile(r"^the worker stopped answering \(killed or restarted\); start a new run$"),
        _l("The worker stopped answering (killed or restarted): start a new run."),
    ),
    (
        re.compile(r"^RuntimeError: the worker was stopped during training$"),
        _l("The worker was stopped during training."),
    ),
)


def failure_text(reason: str | None) -> str:
    """A job's failure reason (``error``) in the page's language when it is one the web app
    or the pipeline gives; any other as written."""
    for pattern, label in FAILURES:
        match = pattern.match(reason or "")
        if match:
            return _format(label, match.groupdict())
    return reason or ""


#: Values that name a model and are shown by its name.
MODEL_VALUES = frozenset({"model"})
#: Values that are themselves a stage (``score: <stage>``).
NESTED_VALUES = frozenset({"stage"})
#: Values that are numbers, written with the locale's separators.
NUMBER_VALUES = frozenset({"count", "values", "indicators", "regions", "seconds", "origin"})


def describe(message: str) -> dict[str, Any]:
    """The code and values of a progress message; unknown messages keep their text."""
    for stage in STAGES:
        match = stage.pattern.match(message)
        if match:
            values: dict[str, Any] = {
                key: value for key, value in match.groupdict().items() if value is not None
            }
            for key in NESTED_VALUES & values.keys():
                values[key] = describe(values[key])
            return {"code": stage.code, **values}
    return {"code": "text", "text": message}


def encode(message: str, limit: int | None = None) -> str:
    """The stored form of a message (JSON); within ``limit`` characters when given.

    A stage that does not fit keeps its code and drops its longest values (a failure's
    reason stays whole in ``error``, and in the log, which has no such limit).
    """
    described = describe(message)
    text = json.dumps(described, ensure_ascii=False)
    while limit is not None and len(text) > limit:
        longest = max(
            (key for key in described if key != "code"),
            key=lambda key: len(json.dumps(described[key], ensure_ascii=False)),
            default=None,
        )
        if longest is None:
            return json.dumps({"code": "text", "text": message[: limit - 40]}, ensure_ascii=False)
        described.pop(longest)
        text = json.dumps(described, ensure_ascii=False)
    return text


def _decoded(stored: str) -> dict[str, Any] | None:
    if not stored.startswith("{"):
        return None
    try:
        value = json.loads(stored)
    except ValueError:
        return None
    return value if isinstance(value, dict) and isinstance(value.get("code"), str) else None


def _words(described: dict[str, Any]) -> str:
    stage = BY_CODE.get(described["code"])
    if stage is None:
        return str(described.get("text", described["code"]))
    names = set(stage.pattern.groupindex)
    values = {name: "…" for name in names}
    for key, value in described.items():
        if key not in names:
            continue
        if key in MODEL_VALUES:
            values[key] = model_label(str(value))
        elif key in NESTED_VALUES and isinstance(value, dict) and "code" in value:
            values[key] = _words(value)
        elif key == "reason" and stage.code == "failed":
            values[key] = failure_text(str(value))
        elif key in NUMBER_VALUES and NUMBER.match(str(value)):
            values[key] = format_decimal(float(value) if "." in str(value) else int(value))
        else:
            values[key] = str(value)
    return _format(stage.label, values)


def _format(label: Any, values: dict[str, str]) -> str:
    """A lazy label with its ``%(name)s`` filled in (``trace`` is shown apart, not here)."""
    text = str(label)
    try:
        return text % values
    except (KeyError, ValueError, TypeError):
        return text


def stage_text(stored: str) -> str:
    """A stored stage in the page's language; older rows (English text) are read as the
    messages they were, so they are worded too, or shown as written."""
    described = _decoded(stored or "") or describe(stored or "")
    return _words(described)


@dataclass(frozen=True)
class LogLine:
    time: str
    text: str
    #: Technical detail shown under the line as written (a failure's traceback).
    detail: str = ""


def log_lines(log: str) -> list[LogLine]:
    """The job log, one entry per stage, in the page's language.

    Older rows hold English lines, and a failure's traceback on the lines after it: lines
    without a time stamp belong to the entry above them.
    """
    lines: list[LogLine] = []
    for raw in (log or "").splitlines():
        match = LOG_LINE.match(raw)
        if match is None:
            if lines:
                last = lines[-1]
                detail = f"{last.detail}\n{raw}" if last.detail else raw
                lines[-1] = LogLine(last.time, last.text, detail)
            else:
                lines.append(LogLine("", raw))
            continue
        described = _decoded(match["stage"]) or describe(match["stage"])
        trace = str(described.get("trace", "")).strip()
        lines.append(LogLine(match["time"], _words(described), trace))
    return lines
