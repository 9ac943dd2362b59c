"""Public councils: state bodies, councils, their members, and feedback summaries.

A council member's feedback is attributed to their council through ``CouncilMembership``;
the council is never taken from what the browser sends.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from webapp.audit.services import record
from webapp.auth.models import Role, User
from webapp.database import utcnow
from webapp.extensions import db
from webapp.regions.models import Region
from webapp.surveys.definition import SurveyDefinition, parse_range_parameters
from webapp.surveys.models import (
    Council,
    CouncilMembership,
    Level,
    StateBody,
    Survey,
    SurveyResponse,
    SurveyVersion,
)
from webapp.surveys.results.suppression import block_is_released
from webapp.surveys.services import SurveyError, _


@dataclass(frozen=True)
class Names:
    kk: str
    ru: str
    en: str

    def cleaned(self) -> Names:
        names = Names(self.kk.strip(), self.ru.strip(), self.en.strip())
        if not (names.kk and names.ru and names.en):
            raise SurveyError(_("Give the name in Kazakh, Russian and English."))
        if max(len(names.kk), len(names.ru), len(names.en)) > 300:
            raise SurveyError(_("A name may have at most 300 characters."))
        return names


def _check_level(level: str, region_code: str | None) -> str | None:
    if level not in tuple(Level):
        raise SurveyError(f"Unknown level '{level}'. Choose republican or local.")
    if level == Level.REPUBLICAN:
        return None
    if not region_code:
        raise SurveyError(_("A local body needs a region."))
    if db.session.get(Region, region_code) is None:
        raise SurveyError(_("The region %(code)s is not in the region registry.", code=region_code))
    return region_code


def create_state_body(
    names: Names, level: str, region_code: str | None = None, actor: Any = None
) -> StateBody:
    names = names.cleaned()
    region_code = _check_level(level, region_code)
    body = StateBody(
        name_kk=names.kk, name_ru=names.ru, name_en=names.en, level=level, region_code=region_code
    )
    db.session.add(body)
    db.session.flush()
    record("state_body.create", "state_body", body.id, {"name": names.en}, actor=actor)
    return body


def create_council(
    names: Names,
    state_body_id: int,
    level: str | None = None,
    region_code: str | None = None,
    actor: Any = None,
) -> Council:
    """A council of a state body; level and region default to the body's."""
    names = names.cleaned()
    body = db.session.get(StateBody, state_body_id)
    if body is None:
        raise SurveyError(f"There is no state body with id {state_body_id}.")
    level = level or body.level
    region_code = _check_level(level, region_code or body.region_code)
    council = Council(
        name_kk=names.kk,
        name_ru=names.ru,
        name_en=names.en,
        state_body_id=body.id,
        level=level,
        region_code=region_code,
    )
    db.session.add(council)
    db.session.flush()
    record("council.create", "council", council.id, {"name": names.en}, actor=actor)
    return council


def add_member(council: Council, email: str, actor: Any = None) -> CouncilMembership:
    """Only council-member accounts can join; each account joins a council once."""
    user = db.session.scalar(sa.select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise SurveyError(
            _("There is no account for %(email)s. Create it first.", email=email.strip())
        )
    if user.role != Role.COUNCIL_MEMBER:
        raise SurveyError(_("%(email)s is not a public council member account.", email=user.email))
    if find_membership(council.id, user.id) is not None:
        raise SurveyError(_("%(email)s is already a member of this council.", email=user.email))
    membership = CouncilMembership(council_id=council.id, user_id=user.id)
    db.session.add(membership)
    db.session.flush()
    record("council.add_member", "council", council.id, {"email": user.email}, actor=actor)
    return membership


def remove_member(council: Council, user_id: int, actor: Any = None) -> None:
    membership = find_membership(council.id, user_id)
    if membership is None:
        raise SurveyError(_("That account is not a member of this council."))
    email = membership.user.email if membership.user else ""
    db.session.delete(membership)
    db.session.flush()
    record("council.remove_member", "council", council.id, {"email": email}, actor=actor)


def find_membership(council_id: int, user_id: int) -> CouncilMembership | None:
    return db.session.scalar(
        sa.select(CouncilMembership).where(
            CouncilMembership.council_id == council_id, CouncilMembership.user_id == user_id
        )
    )


def member_councils(user_id: int, state_body_id: int | None = None) -> list[Council]:
    """Councils the account belongs to (optionally only those advising one state body)."""
    query = (
        sa.select(Council)
        .join(CouncilMembership, CouncilMembership.council_id == Council.id)
        .where(CouncilMembership.user_id == user_id)
        .order_by(Council.id)
    )
    if state_body_id is not None:
        query = query.where(Council.state_body_id == state_body_id)
    return list(db.session.scalars(query))


def all_state_bodies() -> list[StateBody]:
    return list(db.session.scalars(sa.select(StateBody).order_by(StateBody.level, StateBody.id)))


def all_councils() -> list[Council]:
    return list(db.session.scalars(sa.select(Council).order_by(Council.state_body_id, Council.id)))


def feedback_surveys_for(councils: Iterable[Council], now: datetime | None = None) -> list[Survey]:
    """Council-audience surveys a member of these councils may answer now: open, and inside
    their opening and closing dates (a dated form outside them would only say it is closed)."""
    body_ids = {council.state_body_id for council in councils}
    if not body_ids:
        return []
    now = now or utcnow()
    query = (
        sa.select(Survey)
        .where(Survey.audience == "council", Survey.state == "open")
        .where(sa.or_(Survey.state_body_id.is_(None), Survey.state_body_id.in_(body_ids)))
        .order_by(Survey.created_at.desc())
    )
    return [survey for survey in db.session.scalars(query) if survey.is_accepting(now)]


# --------------------------------------------------------------------------- summaries


def likert_questions(definition: SurveyDefinition) -> list[str]:
    """Rating questions whose mean makes sense: ranges, and single choices scored 1..n."""
    names = []
    for question in definition.questions():
        if question.type == "range":
            names.append(question.name)
        elif question.type == "select_one" and not question.region:
            choices = definition.choices_for(question)
            if len(choices) >= 3 and all(choice.name.isdigit() for choice in choices):
                names.append(question.name)
    return names


def rating_scale(definition: SurveyDefinition, name: str) -> tuple[float, float] | None:
    """Lowest and highest answer of a rating question, so that its mean can be read: the
    range's start and end (1 to 10 unless set), or the smallest and largest choice."""
    question = definition.question(name)
    if question.type == "range":
        try:
            start, end, _step = parse_range_parameters(question.parameters)
        except ValueError:
            return None
        return float(min(start, end)), float(max(start, end))
    values = [int(choice.name) for choice in definition.choices_for(question)]
    return (float(min(values)), float(max(values))) if values else None


@dataclass(frozen=True)
class QuestionAverage:
    name: str
    label: str
    count: int
    mean: float | None  # None when withheld (too few answers)
    #: (lowest, highest) possible answer, None when unknown.
    scale: tuple[float, float] | None = None
    #: Asked on this scale in earlier versions of the form only (a later version changed it).
    earlier_scale: bool = False


@dataclass(frozen=True)
class FormAverages:
    """The rating questions of one feedback form: answers are pooled within a form only."""

    survey_id: int
    title: str
    averages: list[QuestionAverage]


@dataclass(frozen=True)
class LatestFeedback:
    response: SurveyResponse
    #: (question label, written answer) for the free-text questions of the response.
    texts: list[tuple[str, str]]


@dataclass(frozen=True)
class FeedbackSummary:
    responses: int
    latest_at: datetime | None
    latest: list[LatestFeedback]
    forms: list[FormAverages]
    suppressed: bool
    #: The suppression threshold the viewer's figures went through (None: exact figures).
    threshold: int | None = None
    #: The councils the viewer is not a member of gave fewer responses than the threshold:
    #: the count is hidden (it would give theirs by difference).
    others_hidden: bool = False
    #: Some councils gave fewer responses than the threshold: their responses are left out
    #: of the latest feedback (date and list).
    unlisted: bool = False

    @property
    def averages(self) -> list[QuestionAverage]:
        return [average for form in self.forms for average in form.averages]


#: A rating question of one form on one scale: answers pooled under one average.
_RatingKey = tuple[int, str, tuple[float, float] | None]


def feedback_summary(
    *,
    council_ids: list[int],
    language: str,
    threshold: int | None,
    latest_count: int = 10,
    seen_council_ids: Iterable[int] = (),
) -> FeedbackSummary:
    """Counts, latest feedback and means of rating questions over these councils' responses.

    Means are per feedback form: two forms asking a question of the same name are two
    questions (other wording, other scale), so their answers are never pooled. Within a form
    the versions' answers are pooled while the question keeps its scale; a version that
    changed the scale starts a row of its own.

    With a ``threshold`` (viewers who are not analysts), figures over fewer responses than
    the threshold are withheld, so that no member's answers can be read off a small group.
    ``seen_council_ids`` are councils whose own summary the viewer also reads (a member's
    councils, on their state body's summary): a mean is withheld too while the answers of
    the other councils are fewer than the threshold, or subtracting the viewer's council
    from the body would give a small council's mean.
    """
    if not council_ids:
        return FeedbackSummary(0, None, [], [], False, threshold)
    condition = SurveyResponse.council_id.in_(council_ids)
    per_council = dict(
        db.session.execute(
            sa.select(SurveyResponse.council_id, sa.func.count())
            .where(condition)
            .group_by(SurveyResponse.council_id)
        ).all()
    )
    total = sum(per_council.values())
    # No response describes nobody: 0 is shown as 0, as the results pages show empty cells.
    suppressed = threshold is not None and total > 0 and not block_is_released(total, threshold)
    seen = set(seen_council_ids) & set(council_ids)
    # Whose responses may be listed (the latest date, the latest responses with their
    # council): a council's only once it holds k responses, as on its own summary. Listed on
    # the state body's summary, a small council's dates would tell when, and how often, its
    # few members answered.
    listed_councils = [
        council_id
        for council_id, count in per_council.items()
        if threshold is None or block_is_released(count, threshold)
    ]
    listed = SurveyResponse.council_id.in_(listed_councils)
    others = sum(count for council_id, count in per_council.items() if council_id not in seen)
    # Beside their own councils' counts a member would read the other councils' by difference.
    others_hidden = (
        threshold is not None
        and bool(seen)
        and others > 0
        and not block_is_released(others, threshold)
    )
    latest_at = None
    if listed_councils:
        latest_at = db.session.scalar(
            sa.select(sa.func.max(SurveyResponse.submitted_at)).where(listed)
        )
    latest_responses: list[SurveyResponse] = []
    if not suppressed and listed_councils:
        latest_responses = list(
            db.session.scalars(
                sa.select(SurveyResponse)
                .where(listed)
                .order_by(SurveyResponse.submitted_at.desc())
                .limit(latest_count)
            )
        )
    sums: dict[_RatingKey, list[float]] = {}
    unseen_counts: dict[_RatingKey, int] = {}
    labels: dict[_RatingKey, str] = {}
    newest_scale: dict[tuple[int, str], tuple[float, float] | None] = {}
    # Newest version first in each form: its wording and order of questions are the form's.
    versions = db.session.scalars(
        sa.select(SurveyVersion)
        .where(
            SurveyVersion.id.in_(
                sa.select(SurveyResponse.survey_version_id).where(condition).distinct()
            )
        )
        .order_by(SurveyVersion.survey_id, SurveyVersion.number.desc())
    )
    rating_by_version: dict[int, list[tuple[str, _RatingKey]]] = {}
    for version in versions:
        definition = version.load()
        keyed = []
        for name in likert_questions(definition):
            scale = rating_scale(definition, name)
            key = (version.survey_id, name, scale)
            keyed.append((name, key))
            labels.setdefault(key, definition.text(definition.question(name).label, language))
            newest_scale.setdefault((version.survey_id, name), scale)
        rating_by_version[version.id] = keyed
    rows = db.session.execute(
        sa.select(
            SurveyResponse.survey_version_id, SurveyResponse.council_id, SurveyResponse.answers
        ).where(condition)
    )
    for version_id, council_id, answers in rows:
        for name, key in rating_by_version.get(version_id, []):
            value = answers.get(name)
            try:
                number = float(value)
            except (TypeError, ValueError):
                continue
            sums.setdefault(key, []).append(number)
            if council_id not in seen:
                unseen_counts[key] = unseen_counts.get(key, 0) + 1
    by_form: dict[int, list[QuestionAverage]] = {}
    for key, label in labels.items():
        survey_id, name, scale = key
        values = sums.get(key, [])
        unseen = unseen_counts.get(key, 0)
        withheld = threshold is not None and (
            not block_is_released(len(values), threshold)
            or (bool(seen) and unseen > 0 and not block_is_released(unseen, threshold))
        )
        mean = None if withheld or not values else round(sum(values) / len(values), 2)
        by_form.setdefault(survey_id, []).append(
            QuestionAverage(
                name,
                label,
                len(values),
                mean,
                scale,
                earlier_scale=newest_scale[(survey_id, name)] != scale,
            )
        )
    surveys = {
        survey.id: survey
        for survey in db.session.scalars(sa.select(Survey).where(Survey.id.in_(by_form)))
    }
    forms = [
        FormAverages(survey_id, _form_title(surveys[survey_id], language), averages)
        for survey_id, averages in sorted(by_form.items())
    ]
    latest = []
    definitions: dict[int, SurveyDefinition] = {}
    for response in latest_responses:
        if response.survey_version_id not in definitions:
            definitions[response.survey_version_id] = response.version.load()
        definition = definitions[response.survey_version_id]
        texts = [
            (definition.text(question.label, language), str(response.answers[question.name]))
            for question in definition.questions()
            if question.type == "text" and response.answers.get(question.name)
        ]
        latest.append(LatestFeedback(response, texts))
    return FeedbackSummary(
        total,
        latest_at,
        latest,
        forms,
        suppressed,
        threshold,
        others_hidden,
        unlisted=len(listed_councils) < len(per_council),
    )


def _form_title(survey: Survey, language: str) -> str:
    """The form's title as its current version words it (the slug if it has none)."""
    version = survey.current_version
    return version.load().label(language) if version is not None else survey.slug
