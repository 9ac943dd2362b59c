"""Demo content: the two shipped XLSForms, state bodies, councils and SYNTHETIC responses.

Everything here is generated from a seeded random generator and labelled as synthetic on
the surveys themselves. Responses are made to look plausible for charts and indicators:
regions differ, ratings drift over the 24 months, and every answer follows the form's skip
logic (hidden questions are absent): pages and questions are generated in form order and
only when their ``relevant`` expression holds, evaluated by the survey expression engine.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext

from webapp.auth.models import User
from webapp.database import utcnow
from webapp.extensions import db
from webapp.regions.models import Region
from webapp.surveys.councils import Names, create_council, create_state_body
from webapp.surveys.definition import Question, SurveyDefinition
from webapp.surveys.demo_forms import demo_form_path
from webapp.surveys.expressions import ExpressionError, parse
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


def note_in_language(note: str) -> str:
    """The survey's note as a page shows it. The stored demo note carries kk, ru and en
    together (it is stored once, for readers with no page language); a page in one
    language shows only that language's sentence. Any other note is shown as written."""
    if note.strip() == SYNTHETIC_NOTE:
        return gettext("Synthetic demo data: the responses were generated, not collected.")
    return note


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
    rng = random.Random(SEED)

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
    council_rows = _council_rows(feedback, councils, member, rng, council_responses, now)
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


class _Relevance:
    """Relevance of pages and questions, evaluated in form order with a cache.

    Generation goes through the form in order, so an expression only reads answers given
    before it; caching on the values it reads makes 10,000 respondents cheap.
    """

    def __init__(self) -> None:
        self.parsed: dict[str, tuple[Any, list[str]]] = {}
        self.cache: dict[tuple, bool] = {}
        self.today = date.today()

    def holds(self, text: str | None, answers: Mapping[str, Any]) -> bool:
        if not text:
            return True
        if text not in self.parsed:
            expression = parse(text)
            self.parsed[text] = (expression, sorted(expression.references))
        expression, names = self.parsed[text]
        key = (text, *(_frozen(answers.get(name)) for name in names))
        if key not in self.cache:
            try:
                self.cache[key] = expression.evaluate_bool(answers, today=self.today)
            except ExpressionError:
                self.cache[key] = False
        return self.cache[key]

    def allows(self, constraint: str | None, answers: Mapping[str, Any], value: Any) -> bool:
        """Whether ``value`` meets the question's constraint (``.`` is the value)."""
        if not constraint:
            return True
        if constraint not in self.parsed:
            expression = parse(constraint)
            self.parsed[constraint] = (expression, sorted(expression.references))
        expression, _ = self.parsed[constraint]
        try:
            return expression.evaluate_bool(answers, current=value, today=self.today)
        except ExpressionError:
            return False


def _frozen(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def _moments(rng: random.Random, count: int, now: datetime) -> list[datetime]:
    """Submission times over the last 24 months, a little busier lately."""
    start = (now - timedelta(days=30.44 * MONTHS)).timestamp()
    span = now.timestamp() - start - 3600
    fractions = sorted(rng.random() ** 0.5 * 0.4 + rng.random() * 0.6 for _ in range(count))
    return [datetime.fromtimestamp(start + f * span, tz=UTC) for f in fractions]


def _likert(mood: float, rng: random.Random, size: int = 5) -> str:
    value = round(3 + mood + rng.gauss(0, 0.9))
    return str(min(max(value, 1), size))


def _generate(
    definition: SurveyDefinition,
    relevance: _Relevance,
    rng: random.Random,
    mood: float,
    fixed: Mapping[str, Any],
    text_for: Callable[[Question], str | None],
    choice_weights: Mapping[str, list[float]],
) -> dict[str, Any]:
    """Answers in form order, only for the pages and questions that are shown."""
    answers: dict[str, Any] = {}
    for page in definition.pages:
        if not relevance.holds(page.relevant, answers):
            continue
        for question in page.questions:
            if not question.takes_answer or not relevance.holds(question.relevant, answers):
                continue
            for _attempt in range(20):  # draw again until the form's constraint holds
                value = _answer(definition, question, rng, mood, fixed, text_for, choice_weights)
                if value is None or relevance.allows(question.constraint, answers, value):
                    break
            else:
                value = None
            if value is not None:
                answers[question.name] = value
    return answers


def _answer(
    definition: SurveyDefinition,
    question: Question,
    rng: random.Random,
    mood: float,
    fixed: Mapping[str, Any],
    text_for: Callable[[Question], str | None],
    choice_weights: Mapping[str, list[float]],
) -> Any:
    if question.name in fixed:
        return fixed[question.name]
    choices = [choice.name for choice in definition.choices_for(question)]
    if question.type == "acknowledge":
        return "OK"
    if question.type == "select_one" and choices:
        if all(choice.isdigit() for choice in choices):
            return _likert(mood, rng, len(choices))
        weights = choice_weights.get(question.name)
        return rng.choices(choices, weights=weights)[0]
    if question.type == "select_multiple" and choices:
        ordinary = [choice for choice in choices if choice != "none"]
        if "none" in choices and rng.random() < 0.1:
            return ["none"]
        picked = set(rng.sample(ordinary, rng.randint(1, min(3, len(ordinary)))))
        return [choice for choice in ordinary if choice in picked]
    if question.type == "integer":
        return rng.randint(0, 8)
    if question.type == "text":
        return text_for(question) or None
    return None


def _row(
    survey: Survey,
    answers: dict[str, Any],
    language: str,
    region: str | None,
    moment: datetime,
    rng: random.Random,
    **extra: Any,
) -> dict[str, Any]:
    return {
        "survey_id": survey.id,
        "survey_version_id": survey.current_version_id,
        "submission_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "content_hash": content_hash(answers),
        "language": language,
        "region_code": region,
        "submitted_at": moment,
        "answers": answers,
        **extra,
    }


def _dirichlet(rng: random.Random, size: int, concentration: float) -> list[float]:
    draws = [rng.gammavariate(concentration, 1.0) for _ in range(size)]
    total = sum(draws)
    return [draw / total for draw in draws]


def _citizen_rows(
    survey: Survey, regions: list[Region], rng: random.Random, count: int, now: datetime
) -> list[dict[str, Any]]:
    definition = survey.current_version.load()
    relevance = _Relevance()
    codes = [region.code for region in regions]
    weights = [POPULATION_WEIGHT.get(code, 1.0) for code in codes]
    # Each region has its own level and its own drift over the two years.
    level = {code: rng.gauss(0, 0.45) for code in codes}
    trend = {code: rng.gauss(0.05, 0.35) for code in codes}
    choice_weights: dict[str, dict[str, list[float]]] = {code: {} for code in codes}
    for question in definition.questions():
        choices = definition.choices_for(question)
        if question.type == "select_one" and choices and not choices[0].name.isdigit():
            for code in codes:
                choice_weights[code][question.name] = _dirichlet(rng, len(choices), 1.5)
    start = now - timedelta(days=30.44 * MONTHS)
    rows = []
    for moment in _moments(rng, count, now):
        code = rng.choices(codes, weights=weights)[0]
        months = (moment - start).days / 30.44
        mood = level[code] + trend[code] * (months / MONTHS - 0.5) * 2 + rng.gauss(0, 0.6)
        language = rng.choices(("kk", "ru", "en"), weights=(0.55, 0.4, 0.05))[0]

        def text_for(question: Question, language: str = language) -> str | None:
            if question.name.endswith("_other"):
                return COMMENTS[language][0]
            return rng.choice(COMMENTS[language]) if rng.random() < 0.1 else None

        fixed = {question.name: code for question in definition.region_questions()}
        answers = _generate(definition, relevance, rng, mood, fixed, text_for, choice_weights[code])
        rows.append(_row(survey, answers, language, code, moment, rng))
    return rows


def _council_rows(
    survey: Survey,
    councils: list[Council],
    member: User | None,
    rng: random.Random,
    count: int,
    now: datetime,
) -> list[dict[str, Any]]:
    definition = survey.current_version.load()
    relevance = _Relevance()
    moods = [rng.gauss(0, 0.5) for _ in councils]
    rows = []
    for moment in _moments(rng, count, now):
        index = rng.randrange(len(councils))
        council = councils[index]
        language = rng.choice(("kk", "ru"))
        # A local council's feedback carries its region; a republican council's has none.
        region = council.region_code

        def text_for(question: Question, language: str = language) -> str:
            return rng.choice(COMMENTS[language]) if rng.random() < 0.3 else ""

        fixed = {question.name: region for question in definition.region_questions()}
        mood = moods[index] + rng.gauss(0, 0.5)
        answers = _generate(definition, relevance, rng, mood, fixed, text_for, {})
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
