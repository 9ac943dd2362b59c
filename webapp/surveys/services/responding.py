"""The respondent's side: pages, drafts, and storing each submission exactly once.

Every form carries a submission id (uuid4) made when it is first served. Progress lives in a
``SurveyDraft`` under that id; the final step inserts a ``SurveyResponse`` whose
``submission_id`` column is UNIQUE. A retry of the same submission (double click, time-out,
back button) therefore cannot add a row: the insert fails, the caller rolls back and runs
the request again, which now finds the stored response, compares ``content_hash`` and
answers "thank you" (same content) or refuses (different content). Because the database
decides, this holds across worker processes and app instances sharing one database.

Everything a respondent sends is checked here with ``validate_answers``: skip logic,
types, choices and constraints are decided on the server, never in the browser.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import hashlib
import json
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import sqlalchemy as sa
from flask import g, has_app_context
from sqlalchemy import orm

from webapp.database import utcnow
from webapp.extensions import db
from webapp.regions.models import Region
from webapp.surveys.answers import AnswerError, available_choices, validate_answers
from webapp.surveys.definition import Question, SurveyDefinition, parse_range_parameters
from webapp.surveys.expressions import parse_cached
from webapp.surveys.models import (
    Audience,
    Invitation,
    Survey,
    SurveyDraft,
    SurveyResponse,
    SurveyState,
    SurveyVersion,
    cached_definition,
)
from webapp.surveys.services import SurveyError
from webapp.surveys.services.authoring import find_invitation, response_languages
from webapp.times import platform_today

ANSWER_PREFIX = "answer-"
#: Most answer values accepted in one post (far above any page; bounds work per request).
MAX_VALUES_PER_POST = 2000


class Refusal(enum.StrEnum):
    """Why a respondent cannot go on; each has its own polite page."""

    NOT_PUBLISHED = "not_published"
    NOT_YET_OPEN = "not_yet_open"
    CLOSED = "closed"
    INVITATION_REQUIRED = "invitation_required"
    INVITATION_USED = "invitation_used"
    INVITATION_IN_PROGRESS = "invitation_in_progress"
    COUNCIL_ONLY = "council_only"
    NOT_A_MEMBER = "not_a_member"
    FORGED_COUNCIL = "forged_council"
    CONFLICT = "conflict"


class RespondentRefused(SurveyError):
    """The request cannot be served; ``reason`` picks the page and status shown."""

    def __init__(self, reason: Refusal) -> None:
        self.reason = reason
        super().__init__(reason.value)


@dataclass(frozen=True)
class Respondent:
    """Who is answering, worked out from the session by the view, never from form fields."""

    council_id: int | None = None
    user_id: int | None = None


@dataclass(frozen=True)
class PostedPage:
    """One posted page; ``form`` is the request's form (a MultiDict)."""

    page_index: int
    action: str  # "next", "back" or "save"
    form: Any
    language: str | None = None
    invitation_token: str | None = None
    #: The version the page was drawn from (the form's ``version`` field): the first post
    #: starts the draft on it, not on one published since the page was shown.
    version_id: int | None = None


class Step(enum.Enum):
    SHOW_PAGE = "show_page"  # re-show a page (with errors)
    GO_TO_PAGE = "go_to_page"  # redirect to the draft's current page
    SAVED = "saved"
    THANKS = "thanks"


@dataclass
class Outcome:
    step: Step
    draft: SurveyDraft | None = None
    errors: dict[str, AnswerError] = field(default_factory=dict)
    #: For THANKS: the response's definition and language, read before the commit so that
    #: the thank-you page can be shown without reloading the expired rows.
    definition: SurveyDefinition | None = None
    language: str | None = None


# --------------------------------------------------------------------------- helpers


def new_submission_id() -> str:
    return str(uuid.uuid4())


def is_submission_id(text: str) -> bool:
    try:
        return str(uuid.UUID(text)) == text.lower() and len(text) == 36
    except (ValueError, AttributeError):
        return False


def content_hash(answers: Mapping[str, Any]) -> str:
    """SHA-256 of the answers in a canonical JSON form (sorted keys, no spaces)."""
    canonical = json.dumps(answers, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class RegionChoice:
    """What a respondent page needs of a registry unit: its code and its names."""

    code: str
    name_kk: str
    name_ru: str
    name_en: str

    def name(self, language: str) -> str:
        return getattr(self, f"name_{language}", None) or self.name_en


@functools.cache
def _current_regions_statement() -> sa.Select:
    """Built once: building a statement costs as much as running it on the hot path."""
    today = sa.bindparam("today", type_=sa.Date)
    return (
        sa.select(Region.code, Region.name_kk, Region.name_ru, Region.name_en)
        .where(sa.or_(Region.valid_from.is_(None), Region.valid_from <= today))
        .where(sa.or_(Region.valid_to.is_(None), today <= Region.valid_to))
        .order_by(Region.position)
    )


@functools.lru_cache(maxsize=8)
def _region_choices(rows: tuple[tuple[str, str, str, str], ...]) -> tuple[RegionChoice, ...]:
    """The registry's rows as choices, made once per distinct set of rows: the rows are
    read on every request, but they change only when the registry does."""
    return tuple(RegionChoice(*row) for row in rows)


def current_regions() -> list[RegionChoice]:
    """The registry's current units, read once per request.

    Only the columns a page needs are read, as plain rows on the session's connection (no
    ORM objects), and units valid today are picked by the database.
    """
    if has_app_context() and "survey_regions" in g:
        return g.survey_regions
    rows = db.session.connection().execute(
        _current_regions_statement(), {"today": platform_today(utcnow())}
    )
    regions = list(_region_choices(tuple(map(tuple, rows))))
    if has_app_context():
        g.survey_regions = regions
    return regions


def region_codes() -> list[str] | None:
    """Codes respondents may choose; None when no registry is loaded (any code accepted)."""
    codes = [region.code for region in current_regions()]
    return codes or None


def asks_region(definition: SurveyDefinition) -> bool:
    """Whether any question of ``definition`` is answered from the region registry: only
    then does a request need the registry (its codes and names serve region questions
    alone), so a survey without one reads no regions."""
    return any(question.region for question in definition.questions())


def region_codes_for(definition: SurveyDefinition) -> list[str] | None:
    """``region_codes()`` for a survey that asks for a region; None (unused) otherwise."""
    return region_codes() if asks_region(definition) else None


@functools.cache
def _respondent_survey_statement() -> sa.Select:
    return (
        sa.select(Survey)
        .where(Survey.slug == sa.bindparam("slug", type_=sa.String))
        .options(orm.joinedload(Survey.current_version).defer(SurveyVersion.definition))
    )


def find_respondent_survey(slug: str) -> Survey | None:
    """The survey at a public address, with its current version in the same query.

    The version's definition column is not read: ``SurveyVersion.load`` keeps parsed
    definitions per worker and reads the column only for a version it has not seen. The
    statement is built once (with its options, building it cost twice running it).
    """
    return db.session.scalar(_respondent_survey_statement(), {"slug": slug})


@dataclass(frozen=True)
class CurrentVersion:
    """What a first page needs of the survey's current version: the key of its definition."""

    id: int
    created_at: dt.datetime | None

    def load(self) -> SurveyDefinition:
        """As ``SurveyVersion.load``: the definition column is only read (with the row) by a
        worker that has not seen this version yet."""
        definition = cached_definition(self.id, self.created_at)
        if definition is not None:
            return definition
        # Not found: the survey (and so its versions) was deleted since its row was read.
        return db.get_or_404(SurveyVersion, self.id).load()


@dataclass(frozen=True)
class StartingSurvey:
    """A survey as its first page (``/s/<slug>``) reads it: plain values, no ORM object.

    The first page changes nothing, so it needs no object tracked by the session; building
    a ``Survey`` and its version from the row cost more than running the statement. It has
    what the first page, the refusal pages and the council check read of a ``Survey``."""

    id: int
    slug: str
    kind: str
    audience: str
    state: str
    opens_at: dt.datetime | None
    closes_at: dt.datetime | None
    bound_region_code: str | None
    state_body_id: int | None
    note: str
    current_version_id: int | None
    current_version: CurrentVersion | None

    def availability(self, now: dt.datetime) -> str:
        return Survey.availability(self, now)  # type: ignore[arg-type]  # the same rules


@functools.cache
def _starting_survey_statement() -> sa.Select:
    return (
        sa.select(
            Survey.id,
            Survey.slug,
            Survey.kind,
            Survey.audience,
            Survey.state,
            Survey.opens_at,
            Survey.closes_at,
            Survey.bound_region_code,
            Survey.state_body_id,
            Survey.note,
            Survey.current_version_id,
            SurveyVersion.created_at,
        )
        .outerjoin(SurveyVersion, SurveyVersion.id == Survey.current_version_id)
        .where(Survey.slug == sa.bindparam("slug", type_=sa.String))
    )


def find_starting_survey(slug: str) -> StartingSurvey | None:
    """The survey at ``slug`` with its current version's key, by one statement, as plain
    values (see ``StartingSurvey``); None when no survey has this address."""
    row = (
        db.session.connection().execute(_starting_survey_statement(), {"slug": slug}).one_or_none()
    )
    if row is None:
        return None
    *values, version_id, version_created = row
    version = None if version_id is None else CurrentVersion(version_id, version_created)
    return StartingSurvey(*values, version_id, version)


def find_response(submission_id: str) -> SurveyResponse | None:
    return db.session.scalar(
        sa.select(SurveyResponse).where(SurveyResponse.submission_id == submission_id)
    )


def find_draft(submission_id: str) -> SurveyDraft | None:
    return db.session.scalar(
        sa.select(SurveyDraft).where(SurveyDraft.submission_id == submission_id)
    )


@functools.cache
def _draft_and_response_statement() -> sa.Select:
    key = sa.select(sa.bindparam("submission_id", type_=sa.String).label("submission_id"))
    key = key.subquery()
    return (
        sa.select(SurveyDraft, SurveyResponse)
        .select_from(key)
        .outerjoin(SurveyDraft, SurveyDraft.submission_id == key.c.submission_id)
        .outerjoin(SurveyResponse, SurveyResponse.submission_id == key.c.submission_id)
    )


def find_draft_and_response(
    submission_id: str,
) -> tuple[SurveyDraft | None, SurveyResponse | None]:
    """The submission's draft and stored response, read by ONE statement (one round trip).

    A statement reads one snapshot (SQLite and PostgreSQL alike), and the commit that stores
    a response deletes its draft, so no concurrent post can make both look absent once
    either existed: the draft is seen, or the response is.
    """
    row = db.session.execute(
        _draft_and_response_statement(), {"submission_id": submission_id}
    ).one()
    return row[0], row[1]


@functools.cache
def _survey_and_submission_statement() -> sa.Select:
    key = sa.select(
        sa.bindparam("slug", type_=sa.String).label("slug"),
        sa.bindparam("submission_id", type_=sa.String).label("submission_id"),
    ).subquery()
    return (
        sa.select(Survey, SurveyDraft, SurveyResponse)
        .select_from(key)
        .join(Survey, Survey.slug == key.c.slug)
        .outerjoin(SurveyDraft, SurveyDraft.submission_id == key.c.submission_id)
        .outerjoin(SurveyResponse, SurveyResponse.submission_id == key.c.submission_id)
        .options(orm.joinedload(Survey.current_version).defer(SurveyVersion.definition))
    )


@dataclass(frozen=True)
class Submission:
    """What a page post reads first: the survey at the address, and the submission's draft
    and stored response as they were in the same snapshot."""

    survey: Survey
    draft: SurveyDraft | None
    response: SurveyResponse | None


def find_survey_and_submission(slug: str, submission_id: str) -> Submission | None:
    """The survey (as ``find_respondent_survey``) with the submission's draft and response,
    by ONE statement: a post needs all three, and on PostgreSQL each statement is a round
    trip. None when no survey has this address. The snapshot argument of
    ``find_draft_and_response`` holds: the three are read together."""
    row = db.session.execute(
        _survey_and_submission_statement(), {"slug": slug, "submission_id": submission_id}
    ).one_or_none()
    return None if row is None else Submission(row[0], row[1], row[2])


def draft_for_invitation(invitation: Invitation) -> SurveyDraft | None:
    return db.session.scalar(
        sa.select(SurveyDraft)
        .where(SurveyDraft.invitation_id == invitation.id)
        .order_by(SurveyDraft.id)
        .limit(1)
    )


def check_available(survey: Survey | StartingSurvey, now: dt.datetime) -> None:
    """Raise the polite refusal for a survey that does not take responses now."""
    availability = survey.availability(now)
    if availability == "draft" or survey.current_version_id is None:
        raise RespondentRefused(Refusal.NOT_PUBLISHED)
    if availability == "not_yet_open":
        raise RespondentRefused(Refusal.NOT_YET_OPEN)
    if availability == "closed":
        raise RespondentRefused(Refusal.CLOSED)


def check_invitation(survey: Survey, token: str | None) -> Invitation:
    invitation = find_invitation(survey, token or "")
    if invitation is None:
        raise RespondentRefused(Refusal.INVITATION_REQUIRED)
    if invitation.used_at is not None:
        raise RespondentRefused(Refusal.INVITATION_USED)
    return invitation


def used_invitation_language(survey: Survey, token: str) -> str | None:
    """The language the response to a used invitation was given in (None: no such)."""
    invitation = find_invitation(survey, token)
    if invitation is None:
        return None
    return db.session.scalar(
        sa.select(SurveyResponse.language).where(SurveyResponse.invitation_id == invitation.id)
    )


def choose_language(definition: SurveyDefinition, wanted: str | None, fallback: str) -> str:
    """The respondent's pick if the survey has it, else the interface language, else the
    survey's default."""
    languages = response_languages(definition)
    for candidate in (wanted, fallback, definition.default_language):
        if candidate in languages:
            return candidate
    return languages[0]


def visible_pages(definition: SurveyDefinition, visible: set[str]) -> list[int]:
    return [
        index
        for index, page in enumerate(definition.pages)
        if any(question.name in visible for question in page.questions)
    ]


@dataclass(frozen=True)
class Progress:
    clean: dict[str, Any]
    visible: set[str]
    pages: list[int]


def progress(
    definition: SurveyDefinition,
    raw: Mapping[str, Any],
    codes: list[str] | None,
    today: dt.date | None = None,
) -> Progress:
    """Clean values so far and what they make visible (errors elsewhere are ignored);
    ``today`` defaults to the platform's date."""
    from webapp.surveys.answers import visible_questions

    today = today or platform_today(utcnow())
    if not raw:  # nothing answered yet: nothing to validate
        clean: dict[str, Any] = {}
    else:
        clean, _ = validate_answers(definition, None, raw, today=today, region_codes=codes)
    visible = visible_questions(definition, clean, today)
    return Progress(clean=clean, visible=visible, pages=visible_pages(definition, visible))


def page_values(definition: SurveyDefinition, page_index: int, form: Any) -> dict[str, Any]:
    """The raw answers of one page from a posted form (``answer-<name>`` fields)."""
    values: dict[str, Any] = {}
    for question in definition.pages[page_index].questions:
        if not question.takes_answer:
            continue
        key = ANSWER_PREFIX + question.name
        if question.type == "select_multiple":
            values[question.name] = [item for item in form.getlist(key) if item.strip()]
        else:
            values[question.name] = form.get(key)
    return values


def merge_page(
    definition: SurveyDefinition,
    page_index: int,
    raw: Mapping[str, Any],
    values: Mapping[str, Any],
) -> dict[str, Any]:
    """Earlier answers with this page's answers replaced (a blank answer removes one)."""
    merged = dict(raw)
    for question in definition.pages[page_index].questions:
        if not question.takes_answer:
            continue
        value = values.get(question.name)
        blank = value is None or value == [] or (isinstance(value, str) and not value.strip())
        if blank:
            merged.pop(question.name, None)
        else:
            merged[question.name] = value
    return merged


# --------------------------------------------------------------------------- the post


def process_post(
    survey: Survey,
    submission_id: str,
    posted: PostedPage,
    respondent: Respondent,
    now: dt.datetime | None = None,
    read: tuple[SurveyDraft | None, SurveyResponse | None] | None = None,
) -> Outcome:
    """Handle one page post. Flushes; the caller commits, or rolls back and calls again
    on IntegrityError (a concurrent duplicate), which then resolves to THANKS or CONFLICT.

    ``read``: the submission's draft and response as read with the survey in this
    transaction (``find_survey_and_submission``); None reads them here. A call after a
    rollback must pass None: what was read before it is stale."""
    now = now or utcnow()
    today = platform_today(now)
    # Draft and response in one snapshot: a concurrent post that stores the response deletes
    # the draft in the same commit, so if the draft is gone the response is seen.
    draft, existing = read if read is not None else find_draft_and_response(submission_id)
    if existing is not None:
        return _repeated_submission(survey, existing, posted)
    if draft is not None and draft.version.survey_id != survey.id:
        raise RespondentRefused(Refusal.CONFLICT)
    check_available(survey, now)
    if draft is None:
        draft = _start_draft(survey, submission_id, posted)
    definition = draft.version.load()
    if not 0 <= posted.page_index < len(definition.pages):
        raise SurveyError("The page number in the form is not valid.")
    codes = region_codes_for(definition)

    values = page_values(definition, posted.page_index, posted.form)
    raw = merge_page(definition, posted.page_index, draft.answers or {}, values)
    if posted.language:  # a language picked on any page holds from then on
        draft.language = choose_language(definition, posted.language, draft.language)
    draft.answers = raw
    draft.page_index = posted.page_index
    draft.updated_at = now

    if posted.action == "save":
        _keep(draft)
        return Outcome(Step.SAVED, draft=draft)
    if posted.action == "back":
        pages = progress(definition, raw, codes, today).pages
        earlier = [index for index in pages if index < posted.page_index]
        draft.page_index = earlier[-1] if earlier else (pages[0] if pages else 0)
        _keep(draft)
        return Outcome(Step.GO_TO_PAGE, draft=draft)

    # Which pages the answers show is only worked out when one could follow this page: no
    # page follows the definition's last one (``_finish`` validates the answers anyway).
    if posted.page_index == len(definition.pages) - 1:
        later = []
    else:
        later = [i for i in progress(definition, raw, codes, today).pages if i > posted.page_index]
    if not later:
        # The last page: ``_finish`` checks the whole survey once, this page's problems first.
        return _finish(survey, draft, definition, respondent, codes, now, posted.page_index)
    page = definition.pages[posted.page_index]
    _, errors = validate_answers(
        definition, page.name, raw, today=today, region_codes=codes, language=draft.language
    )
    if errors:
        _keep(draft)
        return Outcome(Step.SHOW_PAGE, draft=draft, errors=errors)
    draft.page_index = later[0]
    _keep(draft)
    return Outcome(Step.GO_TO_PAGE, draft=draft)


def _keep(draft: SurveyDraft) -> None:
    """Store the draft (a new one is added to the session only here: a one-page survey's
    first post stores the response and never needs it) and flush."""
    db.session.add(draft)
    db.session.flush()


def _start_draft(survey: Survey, submission_id: str, posted: PostedPage) -> SurveyDraft:
    invitation_id = None
    if survey.audience == Audience.INVITATION:
        invitation = check_invitation(survey, posted.invitation_token)
        other = draft_for_invitation(invitation)
        if other is not None:
            raise RespondentRefused(Refusal.INVITATION_IN_PROGRESS)
        invitation_id = invitation.id
    # The version read with the survey (one object per row in the session, as a get() by its
    # id would return): no look-up of its own.
    version = survey.current_version
    assert version is not None  # check_available made sure
    if posted.version_id is not None and posted.version_id != version.id:
        # The page was drawn from another version: one published since then would read
        # these answers against other questions (a page's answers dropped, or taken for
        # another question's). The draft keeps the version shown, if respondents could see
        # it (published) and it is this survey's; else the current one.
        shown = db.session.get(SurveyVersion, posted.version_id)
        if shown is not None and shown.survey_id == survey.id and shown.published_at is not None:
            version = shown
    definition = version.load()
    # Not added to the session yet: ``_keep`` adds it when it is stored.
    draft = SurveyDraft(
        submission_id=submission_id,
        survey_version_id=version.id,
        answers={},
        page_index=posted.page_index,
        language=choose_language(definition, posted.language, definition.default_language),
        invitation_id=invitation_id,
    )
    draft.version = version
    return draft


def _finish(
    survey: Survey,
    draft: SurveyDraft,
    definition: SurveyDefinition,
    respondent: Respondent,
    codes: list[str] | None,
    now: dt.datetime,
    page_index: int,
) -> Outcome:
    """Store the response after checking every answer; on a problem show the posted page
    (``page_index``) if the problem is there, else the first page with one."""
    clean, errors = validate_answers(
        definition,
        None,
        draft.answers,
        today=platform_today(now),
        region_codes=codes,
        language=draft.language,
    )
    if errors:
        # The same checks as a check of this page alone; failing that, an earlier page
        # became invalid (e.g. a later answer revealed a required question).
        on_this_page = {question.name for question in definition.pages[page_index].questions}
        if on_this_page & errors.keys():
            first = page_index
        else:
            first = min(definition.pages.index(definition.page_of(name)) for name in errors)
        draft.page_index = first
        _keep(draft)
        page_names = {question.name for question in definition.pages[first].questions}
        return Outcome(
            Step.SHOW_PAGE,
            draft=draft,
            errors={name: error for name, error in errors.items() if name in page_names},
        )
    if survey.audience == Audience.COUNCIL and respondent.council_id is None:
        raise RespondentRefused(Refusal.COUNCIL_ONLY)
    if draft.invitation_id is not None:
        invitation = db.session.get(Invitation, draft.invitation_id)
        if invitation is None or invitation.used_at is not None:
            raise RespondentRefused(Refusal.INVITATION_USED)
        invitation.used_at = now
    if sa.inspect(draft).persistent:
        db.session.delete(draft)
    # else a one-page survey: the draft made by this very post was never added to the session
    db.session.flush()  # the draft's removal and the invitation's use, in this transaction
    # A plain insert: nothing reads the response back as an object, and making, flushing
    # and tracking one cost more than the insert itself. The unique submission_id raises
    # IntegrityError here on a concurrent duplicate, as the flush did.
    db.session.connection().execute(
        _response_insert(),
        {
            "survey_id": survey.id,
            "survey_version_id": draft.survey_version_id,
            "submission_id": draft.submission_id,
            "content_hash": content_hash(clean),
            "language": draft.language,
            "region_code": _region_of(survey, definition, clean, respondent, codes),
            "council_id": respondent.council_id if survey.audience == Audience.COUNCIL else None,
            "respondent_user_id": (
                respondent.user_id if survey.audience == Audience.COUNCIL else None
            ),
            "invitation_id": draft.invitation_id,
            "submitted_at": now,
            "answers": clean,
        },
    )
    return Outcome(Step.THANKS, definition=definition, language=draft.language)


@functools.cache
def _response_insert() -> sa.Insert:
    return sa.insert(SurveyResponse.__table__)


def _region_of(
    survey: Survey,
    definition: SurveyDefinition,
    clean: Mapping[str, Any],
    respondent: Respondent,
    codes: list[str] | None,
) -> str | None:
    """The bound region, else the council's region, else the answer to the region question."""
    if survey.bound_region_code:
        return survey.bound_region_code
    if respondent.council_id is not None and survey.audience == Audience.COUNCIL:
        from webapp.surveys.models import Council

        council = db.session.get(Council, respondent.council_id)
        if council is not None and council.region_code:
            return council.region_code
    known = set(codes or ())
    for question in definition.region_questions():
        value = clean.get(question.name)
        if isinstance(value, str) and value in known:
            return value
    return None


def _repeated_submission(survey: Survey, existing: SurveyResponse, posted: PostedPage) -> Outcome:
    """A post for a submission already stored: the same content is a harmless retry."""
    if existing.survey_id != survey.id:
        raise RespondentRefused(Refusal.CONFLICT)
    definition = existing.version.load()
    thanks = Outcome(Step.THANKS, definition=definition, language=existing.language)
    if posted.action != "next":
        return thanks
    if not 0 <= posted.page_index < len(definition.pages):
        raise RespondentRefused(Refusal.CONFLICT)
    values = page_values(definition, posted.page_index, posted.form)
    raw = merge_page(definition, posted.page_index, existing.answers, values)
    clean, errors = validate_answers(
        definition,
        None,
        raw,
        today=platform_today(existing.submitted_at),
        region_codes=region_codes_for(definition),
    )
    if errors or content_hash(clean) != existing.content_hash:
        raise RespondentRefused(Refusal.CONFLICT)
    return thanks


# --------------------------------------------------------------------------- page display


@dataclass(frozen=True)
class ChoiceView:
    value: str
    label: str
    id: str
    selected: bool


@dataclass(frozen=True)
class QuestionView:
    """Everything a template needs to show one question accessibly."""

    name: str
    type: str
    widget: str  # text, textarea, number, decimal, date, radio, checkbox, select, ack, note
    field_name: str
    id: str
    label: str
    hint: str
    required: bool
    value: Any
    choices: list[ChoiceView]
    error: AnswerError | None
    minimum: str | None = None
    maximum: str | None = None
    step: str | None = None
    #: Shown although hidden by the answers so far, because its condition reads answers on
    #: this same page: without JavaScript the page cannot change as the person answers.
    conditional: bool = False
    #: (field name, value) when the condition is a plain "answer equals / includes value",
    #: so that the optional script can show the question only when it applies.
    show_if: tuple[str, str] | None = None

    @property
    def first_input_id(self) -> str:
        return self.choices[0].id if self.choices else self.id


@dataclass(frozen=True)
class PageView:
    definition: SurveyDefinition
    page_index: int
    title: str
    number: int  # 1-based position among visible pages
    total: int
    questions: list[QuestionView]
    is_first: bool
    is_last: bool
    language: str
    languages: list[str]


#: Choice lists up to this long are radio buttons; longer ones become a drop-down list.
MAX_RADIO_CHOICES = 12


def page_view(
    definition: SurveyDefinition,
    page_index: int | None,
    raw: Mapping[str, Any],
    language: str,
    errors: Mapping[str, AnswerError] | None = None,
) -> PageView:
    """Describe one page for display in ``language``; only visible questions are shown.
    ``page_index`` None means the first page that these answers show."""
    regions = current_regions() if asks_region(definition) else []
    codes = [region.code for region in regions] or None
    region_names = {region.code: region.name(language) for region in regions}
    state = progress(definition, raw, codes)
    if page_index is None:  # the first page shown for these answers
        page_index = state.pages[0] if state.pages else 0
    errors = errors or {}
    page = definition.pages[page_index]
    same_page = same_page_conditions(definition, page_index)
    unfiltered = filters_waiting_on_page(definition, page_index, state.clean)
    questions = [
        _question_view(
            definition,
            question,
            raw,
            state.clean,
            language,
            errors,
            codes,
            region_names,
            conditional=question.name in same_page and question.name not in state.visible,
            unfiltered=question.name in unfiltered,
        )
        for question in page.questions
        if question.name in state.visible or question.name in same_page
    ]
    # "Page N of M" counts the pages these answers make relevant, so M moves as skip logic
    # hides or shows pages (answering "no" to "Do you work?" drops the work page). Kept on
    # purpose: Enketo (the web forms of KoboToolbox and ODK Central) computes its progress
    # over what is relevant now in the same way (ODK Collect shows no count at all), and a
    # fixed M would promise respondents pages they are never shown, the form then ending at
    # "5 of 7". N is the position among those pages, so it never passes M.
    pages = state.pages or [page_index]
    if page_index not in pages:
        pages = sorted({*pages, page_index})
    number = pages.index(page_index) + 1
    return PageView(
        definition=definition,
        page_index=page_index,
        title=piped_text(
            definition.text(page.label, language), definition, state.clean, language, region_names
        )
        or definition.label(language),
        number=number,
        total=len(pages),
        questions=questions,
        is_first=number == 1,
        is_last=number == len(pages),
        language=language,
        languages=response_languages(definition),
    )


_EQUALS = re.compile(r"^\s*\$\{([A-Za-z_][\w.\-]*)\}\s*=\s*'([^']*)'\s*$")
_SELECTED = re.compile(r"^\s*selected\(\s*\$\{([A-Za-z_][\w.\-]*)\}\s*,\s*'([^']*)'\s*\)\s*$")


def simple_condition(relevant: str | None) -> tuple[str, str] | None:
    """``${q} = 'v'`` or ``selected(${q}, 'v')`` as (field name, value); else None."""
    for pattern in (_EQUALS, _SELECTED):
        match = pattern.match(relevant or "")
        if match:
            return ANSWER_PREFIX + match.group(1), match.group(2)
    return None


def same_page_conditions(definition: SurveyDefinition, page_index: int) -> set[str]:
    """Questions whose ``relevant`` reads an answer given on the same page."""
    page = definition.pages[page_index]
    names = {question.name for question in page.questions}
    found = set()
    for question in page.questions:
        if question.relevant and parse_cached(question.relevant).references & names:
            found.add(question.name)
    return found


def filters_waiting_on_page(
    definition: SurveyDefinition, page_index: int, clean: Mapping[str, Any]
) -> set[str]:
    """Selects whose ``choice_filter`` reads an answer of the same page not given yet
    (a district filtered by the state asked just above it). Filtered by the empty answer
    they would offer no choice at all, and a page cannot change as the person answers
    without JavaScript: they offer their whole list, and the filter still decides which
    answer is accepted when the page is sent."""
    page = definition.pages[page_index]
    names = {question.name for question in page.questions}
    waiting = set()
    for question in page.questions:
        if not question.choice_filter:
            continue
        read = parse_cached(question.choice_filter).references & names
        if any(clean.get(name) in (None, "", []) for name in read):
            waiting.add(question.name)
    return waiting


_REFERENCE = re.compile(r"\$\{([A-Za-z_][\w.\-]*)\}")


def piped_text(
    text: str,
    definition: SurveyDefinition,
    answers: Mapping[str, Any],
    language: str,
    region_names: Mapping[str, str],
) -> str:
    """``text`` with each ``${question}`` replaced by that question's answer as the
    respondent saw it (a choice's label, not its code), as ODK and Kobo show it: "You said
    you are ${age}" reads "You said you are 37". An unanswered or hidden question reads as
    nothing; a calculation (``Total: ${hh_size}``) is worked out from the answers; any other
    name is left as written. The result is
    plain text (escaped where it is shown)."""
    if "${" not in text:
        return text

    def answer(match: re.Match[str]) -> str:
        name = match.group(1)
        try:
            question = definition.question(name)
        except KeyError:
            calculated = definition.calculated_text(name, answers)
            return match.group(0) if calculated is None else calculated
        value = answers.get(name)
        if value is None or value == "" or value == []:
            return ""
        values = value if isinstance(value, list) else [value]
        if question.is_select:
            labels = {
                choice.name: definition.text(choice.label, language)
                for choice in definition.choices_for(question)
                if choice.label
            }
            if question.region:
                labels = {**region_names, **labels}
            return ", ".join(labels.get(str(item), str(item)) for item in values)
        return ", ".join(str(item) for item in values)

    return _REFERENCE.sub(answer, text)


#: How the characters a name may hold besides letters and digits are written in an element
#: id: each escape starts with "_" and has a fixed length, and none holds "-".
_ID_ESCAPES = {"_": "__", "-": "_h", ".": "_p"}


def question_element_id(name: str) -> str:
    """The HTML id of a question: one per name, and never the id of another question's hint,
    error or choice (those append "-hint", "-error", "-N", and no escaped name holds "-").
    Replacing every other character by "-" made 'a_b', 'a-b' and 'a.b' one id, and 'a'
    choice 0 the id of a question named 'a_0'."""
    return "q-" + "".join(
        ch if ch.isalnum() else _ID_ESCAPES.get(ch, f"_x{ord(ch):06x}") for ch in name
    )


def _question_view(
    definition: SurveyDefinition,
    question: Question,
    raw: Mapping[str, Any],
    clean: Mapping[str, Any],
    language: str,
    errors: Mapping[str, AnswerError],
    codes: list[str] | None,
    region_names: Mapping[str, str],
    conditional: bool = False,
    unfiltered: bool = False,
) -> QuestionView:
    field_name = ANSWER_PREFIX + question.name
    element_id = question_element_id(question.name)
    value = raw.get(question.name)
    choices: list[ChoiceView] = []
    minimum = maximum = step = None
    widget = {
        "text": "textarea" if "multiline" in (question.appearance or "") else "text",
        "integer": "number",
        "decimal": "decimal",
        "date": "date",
        "acknowledge": "ack",
        "note": "note",
    }.get(question.type, "text")
    if question.is_select:
        shown = replace(question, choice_filter=None) if unfiltered else question
        options = available_choices(definition, shown, clean, region_codes=codes)
        picked = value if isinstance(value, list) else [value] if value else []
        picked = [str(item) for item in picked]
        for position, choice in enumerate(options):
            label = definition.text(choice.label, language) if choice.label else ""
            if question.region and not label:
                label = region_names.get(choice.name, choice.name)
            choices.append(
                ChoiceView(
                    value=choice.name,
                    label=label or choice.name,
                    id=f"{element_id}-{position}",
                    selected=choice.name in picked,
                )
            )
        if question.type == "select_multiple":
            widget = "checkbox"
        elif len(choices) > MAX_RADIO_CHOICES:
            widget = "select"
        else:
            widget = "radio"
    elif question.type == "range":
        start, end, increment = parse_range_parameters(question.parameters)
        count = int(abs((end - start) / increment)) + 1
        if count <= MAX_RADIO_CHOICES:
            widget = "radio"
            current = str(value) if value is not None else None
            for position in range(count):
                number = start + increment * position
                text = format(number.normalize(), "f")
                choices.append(ChoiceView(text, text, f"{element_id}-{position}", current == text))
        else:
            widget = "decimal"
            minimum, maximum = str(min(start, end)), str(max(start, end))
            step = str(abs(increment))
    return QuestionView(
        name=question.name,
        type=question.type,
        widget=widget,
        field_name=field_name,
        id=element_id,
        label=piped_text(
            definition.text(question.label, language), definition, clean, language, region_names
        ),
        hint=piped_text(
            definition.text(question.hint, language), definition, clean, language, region_names
        )
        if question.hint
        else "",
        required=question.required,
        value=value,
        choices=choices,
        error=errors.get(question.name),
        minimum=minimum,
        maximum=maximum,
        step=step,
        conditional=conditional,
        show_if=simple_condition(question.relevant) if conditional else None,
    )


def open_public_surveys(now: dt.datetime) -> list[tuple[Survey, SurveyDefinition]]:
    """Surveys anyone may answer right now, newest first, with their current definitions."""
    candidates = db.session.scalars(
        sa.select(Survey)
        .where(Survey.state == SurveyState.OPEN, Survey.audience == Audience.PUBLIC)
        .order_by(Survey.created_at.desc(), Survey.id.desc())
    )
    return [
        (survey, survey.current_version.load())
        for survey in candidates
        if survey.is_accepting(now) and survey.current_version is not None
    ]
