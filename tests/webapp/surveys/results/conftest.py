"""A survey with stored responses, inserted directly, for the results tests.

Tests reach these helpers through fixtures (``--import-mode=importlib`` puts no test folder
on ``sys.path``): ``stored_survey``, ``add_responses``, ``response_blocks``,
``results_definition_factory``.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from webapp.surveys.definition import Choice, Page, Question, SurveyDefinition


def results_definition() -> SurveyDefinition:
    likert = [
        Choice(str(i), {"en": f"Level {i}", "ru": f"Уровень {i}", "kk": f"Деңгей {i}"})
        for i in range(1, 6)
    ]
    services = [Choice(code, {"en": code.upper()}) for code in ("psc", "egov", "health")]
    questions = [
        Question("consent", "acknowledge", {"en": "I agree"}),
        Question("region", "select_one", {"en": "Region"}, choice_list="region", region=True),
        Question(
            "trust",
            "select_one",
            {"en": "Trust in the akimat", "ru": "Доверие акимату"},
            choice_list="likert",
        ),
        Question("services", "select_multiple", {"en": "Services used"}, choice_list="services"),
        Question("household", "integer", {"en": "Household size"}),
        Question(
            "score", "range", {"en": "Score"}, parameters={"start": "1", "end": "5", "step": "1"}
        ),
        Question("visited", "date", {"en": "Last visit"}),
        Question("comment", "text", {"en": "Comment"}),
    ]
    return SurveyDefinition(
        form_id="results_test",
        title={"en": "Results test survey", "ru": "Тестовый опрос", "kk": "Сынақ сауалнамасы"},
        languages=["en", "ru", "kk"],
        default_language="en",
        pages=[Page("main", {"en": "Questions"}, None, questions)],
        choice_lists={"likert": likert, "services": services},
    )


#: Responses per (region, month): a small block (4) and an empty one show suppression.
BLOCKS = {
    ("KZ-10", 1): 30,
    ("KZ-10", 2): 25,
    ("KZ-11", 1): 14,
    ("KZ-11", 2): 4,
    ("KZ-75", 2): 40,
}


@dataclass
class StoredSurvey:
    survey_id: int
    rows: list[dict[str, Any]] = field(default_factory=list)

    def responses(self, region: str | None = None, months: tuple[int, ...] | None = None):
        return [
            row
            for row in self.rows
            if (region is None or row["region_code"] == region)
            and (months is None or row["submitted_at"].month in months)
        ]


def make_answers(rng: random.Random, index: int, region: str) -> dict[str, Any]:
    answers: dict[str, Any] = {"consent": "OK", "region": region}
    answers["trust"] = rng.choice("12345")
    if rng.random() < 0.9:
        answers["services"] = sorted(rng.sample(["psc", "egov", "health"], rng.randint(1, 2)))
    answers["household"] = rng.randint(1, 7)
    answers["score"] = rng.randint(1, 5)
    answers["visited"] = f"2025-{rng.randint(10, 12):02d}-{rng.randint(1, 28):02d}"
    if index % 3 == 0:
        answers["comment"] = rng.choice(
            ["=cmd|' /C calc'!A0", "Roads are bad", "+7 701", "Спасибо"]
        )
    return answers


def insert_responses(
    survey_id: int,
    version_id: int,
    plan: dict,
    seed: int = 7,
    start_index: int = 0,
    year: int = 2026,
) -> list[dict[str, Any]]:
    """Insert responses for each (region, month) of ``plan`` (months of ``year``, or
    (year, month) pairs); returns the rows as inserted."""
    from webapp.extensions import db
    from webapp.surveys.models import SurveyResponse

    rng = random.Random(seed)
    rows = []
    index = start_index
    for (region, when), count in plan.items():
        block_year, month = when if isinstance(when, tuple) else (year, when)
        for _ in range(count):
            # Noon in Almaty, days spread over the month: unambiguous local days.
            moment = datetime(block_year, month, 1 + index % 27, 7, 0, tzinfo=UTC) + timedelta(
                minutes=index % 50
            )
            answers = make_answers(rng, index, region)
            rows.append(
                {
                    "survey_id": survey_id,
                    "survey_version_id": version_id,
                    "submission_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                    "content_hash": "0" * 64,
                    "language": ("kk", "ru", "ru", "en")[index % 4],
                    "region_code": region,
                    "submitted_at": moment,
                    "answers": answers,
                }
            )
            index += 1
    db.session.execute(sa.insert(SurveyResponse), rows)
    db.session.commit()
    return rows


@pytest.fixture
def response_blocks() -> dict:
    return dict(BLOCKS)


@pytest.fixture
def results_definition_factory():
    """``results_definition()``: the survey definition of these tests, built anew."""
    return results_definition


@pytest.fixture
def add_responses():
    """``add_responses(survey_id, version_id, {(region, month): count}, seed, start_index,
    year)``; a month may be a (year, month) pair."""
    return insert_responses


@pytest.fixture
def stored_survey(app, regions) -> StoredSurvey:
    """An open survey with the responses of ``BLOCKS``, committed."""
    from webapp.extensions import db
    from webapp.surveys.services.authoring import create_survey, open_survey

    with app.app_context():
        survey = create_survey(results_definition(), slug="results-test")
        open_survey(survey)
        db.session.commit()
        rows = insert_responses(survey.id, survey.current_version_id, BLOCKS)
        return StoredSurvey(survey.id, rows)
