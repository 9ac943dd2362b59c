"""Survey results from the database: tallies kept up to date, figures, exports, indicators.

Public functions for other domains (the open-data API, the council risk review):

* ``survey_summary(survey, filters, viewer_is_analyst)``: responses by region, month,
  language (and day, for analysts) plus every question's distribution;
* ``question_distribution(survey, question, filters, viewer_is_analyst)``: one question;
* ``survey_indicator_observations(...)``: indicator observations in the forecasting data
  contract, for every stored mapping and every period that has ended (periods still under
  way have running figures only: ``survey_indicator_values``).

Whenever ``viewer_is_analyst`` is false, figures go through small-cell suppression
(``docs/small-cell-suppression.md``). Services flush; callers (views, commands) commit,
except the tally refresh, which commits its own short transactions so that readers of
results never hold locks while a page renders.
"""

from __future__ import annotations

import csv
import io
import logging
import threading
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any, NamedTuple

import pandas as pd
import sqlalchemy as sa
from flask import current_app, g, has_request_context
from flask_babel import gettext as _
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from webapp import times
from webapp.audit.services import record
from webapp.database import utcnow
from webapp.extensions import db
from webapp.regions.models import Region
from webapp.surveys.definition import Question, SurveyDefinition
from webapp.surveys.models import Survey, SurveyResponse, SurveyVersion
from webapp.surveys.results.figures import (
    Coverage,
    Filters,
    TallySnapshot,
    counts_summary,
    question_coverage,
    question_figures,
)
from webapp.surveys.results.indicators import (
    IndicatorMapping,
    MappingError,
    SurveySeries,
    cell_rows,
    combine_series,
    indicator_cells,
    observations_frame,
    offering_versions,
    split_running,
)
from webapp.surveys.results.models import (
    RegionPopulation,
    SurveyIndicatorMapping,
    SurveyResultCount,
    SurveyResultTally,
    SurveyResultVersionAnswer,
    SurveyResultVersionCount,
    SurveyResultWatermark,
)
from webapp.surveys.results.suppression import DEFAULT_THRESHOLD, check_threshold
from webapp.surveys.results.tally import (
    ANSWERED,
    KIND_BY_TYPE,
    NO_REGION,
    local_day,
    month_of,
    question_kinds,
    tally_keys,
)

#: Responses counted per refresh transaction.
REFRESH_BATCH = 100_000
#: Rows fetched at a time while counting (a server-side cursor on PostgreSQL).
REFRESH_FETCH = 5_000
#: Responses a page view counts before it shows results; the rest waits for the next view
#: or for ``flask survey-results refresh``.
INLINE_REFRESH_LIMIT = 50_000
#: Snapshots kept in memory per process (one per survey and watermark).
SNAPSHOT_CACHE_SIZE = 8
#: A process that finds the tallies counted further by another moves its cached snapshot
#: forward by counting the responses in between when their ids span at most this many
#: (reading every tally row again costs about as much as counting ~10,000 responses).
CATCH_UP_LIMIT = 5_000
#: Survey summaries kept in memory per process (per survey, watermark, filter and viewer).
SUMMARY_CACHE_SIZE = 64
#: Rendered figure sections kept in memory per process (per survey, watermark, filter,
#: viewer kind and language); an analyst's page holds a few hundred kilobytes.
MARKUP_CACHE_SIZE = 32
#: Free-text answers shown to analysts per question.
FREE_TEXT_LIMIT = 50
#: Code of the national rows of post-stratified indicators.
NATIONAL_CODE = "KZ"


logger = logging.getLogger(__name__)

#: Guards the in-process caches (snapshots, parsed definitions) across threads.
_snapshots_lock = threading.Lock()


class ResultsError(ValueError):
    """A request the results cannot serve; the message names the field."""


# --------------------------------------------------------------------------- configuration


def suppression_threshold() -> int:
    return check_threshold(int(current_app.config.get("SUPPRESSION_THRESHOLD", DEFAULT_THRESHOLD)))


def platform_today() -> date:
    """Today where the survey runs (:func:`webapp.times.platform_today` of this module's
    clock, which tests set)."""
    return times.platform_today(utcnow())


def _commit_lag() -> timedelta:
    """How old a response must be before it is counted.

    PostgreSQL hands out ids before commit, so a slow transaction may commit an id below one
    already counted; waiting a few seconds lets it land first. SQLite commits in id order.
    """
    if db.engine.dialect.name == "sqlite":
        return timedelta(0)
    default = 0 if current_app.testing else 5
    return timedelta(seconds=float(current_app.config.get("SURVEY_RESULTS_LAG_SECONDS", default)))


# --------------------------------------------------------------------------- definitions


_definitions: OrderedDict[tuple[str, int, datetime], SurveyDefinition] = OrderedDict()


def survey_definitions(survey: Survey, session: Session | None = None) -> list[SurveyDefinition]:
    """The survey's versions as definitions, the current one first, then newest to oldest."""
    return [definition for _, definition in survey_version_definitions(survey, session)]


def survey_version_definitions(
    survey: Survey, session: Session | None = None
) -> list[tuple[int, SurveyDefinition]]:
    """(version id, definition) of the survey's versions (not an unpublished working copy),
    the current one first, then newest to oldest. Published versions never change, so their parsed definitions are kept in
    memory.
    """
    session = session or db.session
    versions = list(
        session.execute(
            sa.select(SurveyVersion.id, SurveyVersion.published_at, SurveyVersion.created_at)
            .where(
                SurveyVersion.survey_id == survey.id,
                # Not the designer's working copy: its questions have no answers yet and
                # are not the survey's until published.
                sa.or_(
                    SurveyVersion.published_at.is_not(None),
                    SurveyVersion.id == survey.current_version_id,
                ),
            )
            .order_by(SurveyVersion.number.desc())
        )
    )
    versions.sort(key=lambda version: version.id != survey.current_version_id)
    url = str(session.get_bind().url)
    definitions = []
    for version_id, published_at, created_at in versions:
        # created_at too: ids come back after a database is emptied (tests, restores).
        key = (url, version_id, created_at)
        with _snapshots_lock:
            definition = _definitions.get(key)
        if definition is None:
            data = session.scalar(
                sa.select(SurveyVersion.definition).where(SurveyVersion.id == version_id)
            )
            definition = SurveyDefinition.from_dict(data)
            if published_at is not None:
                with _snapshots_lock:
                    _definitions[key] = definition
                    while len(_definitions) > 64:
                        _definitions.popitem(last=False)
        definitions.append((version_id, definition))
    return definitions


def result_questions(
    definitions: list[SurveyDefinition],
) -> list[tuple[SurveyDefinition, Question]]:
    """Questions with figures, in the current version's order, then older-only questions."""
    seen: set[str] = set()
    questions = []
    for definition in definitions:
        for question in definition.questions():
            if question.name in seen or KIND_BY_TYPE.get(question.type) is None:
                continue
            seen.add(question.name)
            questions.append((definition, question))
    return questions


# --------------------------------------------------------------------------- tallies


def refresh_tallies(survey_id: int, limit: int | None = INLINE_REFRESH_LIMIT) -> int:
    """Count responses newer than the watermark; returns how many were counted.

    Runs in a session of its own, so the caller's transaction is neither committed nor
    disturbed. Each batch is one transaction that first moves the watermark with a
    compare-and-set, so two processes refreshing at once never count a response twice: the
    loser's update matches no row (or its database refuses the write) and it rolls back.
    """
    with Session(db.engine) as session:
        return _refresh(session, survey_id, limit)


def _survey_id_unindexed() -> Any:
    """``survey_id + 0``: keeps the planner off the survey_id indexes for "responses past
    the watermark", which it would otherwise read in full (a million rows) to find the few
    new ones; walking the primary key from the watermark on reads only those."""
    return SurveyResponse.survey_id + 0


class TallyState(NamedTuple):
    """How far a survey's tallies have counted, as stored in its watermark row."""

    watermark: int
    #: When the watermark last moved.
    moved_at: datetime | None
    #: When this count started from zero (a rebuild starts another count).
    since: datetime | None


class _Batch:
    """The counts of a run of responses, as the tallies store them."""

    def __init__(self, kinds: dict[str, str]) -> None:
        self.kinds = kinds
        self.zone = times.platform_zone()
        self.days: dict[tuple[str, date, str, str], int] = defaultdict(int)
        self.tallies: dict[tuple[str, str, str, str], int] = defaultdict(int)
        #: (version id, region, month) -> responses.
        self.versions: dict[tuple[int, str, str], int] = defaultdict(int)
        #: (question, version id, region, month) -> respondents who answered the question.
        self.version_answers: dict[tuple[str, int, str, str], int] = defaultdict(int)
        self.local: dict[tuple[int, int, int, int], tuple[date, str]] = {}
        self.seen = 0
        self.end = 0

    def add(
        self,
        response_id: int,
        moment: datetime,
        language: str,
        region_code: str | None,
        answers: dict[str, Any] | None,
        version_id: int,
    ) -> None:
        hour = (moment.year, moment.month, moment.day, moment.hour)
        if hour not in self.local:  # the zone's offset is whole hours: one lookup per hour
            day = local_day(moment, self.zone)
            self.local[hour] = (day, month_of(day))
        day, month = self.local[hour]
        region = region_code or NO_REGION
        self.days[(region, day, month, language)] += 1
        self.versions[(version_id, region, month)] += 1
        for question, value in tally_keys(self.kinds, answers or {}):
            self.tallies[(question, value[:255], region, month)] += 1
            if value == ANSWERED:
                self.version_answers[(question, version_id, region, month)] += 1
        self.seen += 1
        self.end = response_id


def _responses_after(watermark: int, survey_id: int) -> Any:
    """The responses of a survey past a watermark, in id order (walking the primary key)."""
    return (
        sa.select(
            SurveyResponse.id,
            SurveyResponse.submitted_at,
            SurveyResponse.language,
            SurveyResponse.region_code,
            SurveyResponse.answers,
            SurveyResponse.survey_version_id,
        )
        .where(_survey_id_unindexed() == survey_id, SurveyResponse.id > watermark)
        .order_by(SurveyResponse.id)
    )


def _question_kinds(survey_id: int, session: Session) -> dict[str, str]:
    survey = session.get(Survey, survey_id)
    return question_kinds(reversed(survey_definitions(survey, session))) if survey else {}


def _refresh(session: Session, survey_id: int, limit: int | None) -> int:
    kinds: dict[str, str] | None = None
    lag = _commit_lag()
    counted = 0
    while limit is None or counted < limit:
        size = REFRESH_BATCH if limit is None else min(REFRESH_BATCH, limit - counted)
        state = _watermark(session, survey_id)
        start = state.watermark
        if kinds is None:
            kinds = _question_kinds(survey_id, session)
        cutoff = datetime.now(UTC) - lag if lag else None
        batch = _Batch(kinds)
        complete = True
        result = session.execute(
            _responses_after(start, survey_id)
            .limit(size)
            .execution_options(yield_per=REFRESH_FETCH)
        )
        for response_id, moment, language, region_code, answers, version_id in result:
            if cutoff is not None and moment > cutoff:
                complete = False  # later responses wait until this one is old enough
                break
            batch.add(response_id, moment, language, region_code, answers, version_id)
        result.close()
        seen, end, days, tallies = batch.seen, batch.end, batch.days, batch.tallies
        versions, version_answers = batch.versions, batch.version_answers
        if not seen:
            session.rollback()
            break
        moved_at = datetime.now(UTC)
        try:
            moved = session.execute(
                sa.update(SurveyResultWatermark)
                .where(
                    SurveyResultWatermark.survey_id == survey_id,
                    SurveyResultWatermark.last_response_id == start,
                )
                .values(last_response_id=end, updated_at=moved_at)
            ).rowcount
            if moved != 1:
                session.rollback()
                break
            _add_counts(session, survey_id, days, tallies, versions, version_answers)
            session.commit()
        except DBAPIError:  # SQLite: another writer got there first
            session.rollback()
            break
        after = TallyState(end, moved_at, state.since)
        _advance_snapshot(
            session, survey_id, state, after, days, tallies, versions, version_answers
        )
        counted += seen
        if not complete or seen < size:
            break
    return counted


def _watermark(session: Session, survey_id: int) -> TallyState:
    """The watermark of a survey and when it last moved, created at 0 the first time
    (committed at once)."""
    current = _tally_state(survey_id, session)
    if current is not None:
        return current
    try:
        session.add(SurveyResultWatermark(survey_id=survey_id, last_response_id=0))
        session.commit()
    except (IntegrityError, DBAPIError):  # created meanwhile by another process
        session.rollback()
    return _tally_state(survey_id, session) or TallyState(0, None, None)


def _tally_state(survey_id: int, session: Session | None = None) -> TallyState | None:
    """How far the tallies of a survey have counted, None before any count."""
    query = sa.select(
        SurveyResultWatermark.last_response_id,
        SurveyResultWatermark.updated_at,
        SurveyResultWatermark.counting_since,
    ).where(SurveyResultWatermark.survey_id == survey_id)
    row = (session or db.session).execute(query).first()
    return TallyState(*row) if row is not None else None


def _generation(state: TallyState | None) -> str:
    """The snapshot cache key of a tally state; the time of the last refresh tells a rebuilt
    tally from the one it replaced."""
    if state is None:
        return "0@"
    return f"{state.watermark}@{state.moved_at.isoformat() if state.moved_at else ''}"


def _counting_since(state: TallyState | None) -> str:
    """Which count a state belongs to (a rebuild starts another)."""
    return state.since.isoformat() if state is not None and state.since else ""


def _advance_snapshot(
    session: Session,
    survey_id: int,
    before: TallyState,
    after: TallyState,
    days: dict[tuple[str, date, str, str], int],
    tallies: dict[tuple[str, str, str, str], int],
    versions: dict[tuple[int, str, str], int],
    version_answers: dict[tuple[str, int, str, str], int],
) -> None:
    """Turn this process's cached snapshot of ``before`` into the one of ``after`` by adding
    the batch just committed, instead of reading every tally again on the next page view.

    Only when the stored state is still exactly the one this batch wrote (read back after the
    commit): if another process or a rebuild moved it since, the next view reads it afresh.
    """
    url = str(session.get_bind().url)
    with _snapshots_lock:
        previous = _snapshots.get((url, survey_id, _generation(before)))
    if previous is None:
        return
    stored = _tally_state(survey_id, session)
    session.rollback()  # end the read transaction at once
    if stored is None or _generation(stored) != _generation(after):
        return
    snapshot = advanced_snapshot(
        previous, days, tallies, after.watermark, _generation(stored), versions, version_answers
    )
    with _snapshots_lock:
        _snapshots[(url, survey_id, snapshot.generation)] = snapshot
        while len(_snapshots) > SNAPSHOT_CACHE_SIZE:
            _snapshots.popitem(last=False)


def advanced_snapshot(
    snapshot: TallySnapshot,
    days_added: dict[tuple[str, date, str, str], int],
    tallies: dict[tuple[str, str, str, str], int],
    watermark: int,
    generation: str,
    versions_added: dict[tuple[int, str, str], int] | None = None,
    version_answers_added: dict[tuple[str, int, str, str], int] | None = None,
) -> TallySnapshot:
    """A new snapshot: ``snapshot`` plus the counts of one refresh batch (the old one is
    shared with other threads and left as it was; only the touched parts are copied)."""
    days = dict(snapshot.days)
    for (region, day, _month, _language), count in days_added.items():
        key = (region, day.isoformat())
        days[key] = days.get(key, 0) + count
    daily = dict(snapshot.daily)
    copied_blocks: set[tuple[str, str]] = set()
    for (region, _day, month, language), count in days_added.items():
        block = (region, month)
        if block not in copied_blocks:
            daily[block] = dict(daily.get(block, {}))
            copied_blocks.add(block)
        daily[block][language] = daily[block].get(language, 0) + count
    answers = dict(snapshot.answers)
    copied_questions: set[str] = set()
    copied_cells: set[tuple[str, tuple[str, str]]] = set()
    for (question, value, region, month), count in tallies.items():
        block = (region, month)
        if question not in copied_questions:
            answers[question] = dict(answers.get(question, {}))
            copied_questions.add(question)
        if (question, block) not in copied_cells:
            answers[question][block] = dict(answers[question].get(block, {}))
            copied_cells.add((question, block))
        counts = answers[question][block]
        counts[value] = counts.get(value, 0) + count
    versions = dict(snapshot.versions)
    copied_blocks = set()
    for (version_id, region, month), count in (versions_added or {}).items():
        block = (region, month)
        if block not in copied_blocks:
            versions[block] = dict(versions.get(block, {}))
            copied_blocks.add(block)
        versions[block][version_id] = versions[block].get(version_id, 0) + count
    version_answers = dict(snapshot.version_answers)
    copied_questions, copied_cells = set(), set()
    for (question, version_id, region, month), count in (version_answers_added or {}).items():
        block = (region, month)
        if question not in copied_questions:
            version_answers[question] = dict(version_answers.get(question, {}))
            copied_questions.add(question)
        if (question, block) not in copied_cells:
            version_answers[question][block] = dict(version_answers[question].get(block, {}))
            copied_cells.add((question, block))
        by_version = version_answers[question][block]
        by_version[version_id] = by_version.get(version_id, 0) + count
    return TallySnapshot(
        daily=daily,
        answers=answers,
        versions=versions,
        version_answers=version_answers,
        days=days,
        watermark=watermark,
        generation=generation,
        counting_since=snapshot.counting_since,
    )


def _add_counts(
    session: Session,
    survey_id: int,
    days: dict[tuple[str, date, str, str], int],
    tallies: dict[tuple[str, str, str, str], int],
    versions: dict[tuple[int, str, str], int],
    version_answers: dict[tuple[str, int, str, str], int],
) -> None:
    """Add to the counts with one upsert per table (ON CONFLICT ... DO UPDATE)."""
    _upsert_counts(
        session,
        SurveyResultCount,
        ("survey_id", "region_code", "day", "language"),
        [
            {"survey_id": survey_id, "region_code": r, "day": d, "month": m, "language": lang,
             "count": n}
            for (r, d, m, lang), n in days.items()
        ],
    )  # fmt: skip
    _upsert_counts(
        session,
        SurveyResultTally,
        ("survey_id", "question", "value", "region_code", "month"),
        [
            {"survey_id": survey_id, "question": q, "value": v, "region_code": r, "month": m,
             "count": n}
            for (q, v, r, m), n in tallies.items()
        ],
    )  # fmt: skip
    _upsert_counts(
        session,
        SurveyResultVersionCount,
        ("survey_id", "survey_version_id", "region_code", "month"),
        [
            {"survey_id": survey_id, "survey_version_id": version_id, "region_code": r,
             "month": m, "count": n}
            for (version_id, r, m), n in versions.items()
        ],
    )  # fmt: skip
    _upsert_counts(
        session,
        SurveyResultVersionAnswer,
        ("survey_id", "question", "survey_version_id", "region_code", "month"),
        [
            {"survey_id": survey_id, "question": q, "survey_version_id": version_id,
             "region_code": r, "month": m, "count": n}
            for (q, version_id, r, m), n in version_answers.items()
        ],
    )  # fmt: skip


def _upsert_counts(
    session: Session, model: type, key: tuple[str, ...], rows: list[dict[str, Any]]
) -> None:
    """Insert the rows, adding each count to an existing row of the same key."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = model.__table__
    statement = insert(table)
    statement = statement.on_conflict_do_update(
        index_elements=list(key), set_={"count": table.c.count + statement.excluded.count}
    )
    session.execute(statement, rows)


def rebuild_tallies(survey_id: int) -> int:
    """Forget the counts of a survey and count every response again (after deletions)."""
    with Session(db.engine) as session:
        for model in (
            SurveyResultTally,
            SurveyResultCount,
            SurveyResultVersionCount,
            SurveyResultVersionAnswer,
            SurveyResultWatermark,
        ):
            session.execute(sa.delete(model).where(model.survey_id == survey_id))
        session.commit()
    _forget_snapshots(survey_id)
    return refresh_tallies(survey_id, limit=None)


_snapshots: OrderedDict[tuple[str, int, int], TallySnapshot] = OrderedDict()
_summaries: OrderedDict[tuple[Any, ...], dict[str, Any]] = OrderedDict()
_texts: OrderedDict[tuple[Any, ...], list[dict[str, Any]]] = OrderedDict()
_markup: OrderedDict[tuple[Any, ...], str] = OrderedDict()


def _forget_snapshots(survey_id: int) -> None:
    with _snapshots_lock:
        for cache in (_snapshots, _summaries, _texts, _markup):
            for key in [key for key in cache if key[1] == survey_id]:
                del cache[key]


def load_snapshot(survey: Survey, refresh: bool = True) -> TallySnapshot:
    """The survey's tallies, counted up to now, cached per process until the next response.

    Within one request the first answer is reused: a results page asks for it several times
    (figures, free texts) and each ask would otherwise cost three queries.
    """
    memo = _request_snapshots()
    key = (str(db.engine.url), survey.id)
    if memo is not None and key in memo:
        return memo[key]
    state = _tally_state(survey.id)
    if refresh and _has_new_responses(survey.id, state.watermark if state else 0):
        refresh_tallies(survey.id)
        state = _tally_state(survey.id)
    for _attempt in range(3):
        snapshot = _cached_or_read_snapshot(survey.id, state)
        if snapshot is not None:
            break
        state = _tally_state(survey.id)  # counted further while we read: read again
    else:
        snapshot = _read_snapshot(survey.id, state)  # keeps moving: use it, do not cache it
    if memo is not None:
        memo[key] = snapshot
    return snapshot


def _request_snapshots() -> dict[tuple[str, int], TallySnapshot] | None:
    """Snapshots already loaded by the current request (None outside requests, so that
    commands and tests always see the latest counts)."""
    if not has_request_context():
        return None
    if "survey_result_snapshots" not in g:
        g.survey_result_snapshots = {}
    return g.survey_result_snapshots


def _cached_or_read_snapshot(survey_id: int, state: TallyState | None) -> TallySnapshot | None:
    """The snapshot of ``state`` from the cache, else read and cached; None when the tallies
    moved on while being read (the rows read would not match the state)."""
    key = (str(db.engine.url), survey_id, _generation(state))
    with _snapshots_lock:
        cached = _snapshots.get(key)
        if cached is not None:
            _snapshots.move_to_end(key)
            return cached
    snapshot = _caught_up_snapshot(survey_id, state) or _read_snapshot(survey_id, state)
    if _generation(_tally_state(survey_id)) != snapshot.generation:
        return None
    with _snapshots_lock:
        _snapshots[key] = snapshot
        while len(_snapshots) > SNAPSHOT_CACHE_SIZE:
            _snapshots.popitem(last=False)
    return snapshot


def _caught_up_snapshot(survey_id: int, state: TallyState | None) -> TallySnapshot | None:
    """This process's newest snapshot of the same count, moved forward to ``state`` by
    counting the responses in between, as the process that counted them did; None when
    there is none close enough (then every tally row is read).

    With several web workers only one counts each new response; the others would otherwise
    read the whole tally (40,000 rows for the demo survey, ~250 ms on PostgreSQL) once per
    response. The responses up to a watermark do not change within one count (a rebuild,
    after deletions, starts another count, which is never mixed with this one).
    """
    if state is None or not state.watermark:
        return None
    url, since = str(db.engine.url), _counting_since(state)
    with _snapshots_lock:
        candidates = [
            snapshot
            for (snapshot_url, snapshot_survey, _generation_key), snapshot in _snapshots.items()
            if snapshot_url == url
            and snapshot_survey == survey_id
            and snapshot.counting_since == since
            and snapshot.watermark < state.watermark
        ]
    if not candidates:
        return None
    previous = max(candidates, key=lambda snapshot: snapshot.watermark)
    if state.watermark - previous.watermark > CATCH_UP_LIMIT:
        return None
    batch = _Batch(_question_kinds(survey_id, db.session))
    rows = db.session.execute(
        _responses_after(previous.watermark, survey_id).where(SurveyResponse.id <= state.watermark)
    )
    for response_id, moment, language, region_code, answers, version_id in rows:
        batch.add(response_id, moment, language, region_code, answers, version_id)
    return advanced_snapshot(
        previous,
        batch.days,
        batch.tallies,
        state.watermark,
        _generation(state),
        batch.versions,
        batch.version_answers,
    )


def _read_snapshot(survey_id: int, state: TallyState | None) -> TallySnapshot:
    # Monthly sums for the blocks (region, month); days without languages for analysts.
    monthly: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)
    for region, month, language, count in db.session.execute(
        sa.select(
            SurveyResultCount.region_code,
            SurveyResultCount.month,
            SurveyResultCount.language,
            sa.func.sum(SurveyResultCount.count),
        )
        .where(SurveyResultCount.survey_id == survey_id)
        .group_by(
            SurveyResultCount.region_code, SurveyResultCount.month, SurveyResultCount.language
        )
    ):
        monthly[(region, month)][language] = int(count)
    days = {
        (region, day.isoformat()): int(count)
        for region, day, count in db.session.execute(
            sa.select(
                SurveyResultCount.region_code,
                SurveyResultCount.day,
                sa.func.sum(SurveyResultCount.count),
            )
            .where(SurveyResultCount.survey_id == survey_id)
            .group_by(SurveyResultCount.region_code, SurveyResultCount.day)
        )
    }
    answers: dict[str, dict[tuple[str, str], dict[str, int]]] = defaultdict(
        lambda: defaultdict(dict)
    )
    for question, value, region, month, count in db.session.execute(
        sa.select(
            SurveyResultTally.question,
            SurveyResultTally.value,
            SurveyResultTally.region_code,
            SurveyResultTally.month,
            SurveyResultTally.count,
        ).where(SurveyResultTally.survey_id == survey_id)
    ):
        answers[question][(region, month)][value] = count
    versions: dict[tuple[str, str], dict[int, int]] = defaultdict(dict)
    for version_id, region, month, count in db.session.execute(
        sa.select(
            SurveyResultVersionCount.survey_version_id,
            SurveyResultVersionCount.region_code,
            SurveyResultVersionCount.month,
            SurveyResultVersionCount.count,
        ).where(SurveyResultVersionCount.survey_id == survey_id)
    ):
        versions[(region, month)][version_id] = count
    version_answers: dict[str, dict[tuple[str, str], dict[int, int]]] = defaultdict(
        lambda: defaultdict(dict)
    )
    for question, version_id, region, month, count in db.session.execute(
        sa.select(
            SurveyResultVersionAnswer.question,
            SurveyResultVersionAnswer.survey_version_id,
            SurveyResultVersionAnswer.region_code,
            SurveyResultVersionAnswer.month,
            SurveyResultVersionAnswer.count,
        ).where(SurveyResultVersionAnswer.survey_id == survey_id)
    ):
        version_answers[question][(region, month)][version_id] = count
    return TallySnapshot(
        daily=dict(monthly),
        answers={question: dict(blocks) for question, blocks in answers.items()},
        versions=dict(versions),
        version_answers={question: dict(blocks) for question, blocks in version_answers.items()},
        days=days,
        watermark=state.watermark if state else 0,
        generation=_generation(state),
        counting_since=_counting_since(state),
    )


def _has_new_responses(survey_id: int, watermark: int | None = None) -> bool:
    """One index probe: is there a response past the watermark?"""
    if watermark is None:
        state = _tally_state(survey_id)
        watermark = state.watermark if state else 0
    return (
        db.session.scalar(
            sa.select(SurveyResponse.id)
            .where(_survey_id_unindexed() == survey_id, SurveyResponse.id > watermark)
            .order_by(SurveyResponse.id)
            .limit(1)
        )
        is not None
    )


def pending_responses(survey: Survey) -> int:
    """Responses stored but not yet in the tallies (shown on the page when a refresh lags)."""
    state = _tally_state(survey.id)
    watermark = state.watermark if state else 0
    if not _has_new_responses(survey.id, watermark):
        return 0  # the common case, answered by one index probe
    newer = (
        sa.select(SurveyResponse.id)
        .where(_survey_id_unindexed() == survey.id, SurveyResponse.id > watermark)
        .order_by(SurveyResponse.id)  # walk the primary key from the watermark on
        .limit(10_000_000)
        .subquery()
    )
    return db.session.scalar(sa.select(sa.func.count()).select_from(newer))


# --------------------------------------------------------------------------- figures


def region_names(language: str) -> dict[str, str]:
    return {
        region.code: region.name(language)
        for region in db.session.scalars(sa.select(Region).order_by(Region.position))
    }


def filter_regions(snapshot: TallySnapshot, language: str) -> dict[str, str]:
    """The units a results page's region filter offers: those that existed at some time
    from the survey's first answered month to today, and any other unit with answers.

    The registry keeps units abolished long ago (the oblasts merged in 1997, South
    Kazakhstan until 2018) so that old statistics still read; a survey answered in 2026
    cannot have answers from them, and a filter listing them offers empty pages.
    """
    today = platform_today()
    months = snapshot.months()
    start = min(date.fromisoformat(f"{months[0]}-01"), today) if months else today
    answered = {region for region, _month in snapshot.blocks}

    def existed(region: Region) -> bool:
        return (region.valid_from is None or region.valid_from <= today) and (
            region.valid_to is None or region.valid_to >= start
        )

    return {
        region.code: region.name(language)
        for region in db.session.scalars(sa.select(Region).order_by(Region.position))
        if region.code in answered or existed(region)
    }


def check_filters(filters: Filters) -> Filters:
    """Refuse a region the registry does not know (months are checked by ``Filters``)."""
    region = filters.region
    if region is not None and region != NO_REGION and db.session.get(Region, region) is None:
        raise ResultsError(f"region: {filters.region!r} is not a region of the registry")
    return filters


def survey_languages(definitions: list[Any], snapshot: Any) -> list[str]:
    """The languages a survey was offered in (any version) or answered in, in the platform's
    order: a form in Kazakh and Russian listed English with 0 responses."""
    found = {code for definition in definitions for code in definition.languages}
    found |= {code for counts in snapshot.block_languages.values() for code in counts}
    platform = ("kk", "ru", "en")
    return [code for code in platform if code in found] + sorted(found - set(platform))


def survey_summary(
    survey: Survey,
    filters: Filters | None = None,
    viewer_is_analyst: bool = False,
    language: str | None = None,
) -> dict[str, Any]:
    """Every figure of a survey for one filter, suppressed unless the viewer is an analyst.

    The result is shared with later calls (cached until new responses are counted): read
    it, copy it before changing it.
    """
    filters = check_filters(filters or Filters())
    snapshot = load_snapshot(survey)
    versions = survey_version_definitions(survey)
    definitions = [definition for _, definition in versions]
    threshold = suppression_threshold()
    protect = not viewer_is_analyst
    language = language or (definitions[0].default_language if definitions else "en")
    # Figures change only with new responses (the watermark) or a new version.
    key = (
        str(db.engine.url),
        survey.id,
        snapshot.generation,
        survey.current_version_id,
        filters,
        protect,
        threshold,
        language,
    )
    with _snapshots_lock:
        cached = _summaries.get(key)
        if cached is not None:
            _summaries.move_to_end(key)
            return cached
    names = region_names(language)
    summary = counts_summary(
        snapshot,
        filters,
        protect=protect,
        threshold=threshold,
        day_counts=None if protect else _day_counts(snapshot, filters),
        languages=survey_languages(definitions, snapshot),
    )
    summary["survey"] = {
        "id": survey.id,
        "slug": survey.slug,
        "title": definitions[0].label(language) if definitions else survey.slug,
    }
    summary["months"] = snapshot.months()
    summary["counted_up_to_response"] = snapshot.watermark
    coverage = question_coverage(versions)
    choice_labels = _choice_labels(definitions, language)
    summary["questions"] = [
        _question(
            snapshot,
            definition,
            question,
            filters,
            protect,
            threshold,
            language,
            _answer_labels(question.name, question.region, definitions, names, choice_labels),
            coverage.get(question.name),
        )
        for definition, question in result_questions(definitions)
    ]
    with _snapshots_lock:
        _summaries[key] = summary
        while len(_summaries) > SUMMARY_CACHE_SIZE:
            _summaries.popitem(last=False)
    return summary


def cached_markup(
    survey: Survey, snapshot: TallySnapshot, parts: tuple[Any, ...], render: Callable[[], str]
) -> str:
    """Markup rendered from a survey's figures, kept until new responses are counted.

    ``parts`` must name everything else the markup depends on (filter, analyst or not,
    language). Rendering an analyst's page (a table and a chart of every day) takes longer
    than all the queries of a page view; the figures behind it only change with the tallies.
    """
    key = (
        "markup",
        survey.id,
        str(db.engine.url),
        snapshot.generation,
        survey.current_version_id,
        suppression_threshold(),
        *parts,
    )
    with _snapshots_lock:
        cached = _markup.get(key)
        if cached is not None:
            _markup.move_to_end(key)
            return cached
    markup = render()
    with _snapshots_lock:
        _markup[key] = markup
        while len(_markup) > MARKUP_CACHE_SIZE:
            _markup.popitem(last=False)
    return markup


def _day_counts(snapshot: TallySnapshot, filters: Filters) -> dict[str, int]:
    """Responses per local day in the filter (analysts' series), from the snapshot."""
    by_day: dict[str, int] = defaultdict(int)
    for (region, day), count in snapshot.days.items():
        if filters.includes((region, day[:7])):
            by_day[day] += count
    return dict(by_day)


def question_distribution(
    survey: Survey,
    question_name: str,
    filters: Filters | None = None,
    viewer_is_analyst: bool = False,
    language: str | None = None,
) -> dict[str, Any]:
    """The figures of one question, suppressed unless the viewer is an analyst."""
    filters = check_filters(filters or Filters())
    versions = survey_version_definitions(survey)
    definitions = [definition for _, definition in versions]
    found = next(
        ((d, q) for d, q in result_questions(definitions) if q.name == question_name), None
    )
    if found is None:
        raise ResultsError(f"question: {question_name!r} has no figures in this survey")
    language = language or definitions[0].default_language
    return _question(
        load_snapshot(survey),
        found[0],
        found[1],
        filters,
        not viewer_is_analyst,
        suppression_threshold(),
        language,
        _answer_labels(
            question_name,
            found[1].region,
            definitions,
            region_names(language),
            _choice_labels(definitions, language),
        ),
        question_coverage(versions).get(question_name),
    )


def _question(
    snapshot: TallySnapshot,
    definition: SurveyDefinition,
    question: Question,
    filters: Filters,
    protect: bool,
    threshold: int,
    language: str,
    labels: dict[str, str],
    coverage: Coverage | None,
) -> dict[str, Any]:
    return question_figures(
        snapshot,
        definition,
        question,
        filters,
        protect=protect,
        threshold=threshold,
        language=language,
        value_labels=labels,
        coverage=coverage,
    )


def _answer_labels(
    name: str,
    region: bool,
    definitions: list[SurveyDefinition],
    names: dict[str, str],
    choice_labels: dict[str, dict[str, str]],
) -> dict[str, str]:
    """The answers a question's figures list. A region question offers the registry's units
    (named as the registry names them), or, when each version lists the units it offers (a
    list that narrows the registry), those units only: not twenty rows of 0% for three."""
    if not region:
        return choice_labels.get(name, {})
    listed = choice_labels.get(name, {})
    on_the_registry = any(
        question.name == name and question.choice_list not in definition.choice_lists
        for definition in definitions
        for question in definition.questions()
    )
    if on_the_registry or not listed:
        return names
    return {code: names.get(code, label) for code, label in listed.items()}


def _choice_labels(definitions: list[SurveyDefinition], language: str) -> dict[str, dict[str, str]]:
    """Each question's choice labels over every version (the current one wins), so that a
    choice an edit removed is still named on the results."""
    labels: dict[str, dict[str, str]] = defaultdict(dict)
    for definition in reversed(definitions):
        for question in definition.questions():
            for choice in definition.choices_for(question):
                labels[question.name][choice.name] = definition.text(choice.label, language)
    return labels


def month_bounds(filters: Filters) -> tuple[datetime | None, datetime | None]:
    """The filter's months as UTC instants [start, end) in the platform's time zone."""
    zone = times.platform_zone()
    start = end = None
    if filters.month_from:
        year, month = map(int, filters.month_from.split("-"))
        start = datetime(year, month, 1, tzinfo=zone).astimezone(UTC)
    if filters.month_to:
        year, month = map(int, filters.month_to.split("-"))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        end = datetime(year, month, 1, tzinfo=zone).astimezone(UTC)
    return start, end


def _response_filter(survey: Survey, filters: Filters) -> list[Any]:
    conditions: list[Any] = [SurveyResponse.survey_id == survey.id]
    if filters.region == NO_REGION:
        conditions.append(SurveyResponse.region_code.is_(None))
    elif filters.region is not None:
        conditions.append(SurveyResponse.region_code == filters.region)
    start, end = month_bounds(filters)
    if start is not None:
        conditions.append(SurveyResponse.submitted_at >= start)
    if end is not None:
        conditions.append(SurveyResponse.submitted_at < end)
    return conditions


def free_text_answers(
    survey: Survey, question_name: str, filters: Filters, limit: int = FREE_TEXT_LIMIT
) -> list[dict[str, Any]]:
    """The latest free-text answers to a question (analysts only: callers must check).

    Cached with the tallies' generation: searching a large survey for the latest texts of a
    region takes a sort, which a page view should not repeat.
    """
    filters = check_filters(filters)
    snapshot = load_snapshot(survey)
    key = (
        "texts",
        survey.id,
        snapshot.generation,
        str(db.engine.url),
        question_name,
        filters,
        limit,
    )
    with _snapshots_lock:
        cached = _texts.get(key)
    if cached is not None:
        return cached
    texts = _latest_texts(survey, question_name, filters, limit)
    with _snapshots_lock:
        _texts[key] = texts
        while len(_texts) > SUMMARY_CACHE_SIZE:
            _texts.popitem(last=False)
    return texts


def _latest_texts(
    survey: Survey, question_name: str, filters: Filters, limit: int
) -> list[dict[str, Any]]:
    """Newest first, read a page at a time: the database keeps only responses that answered
    the question and walks the (survey, region, time) or (survey, time) index backwards,
    so a region of a large survey costs a few hundred rows, not a sort of all of them."""
    text = SurveyResponse.answers[question_name].as_string()
    query = (
        sa.select(
            SurveyResponse.id,
            SurveyResponse.submitted_at,
            SurveyResponse.region_code,
            SurveyResponse.language,
            SurveyResponse.answers,
        )
        .where(*_response_filter(survey, filters), text.is_not(None), text != "")
        .order_by(SurveyResponse.submitted_at.desc(), SurveyResponse.id.desc())
    )
    texts: list[dict[str, Any]] = []
    page = max(limit, 1)
    for offset in range(0, 100 * page, page):  # blank answers (spaces only) need more pages
        rows = db.session.execute(query.offset(offset).limit(page)).all()
        for row in rows:
            answer = (row.answers or {}).get(question_name)
            if isinstance(answer, str) and answer.strip():
                texts.append(
                    {
                        "response_id": row.id,
                        "submitted_at": row.submitted_at,
                        "region_code": row.region_code,
                        "language": row.language,
                        "text": answer,
                    }
                )
                if len(texts) >= limit:
                    return texts
        if len(rows) < page:
            break
    return texts


# --------------------------------------------------------------------------- export


class ExportTooLarge(ResultsError):
    """More responses than the chosen format holds; nothing was exported or logged."""

    def __init__(self, rows: int, limit: int) -> None:
        super().__init__(f"{rows} responses, the format holds {limit}")
        self.rows = rows
        self.limit = limit


def start_export(
    survey: Survey, export_format: str, max_rows: int | None = None
) -> tuple[int, int]:
    """Fix what an export will contain and log it: returns (last response id, rows).

    The audit record is committed before the first byte is sent, so an interrupted
    download is still on record. Raises ``ExportTooLarge`` (before logging) when the survey
    has more than ``max_rows`` responses.
    """
    last_id, rows = db.session.execute(
        sa.select(sa.func.max(SurveyResponse.id), sa.func.count()).where(
            SurveyResponse.survey_id == survey.id
        )
    ).one()
    if max_rows is not None and rows > max_rows:
        raise ExportTooLarge(rows, max_rows)
    record("survey.export", "survey", survey.id, {"format": export_format, "rows": rows})
    db.session.commit()
    return last_id or 0, rows


# --------------------------------------------------------------------------- indicators


def survey_indicator_codes(language: str = "en") -> list[tuple[str, str, str]]:
    """(code, name in ``language``, frequency) of catalogue indicators whose source is a
    survey; the English name where the catalogue has none in that language."""
    try:
        from webapp.risk.models import RiskIndicator

        rows = list(
            db.session.scalars(sa.select(RiskIndicator).where(RiskIndicator.source == "survey"))
        )
    except (ImportError, sa.exc.SQLAlchemyError):
        db.session.rollback()
        rows = []
    if rows:
        return [(row.code, row.name(language), row.frequency) for row in rows]
    from forecasting.index import default_catalogue

    catalogue = default_catalogue()
    survey_rows = catalogue[catalogue["source"] == "survey"]
    return [
        (row.code, getattr(row, f"name_{language}", "") or row.name_en, row.frequency)
        for row in survey_rows.itertuples(index=False)
    ]


def indicator_unit(code: str) -> str | None:
    """The catalogue's unit of an indicator (None when the catalogue does not hold it)."""
    try:
        from webapp.risk.models import RiskIndicator

        row = db.session.scalar(sa.select(RiskIndicator).where(RiskIndicator.code == code))
    except (ImportError, sa.exc.SQLAlchemyError):
        db.session.rollback()
        row = None
    if row is not None:
        return row.unit or ""
    from forecasting.index import default_catalogue

    catalogue = default_catalogue()
    rows = catalogue[catalogue["code"] == code]
    return None if rows.empty else str(rows.iloc[0]["unit"] or "")


#: Units of the catalogue meaning "percent": what a share gives.
PERCENT_UNITS = {"%", "percent", "pct", "процент", "пайыз"}


def _check_unit(indicator_code: str, method: str) -> None:
    """Refuse a share for an indicator the catalogue measures in another unit (days, tenge)
    and a mean for one it measures in percent: the value would be scored as if it were
    the catalogue's, a 4-day wait as 4% trusting the akimat."""
    unit = indicator_unit(indicator_code)
    if unit is None or not unit.strip():
        return
    percent = unit.strip().lower() in PERCENT_UNITS
    if method == "share" and not percent:
        raise MappingError(
            "method",
            _(
                "the risk catalogue measures %(indicator)s in %(unit)s, and a share is a "
                "percentage of respondents: map a mean, or correct the catalogue's unit",
                indicator=indicator_code,
                unit=unit,
            ),
        )
    if method == "mean" and percent:
        raise MappingError(
            "method",
            _(
                "the risk catalogue measures %(indicator)s in percent, and a mean of the "
                "answers is not a percentage: map a share of answer codes, or add an "
                "indicator for the mean to the catalogue",
                indicator=indicator_code,
            ),
        )


def indicator_frequencies() -> dict[str, str]:
    return {code: frequency for code, _, frequency in survey_indicator_codes()}


def mappings_for(survey: Survey | None = None) -> list[SurveyIndicatorMapping]:
    query = sa.select(SurveyIndicatorMapping).order_by(
        SurveyIndicatorMapping.survey_id, SurveyIndicatorMapping.indicator_code
    )
    if survey is not None:
        query = query.where(SurveyIndicatorMapping.survey_id == survey.id)
    return list(db.session.scalars(query))


def add_mapping(
    survey: Survey,
    indicator_code: str,
    question: str,
    method: str,
    codes: Iterable[str] = (),
    actor: Any = None,
    *,
    count_answers: bool = True,
) -> SurveyIndicatorMapping:
    """Store a mapping after checking it against the survey's questions and against other
    surveys' mappings of the same indicator (``_refuse_mixed_measures``).

    That check first counts the answers not yet in the tallies (of this survey and of the
    others mapping the indicator, when there are any), on a connection of its own: SQLite
    makes it wait behind uncommitted writes of the caller, so a caller adding several
    mappings in one transaction passes ``count_answers=False`` and the tallies as last
    counted are used."""
    codes = [code for code in (str(code).strip() for code in codes) if code]
    indicator_code = indicator_code.strip()
    if not indicator_code:
        raise MappingError("indicator", _("choose an indicator code"))
    versions = survey_version_definitions(survey)
    definitions = [definition for _, definition in versions]
    kinds = question_kinds(reversed(definitions))
    rule = IndicatorMapping(indicator_code, question, method, tuple(codes))
    rule.check(kinds.get(question))
    _check_unit(indicator_code, method)
    if method == "share":
        known = {
            choice.name
            for definition in definitions
            for q in definition.questions()
            if q.name == question
            for choice in definition.choices_for(q)
        }
        unknown = [code for code in codes if known and code not in known]
        if unknown:
            raise MappingError(
                "codes",
                _(
                    "%(codes)s not among the answers of '%(question)s' (%(known)s)",
                    codes=", ".join(unknown),
                    question=question,
                    known=", ".join(sorted(known)),
                ),
            )
        if offering_versions(rule, question_coverage(versions).get(question)) == frozenset():
            raise MappingError(
                "codes",
                _(
                    "no version of the survey offered all of %(codes)s: the share would rest "
                    "on nobody (map a code or codes that one version offered together)",
                    codes=", ".join(codes),
                ),
            )
    existing = db.session.scalar(
        sa.select(SurveyIndicatorMapping).where(
            SurveyIndicatorMapping.survey_id == survey.id,
            SurveyIndicatorMapping.indicator_code == indicator_code,
        )
    )
    if existing is not None:
        raise MappingError(
            "indicator",
            _(
                "%(indicator)s is already computed from question %(question)s",
                indicator=indicator_code,
                question=existing.question,
            ),
        )
    _refuse_mixed_measures(survey, rule, versions, kinds, count_answers)
    mapping = SurveyIndicatorMapping(
        survey_id=survey.id,
        indicator_code=indicator_code,
        question=question,
        method=method,
        codes=codes if method == "share" else [],
        created_by_id=getattr(actor, "id", None),
    )
    db.session.add(mapping)
    db.session.flush()
    record(
        "survey.indicator_mapping.add",
        "survey",
        survey.id,
        {"indicator": indicator_code, "question": question, "method": method, "codes": codes},
        actor=actor,
    )
    return mapping


def _refuse_mixed_measures(
    survey: Survey,
    rule: IndicatorMapping,
    versions: list[tuple[int, SurveyDefinition]],
    kinds: dict[str, str],
    count_answers: bool = True,
) -> None:
    """Refuse a mapping that measures an indicator differently from another survey's
    mapping of it when both surveys have answers in the same period (at the indicator's
    frequency): one of the two would be left out there (``combine_series``). Mapped alike,
    the respondents of the shared periods are pooled; in periods of their own (successive
    waves) the two measures continue one series, and the analyst owns that break.
    Answers arriving after the mapping are settled by ``combine_series``."""
    others = {
        mapping.survey_id
        for mapping in mappings_for()
        if mapping.indicator_code == rule.indicator and mapping.survey_id != survey.id
    }
    if not others:
        return
    definitions = [definition for _, definition in versions]
    signature = mapping_signature(rule, definitions, kinds.get(rule.question))
    cells = indicator_cells(
        load_snapshot(survey, refresh=count_answers),
        rule,
        indicator_frequencies().get(rule.indicator, "M"),
        question_coverage(versions).get(rule.question),
    )
    own = {period for (_, period), cell in cells.items() if cell.n > 0}
    for series in _survey_series(others, indicators={rule.indicator}, refresh=count_answers):
        if series.signature == signature:
            continue
        shared = sorted(own & {period for (_, period), cell in series.cells.items() if cell.n > 0})
        if not shared:
            continue
        other = db.session.get(Survey, series.survey_id)
        language = _page_language()
        periods = ", ".join(map(str, shared[:6])) + (", …" if len(shared) > 6 else "")
        # Worded before the message that holds it: pybabel does not extract a gettext call
        # nested in another's arguments, so 'make translations-update' dropped these two.
        how = (
            _("share of %(codes)s", codes=", ".join(series.mapping.codes))
            if series.mapping.method == "share"
            else _("mean")
        )
        raise MappingError(
            "codes" if series.signature[:2] == signature[:2] else "indicator",
            _(
                "%(indicator)s is already computed from the survey '%(survey)s' (question "
                "%(question)s, %(how)s) and both surveys have answers in %(periods)s. "
                "Measured differently, their values cannot be pooled: map it alike (the "
                "same codes of the same answers) or remove one of the two mappings.",
                indicator=rule.indicator,
                survey=survey_title(other, language) if other else series.survey_id,
                question=series.mapping.question,
                how=how,
                periods=periods,
            ),
        )


def _page_language() -> str:
    """The language of the page being served (English outside requests)."""
    if has_request_context():
        from flask_babel import get_locale

        locale = get_locale()
        return locale.language if locale else "en"
    return "en"


def remove_mapping(mapping: SurveyIndicatorMapping, actor: Any = None) -> None:
    record(
        "survey.indicator_mapping.remove",
        "survey",
        mapping.survey_id,
        {"indicator": mapping.indicator_code, "question": mapping.question},
        actor=actor,
    )
    db.session.delete(mapping)
    db.session.flush()


def populations() -> dict[str, float]:
    return {
        row.region_code: row.population for row in db.session.scalars(sa.select(RegionPopulation))
    }


def load_populations(text: str, source: str = "") -> int:
    """Replace the region populations with a CSV of ``region_code,population``.

    All or nothing: every problem is reported with its row number, and nothing changes
    unless the whole file is good.
    """
    from forecasting.readers.tables import NotANumber, parse_number, sniff_delimiter

    text = text.lstrip("\ufeff")
    # Excel in Russian or Kazakh saves "CSV" with semicolons (the comma is its decimal mark):
    # the statistics reader's delimiter and number rules apply here too.
    delimiter = sniff_delimiter([line for line in text.splitlines()[:50] if line.strip()])
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    header = [name.strip().lower() for name in reader.fieldnames or []]
    if "region_code" not in header or "population" not in header:
        raise ResultsError(
            _(
                "the file needs the columns region_code and population; found: %(found)s",
                found=", ".join(header) or _("none"),
            )
        )
    known = {code for (code,) in db.session.execute(sa.select(Region.code))}
    problems, figures = [], {}
    for line, raw in enumerate(reader, start=2):
        row = {key.strip().lower(): (value or "").strip() for key, value in raw.items() if key}
        code = row.get("region_code", "")
        text_value = row.get("population", "")
        if code not in known:
            problems.append(
                _(
                    "row %(row)d, column region_code: '%(code)s' is not a known region",
                    row=line,
                    code=code,
                )
            )
            continue
        try:
            population = parse_number(text_value, decimal_comma=delimiter != ",")
        except NotANumber:
            problems.append(
                _(
                    "row %(row)d, column population: '%(value)s' is not a number",
                    row=line,
                    value=text_value,
                )
            )
            continue
        if not population > 0:
            problems.append(_("row %(row)d, column population: must be above 0", row=line))
        elif code in figures:
            problems.append(
                _("row %(row)d, column region_code: %(code)s is given twice", row=line, code=code)
            )
        else:
            figures[code] = population
    if problems:
        raise ResultsError("; ".join(problems))
    if not figures:
        raise ResultsError(_("the file lists no region"))
    db.session.execute(sa.delete(RegionPopulation))
    for code, population in figures.items():
        db.session.add(RegionPopulation(region_code=code, population=population, source=source))
    db.session.flush()
    record("survey.populations.load", "regions", "", {"regions": len(figures), "source": source})
    return len(figures)


class IndicatorValues(NamedTuple):
    """Survey-derived values split by whether their period has ended."""

    #: Observations (data contract) of ended periods: what scoring and forecasting read.
    observations: pd.DataFrame
    #: Running figures of periods still under way, from the answers so far: not statistics
    #: yet, shown to analysts only and never published as observations.
    running: pd.DataFrame


def survey_indicator_observations(
    surveys: Iterable[Survey] | None = None,
    *,
    frequency: str | None = None,
    minimum_n: int = 1,
    include_national: bool = False,
    today: date | None = None,
) -> pd.DataFrame:
    """Observations for every stored mapping (of ``surveys``, or of all surveys), for the
    periods that have ended by ``today`` (default: ``platform_today()``).

    Periods follow each indicator's catalogue frequency (quarters for the default survey
    indicators) unless ``frequency`` forces one (``"M"`` for months). With
    ``include_national`` a post-stratified national row (region ``KZ``) is added per period
    when region populations are loaded. With ``minimum_n`` above 1 (the suppression
    threshold, for values non-analysts see) region-month blocks of fewer responses are
    left out before months are summed, as the results pages leave them out, and rows of
    fewer responses too. Call within an application context.
    """
    return survey_indicator_values(
        surveys,
        frequency=frequency,
        minimum_n=minimum_n,
        include_national=include_national,
        today=today,
    ).observations


def survey_indicator_values(
    surveys: Iterable[Survey] | None = None,
    *,
    frequency: str | None = None,
    minimum_n: int = 1,
    include_national: bool = False,
    today: date | None = None,
) -> IndicatorValues:
    """``survey_indicator_observations`` together with the running figures of the periods
    not ended by ``today`` (default: ``platform_today()``), computed once.

    Several surveys mapping one indicator (the waves of a citizen survey, or two surveys at
    the same time) give one series: ``indicators.combine_series`` pools the respondents of
    surveys measuring alike in a shared period and gives a period measured differently to
    one measurement, so the result never holds two values for one key.
    """
    from forecasting.contract import empty_observations

    selected = None if surveys is None else {survey.id for survey in surveys}
    # A threshold above 1 is for values that non-analysts will see: blocks the results
    # pages hide (fewer than ``minimum_n`` responses in a region and month) are left out
    # before months are summed into quarters.
    parts, overlaps = combine_series(_survey_series(selected, frequency, block_minimum=minimum_n))
    for overlap in overlaps:
        if not overlap.pooled:
            logger.warning(
                "%s: surveys %s measure it differently in %s; kept survey(s) %s",
                overlap.indicator,
                ", ".join(map(str, overlap.survey_ids)),
                ", ".join(map(str, overlap.periods)),
                ", ".join(map(str, overlap.kept)),
            )
    weights = populations() if include_national else None
    rows = []
    for mapping, cells in parts:
        rows += cell_rows(
            mapping,
            cells,
            minimum_n=minimum_n,
            population=weights or None,
            national_code=NATIONAL_CODE if weights else None,
        )
    if not rows:
        frame = empty_observations()
        for column in ("source", "n", "lower", "upper"):
            frame[column] = pd.Series([], dtype=object if column == "source" else float)
        return IndicatorValues(frame, frame.copy())
    return IndicatorValues(*split_running(observations_frame(rows), today or platform_today()))


def _survey_series(
    selected: set[int] | None,
    frequency: str | None = None,
    indicators: set[str] | None = None,
    refresh: bool = True,
    block_minimum: int = 1,
) -> list[SurveySeries]:
    """Each stored mapping's cells (of the ``selected`` surveys, of the ``indicators``);
    ``refresh=False`` reads the tallies as last counted (see ``load_snapshot``);
    ``block_minimum`` leaves out smaller region-month blocks (``indicator_cells``)."""
    by_survey: dict[int, list[SurveyIndicatorMapping]] = defaultdict(list)
    for mapping in mappings_for():
        if (selected is None or mapping.survey_id in selected) and (
            indicators is None or mapping.indicator_code in indicators
        ):
            by_survey[mapping.survey_id].append(mapping)
    frequencies = indicator_frequencies() if by_survey else {}
    series = []
    for survey_id, mappings in by_survey.items():
        survey = db.session.get(Survey, survey_id)
        if survey is None:
            continue
        versions = survey_version_definitions(survey)
        definitions = [definition for _, definition in versions]
        kinds = question_kinds(reversed(definitions))
        coverage = question_coverage(versions)
        snapshot = load_snapshot(survey, refresh=refresh)
        for stored in mappings:
            rule = IndicatorMapping(
                stored.indicator_code, stored.question, stored.method, tuple(stored.codes)
            )
            rule.check(kinds.get(rule.question))
            cells = indicator_cells(
                snapshot,
                rule,
                frequency or frequencies.get(rule.indicator, "M"),
                coverage.get(rule.question),
                block_minimum=block_minimum,
            )
            signature = mapping_signature(rule, definitions, kinds.get(rule.question))
            series.append(SurveySeries(survey_id, rule, signature, cells))
    return series


def mapping_signature(
    rule: IndicatorMapping, definitions: list[SurveyDefinition], kind: str | None
) -> tuple[Any, ...]:
    """What a mapping measures, to tell whether two surveys' values may be pooled: the
    method, the codes counted and the answers the question offered (choice codes over all
    versions, or a range's bounds and step). Question names and wording do not count: a
    new wave may rename a question or reword it without changing what is measured."""
    answers: set[str] = set()
    bounds: tuple[str, ...] = ()
    for definition in definitions:
        for question in definition.questions():
            if question.name != rule.question:
                continue
            answers |= {choice.name for choice in definition.choices_for(question)}
            if question.type == "range":
                parameters = question.parameters or {}
                bounds = tuple(
                    str(parameters.get(name, "")).strip() for name in ("start", "end", "step")
                )
    return (
        rule.method,
        kind,
        tuple(sorted(rule.codes)) if rule.method == "share" else (),
        tuple(sorted(answers)),
        bounds,
    )


class IndicatorOverlap(NamedTuple):
    """Another survey feeding one of a survey's indicators in the same periods."""

    indicator: str
    #: The other surveys: (id, title) in the page's language.
    others: list[tuple[int, str]]
    periods: list[str]
    pooled: bool
    #: Whether this survey's values of those periods are the ones used (always when pooled).
    kept: bool


def survey_title(survey: Survey, language: str = "en") -> str:
    definitions = survey_definitions(survey)
    return definitions[0].label(language) if definitions else survey.slug


def indicator_overlaps(survey: Survey, language: str = "en") -> list[IndicatorOverlap]:
    """Where other surveys map this survey's indicators in the same periods, and the rule
    applied there (``indicators.combine_series``): for the indicators page."""
    own = {mapping.indicator_code for mapping in mappings_for(survey)}
    shared = {
        mapping.indicator_code
        for mapping in mappings_for()
        if mapping.indicator_code in own and mapping.survey_id != survey.id
    }
    if not shared:
        return []
    _, overlaps = combine_series(_survey_series(None, indicators=shared))
    titles: dict[int, str] = {}
    result = []
    for overlap in overlaps:
        if survey.id not in overlap.survey_ids:
            continue
        others = []
        for survey_id in overlap.survey_ids:
            if survey_id == survey.id:
                continue
            if survey_id not in titles:
                other = db.session.get(Survey, survey_id)
                titles[survey_id] = survey_title(other, language) if other else str(survey_id)
            others.append((survey_id, titles[survey_id]))
        result.append(
            IndicatorOverlap(
                overlap.indicator,
                others,
                [str(period) for period in overlap.periods],
                overlap.pooled,
                survey.id in overlap.kept,
            )
        )
    return sorted(result, key=lambda item: (item.indicator, item.periods))


def officially_imported(frame: pd.DataFrame) -> set[tuple[str, str, str]]:
    """(indicator, region, period) keys of ``frame`` that imported official statistics
    also hold: there the imported value is scored, not the survey's
    (``webapp.risk.imports.observations_frame``)."""
    if frame.empty:
        return set()
    try:
        from webapp.risk.models import RiskObservation
    except ImportError:
        return set()
    keys = {
        (indicator, region, str(period))
        for indicator, region, period in zip(
            frame["indicator"], frame["region"], frame["period"], strict=True
        )
    }
    indicators = sorted({key[0] for key in keys})
    try:
        stored = db.session.execute(
            sa.select(
                RiskObservation.indicator_code, RiskObservation.region_code, RiskObservation.period
            ).where(RiskObservation.indicator_code.in_(indicators))
        ).all()
    except sa.exc.SQLAlchemyError:
        db.session.rollback()
        return set()
    return keys & {tuple(row) for row in stored}
