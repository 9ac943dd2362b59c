"""Demo content: the two shipped XLSForms, state bodies, councils and SYNTHETIC responses.

Everything here is generated from a seeded random generator and labelled as synthetic on
the surveys themselves. Responses are made to look plausible for charts and indicators:
regions differ, ratings drift over the 24 months, and every answer follows the form's skip
logic (hidden questions are absent), because visibility is computed by the same
``visible_questions`` the respondent pages use.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import sqlalchemy as sa

from webapp.auth.models import User
from webapp.database import utcnow
from webapp.extensions import db
from webapp.regions.models import Region
from webapp.surveys.answers import visible_questions
from webapp.surveys.councils import Names, create_council, create_state_body
from webapp.surveys.definition import Question, SurveyDefinition
from webapp.surveys.demo_forms import demo_form_path
from webapp.surveys.expressions import parse
from webapp.surveys.models import (
    Council,
    CouncilMembership,
    Survey,
    SurveyResponse,
)
from webapp.surveys.services.authoring import create_survey, open_survey, read_definition
from webapp.surveys.services.responding import content_hash

CITIZEN_SLUG = "citizen-survey"
COUNCIL_SLUG = "council-feedback"
DEMO_MEMBER_EMAIL = "council@demo.listening-state.kz"
SYNTHETIC_NOTE = (
    "Синтетикалық демо деректер · Синтетические демонстрационные данные · "
    "Synthetic demo data: the responses were generated, not collected."
)
MONTHS = 24
SEED = 20261127

#: Rough population shares used to spread citizen responses (largest cities weigh most).
POPULATION_WEIGHT = {"KZ-75": 2.2, "KZ-71": 1.5, "KZ-79": 1.2, "KZ-61": 2.0, "KZ-19": 1.5}

STATE_BODIES = (
    {
        "names": Names(
            "Алматы қаласының әкімдігі", "Акимат города Алматы", "Akimat of Almaty city"
        ),
        "level": "local",
        "region": "KZ-75",
        "council": Names(
            "Алматы қаласы әкімдігінің қоғамдық кеңесі",
            "Общественный совет акимата города Алматы",
            "Public council of the Akimat of Almaty city",
        ),
    },
    {
        "names": Names(
            "Астана қаласының әкімдігі", "Акимат города Астаны", "Akimat of Astana city"
        ),
        "level": "local",
        "region": "KZ-71",
        "council": Names(
            "Астана қаласы әкімдігінің қоғамдық кеңесі",
            "Общественный совет акимата города Астаны",
            "Public council of the Akimat of Astana city",
        ),
    },
    {
        "names": Names(
            "Қазақстан Республикасының Еңбек және халықты әлеуметтік қорғау министрлігі",
            "Министерство труда и социальной защиты населения Республики Казахстан",
            "Ministry of Labour and Social Protection of the Population",
        ),
        "level": "republican",
        "region": None,
        "council": Names(
            "Еңбек және халықты әлеуметтік қорғау министрлігінің қоғамдық кеңесі",
            "Общественный совет Министерства труда и социальной защиты населения",
            "Public council of the Ministry of Labour and Social Protection",
        ),
    },
)

COMMENTS = {
    "kk": ["Жолдарды жөндеу керек.", "Емханада кезек ұзақ.", "Рақмет, бәрі жақсы."],
    "ru": ["Нужно отремонтировать дороги.", "Долгие очереди в поликлинике.", "Спасибо."],
    "en": ["The roads need repair.", "Queues at the clinic are long.", "Thank you."],
}


def load_demo_surveys(citizen_responses: int = 10_000, council_responses: int = 200) -> str:
    """Idempotent: does nothing when the demo citizen survey already exists."""
    if db.session.scalar(sa.select(Survey.id).where(Survey.slug == CITIZEN_SLUG)):
        return "already loaded"
    regions = [
        region
        for region in db.session.scalars(sa.select(Region).order_by(Region.position))
        if region.is_current
    ]
    if not regions:
        return "skipped: load the region registry first (flask regions load)"
    rng = np.random.default_rng(SEED)

    citizen = create_survey(
        read_definition(demo_form_path("listening_state_citizen.xlsx")),
        slug=CITIZEN_SLUG,
        audience="public",
        source_filename="listening_state_citizen.xlsx",
        note=SYNTHETIC_NOTE,
    )
    open_survey(citizen)
    councils = _councils()
    feedback = create_survey(
        read_definition(demo_form_path("council_feedback.xlsx")),
        slug=COUNCIL_SLUG,
        audience="council",
        source_filename="council_feedback.xlsx",
        note=SYNTHETIC_NOTE,
    )
    open_survey(feedback)
    member = db.session.scalar(sa.select(User).where(User.email == DEMO_MEMBER_EMAIL))
    if member is not None:
        db.session.add(CouncilMembership(council_id=councils[0].id, user_id=member.id))
    db.session.flush()

    now = utcnow()
    citizen_rows = _citizen_rows(citizen, regions, rng, citizen_responses, now)
    council_rows = _council_rows(feedback, councils, regions, member, rng, council_responses, now)
    for rows in (citizen_rows, council_rows):
        for start in range(0, len(rows), 2000):
            db.session.execute(sa.insert(SurveyResponse), rows[start : start + 2000])
    db.session.flush()
    return (
        f"{len(citizen_rows)} synthetic citizen responses, {len(council_rows)} synthetic "
        f"council responses, {len(councils)} councils"
    )


def _councils() -> list[Council]:
    councils = []
    for spec in STATE_BODIES:
        body = create_state_body(spec["names"], spec["level"], spec["region"])
        councils.append(create_council(spec["council"], body.id))
    return councils


class _Visibility:
    """visible_questions, cached on the answers that relevance expressions read."""

    def __init__(self, definition: SurveyDefinition) -> None:
        self.definition = definition
        names: set[str] = set()
        for page in definition.pages:
            if page.relevant:
                names |= parse(page.relevant).references
            for question in page.questions:
                if question.relevant:
                    names |= parse(question.relevant).references
        self.inputs = sorted(names)
        self.cache: dict[tuple, set[str]] = {}

    def __call__(self, answers: Mapping[str, Any]) -> set[str]:
        key = tuple(
            tuple(value) if isinstance(value := answers.get(name), list) else value
            for name in self.inputs
        )
        if key not in self.cache:
            self.cache[key] = visible_questions(self.definition, answers)
        return self.cache[key]


def _moments(rng: np.random.Generator, count: int, now: datetime) -> list[datetime]:
    """Submission times over the last 24 months, a little busier lately."""
    start = (now - timedelta(days=30.44 * MONTHS)).timestamp()
    span = now.timestamp() - start - 3600
    fractions = np.sqrt(rng.random(count)) * 0.4 + rng.random(count) * 0.6
    return [datetime.fromtimestamp(start + f * span, tz=UTC) for f in np.sort(fractions)]


def _likert(mood: float, rng: np.random.Generator, size: int = 5) -> str:
    value = round(3 + mood + rng.normal(0, 0.9))
    return str(min(max(value, 1), size))


def _generate(
    definition: SurveyDefinition,
    visibility: _Visibility,
    rng: np.random.Generator,
    mood: float,
    fixed: Mapping[str, Any],
    text_for: Callable[[Question], str | None],
    choice_weights: Mapping[str, np.ndarray],
) -> dict[str, Any]:
    """Answers for every question, then the hidden ones removed by the form's own logic."""
    answers: dict[str, Any] = {}
    for question in definition.questions():
        name = question.name
        if name in fixed:
            answers[name] = fixed[name]
            continue
        choices = [choice.name for choice in definition.choices_for(question)]
        if question.type == "acknowledge":
            answers[name] = "OK"
        elif question.type == "select_one" and choices:
            if all(choice.isdigit() for choice in choices):
                answers[name] = _likert(mood, rng, len(choices))
            else:
                weights = choice_weights.get(name)
                answers[name] = str(rng.choice(choices, p=weights))
        elif question.type == "select_multiple" and choices:
            ordinary = [choice for choice in choices if choice != "none"]
            if "none" in choices and rng.random() < 0.1:
                answers[name] = ["none"]
            else:
                count = int(rng.integers(1, min(3, len(ordinary)) + 1))
                picked = rng.choice(ordinary, size=count, replace=False)
                answers[name] = [choice for choice in ordinary if choice in set(picked)]
        elif question.type == "integer":
            answers[name] = int(rng.integers(0 if "0" in (question.constraint or "") else 1, 7))
        elif question.type == "text":
            text = text_for(question)
            if text:
                answers[name] = text
    visible = visibility(answers)
    return {name: value for name, value in answers.items() if name in visible}


def _row(
    survey: Survey,
    answers: dict[str, Any],
    language: str,
    region: str | None,
    moment: datetime,
    rng: np.random.Generator,
    **extra: Any,
) -> dict[str, Any]:
    return {
        "survey_id": survey.id,
        "survey_version_id": survey.current_version_id,
        "submission_id": str(uuid.UUID(bytes=rng.bytes(16), version=4)),
        "content_hash": content_hash(answers),
        "language": language,
        "region_code": region,
        "submitted_at": moment,
        "answers": answers,
        **extra,
    }


def _citizen_rows(
    survey: Survey, regions: list[Region], rng: np.random.Generator, count: int, now: datetime
) -> list[dict[str, Any]]:
    definition = survey.current_version.load()
    visibility = _Visibility(definition)
    codes = [region.code for region in regions]
    weights = np.array([POPULATION_WEIGHT.get(code, 1.0) for code in codes])
    weights /= weights.sum()
    level = dict(zip(codes, rng.normal(0, 0.45, len(codes)), strict=True))
    trend = dict(zip(codes, rng.normal(0.05, 0.35, len(codes)), strict=True))
    problem_weights: dict[str, np.ndarray] = {}
    try:
        problems = [c.name for c in definition.choices_for(definition.question("main_problem"))]
        for code in codes:
            problem_weights[code] = rng.dirichlet(np.full(len(problems), 1.5))
    except KeyError:
        problems = []
    start = now - timedelta(days=30.44 * MONTHS)
    rows = []
    languages = np.array(["kk", "ru", "en"])
    for moment in _moments(rng, count, now):
        code = str(rng.choice(codes, p=weights))
        months = (moment - start).days / 30.44
        mood = level[code] + trend[code] * (months / MONTHS - 0.5) * 2 + rng.normal(0, 0.6)
        language = str(rng.choice(languages, p=[0.55, 0.4, 0.05]))
        choice_weights = {"main_problem": problem_weights[code]} if problems else {}

        def text_for(question: Question, language: str = language) -> str | None:
            if question.name.endswith("_other"):
                return COMMENTS[language][0]
            return COMMENTS[language][int(rng.integers(0, 3))] if rng.random() < 0.1 else None

        fixed = {}
        for question in definition.region_questions():
            fixed[question.name] = code
        answers = _generate(definition, visibility, rng, mood, fixed, text_for, choice_weights)
        rows.append(_row(survey, answers, language, code, moment, rng))
    return rows


def _council_rows(
    survey: Survey,
    councils: list[Council],
    regions: list[Region],
    member: User | None,
    rng: np.random.Generator,
    count: int,
    now: datetime,
) -> list[dict[str, Any]]:
    definition = survey.current_version.load()
    visibility = _Visibility(definition)
    codes = [region.code for region in regions]
    moods = rng.normal(0, 0.5, len(councils))
    rows = []
    for moment in _moments(rng, count, now):
        index = int(rng.integers(0, len(councils)))
        council = councils[index]
        language = str(rng.choice(["kk", "ru"], p=[0.5, 0.5]))
        region = council.region_code or str(rng.choice(codes))
        body_name = council.state_body.name(language)

        def text_for(question: Question, language: str = language, body: str = body_name) -> str:
            if question.name == "state_body_name":
                return body
            return COMMENTS[language][int(rng.integers(0, 3))] if rng.random() < 0.3 else ""

        fixed = {question.name: region for question in definition.region_questions()}
        answers = _generate(
            definition,
            visibility,
            rng,
            float(moods[index]) + rng.normal(0, 0.5),
            fixed,
            text_for,
            {},
        )
        attributed = member is not None and index == 0
        rows.append(
            _row(
                survey,
                answers,
                language,
                region,
                moment,
                rng,
                council_id=council.id,
                respondent_user_id=member.id if attributed else None,
            )
        )
    return rows
