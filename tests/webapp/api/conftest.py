"""Fixtures of the open-data API: a published run, an unpublished one, and the OpenAPI checker."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from tests.webapp.review.materialised import materialise_run

PUBLISHED = "run-published"
UNPUBLISHED = "run-unpublished"
#: A small set of units keeps the API tests fast; pagination is tested over them.
UNITS = ("KZ-10", "KZ-11", "KZ-15", "KZ-71", "KZ-75")


@pytest.fixture
def published(app, regions):
    """A published run over five units and a later, unpublished run with other numbers."""
    with app.app_context():
        run = materialise_run(PUBLISHED, UNITS, active=True)
        materialise_run(UNPUBLISHED, UNITS, active=False, offset=3.0, periods=("2019", "2024"))
    return run


class OpenApiChecker:
    """Validates response bodies against the schemas the served document declares."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        resource = Resource.from_contents(document, default_specification=DRAFT202012)
        self.registry = Registry().with_resource("urn:listening-state:openapi", resource)

    def schema_pointer(self, path: str, status: int) -> str:
        """JSON pointer to the documented schema of one response."""
        responses = self.document["paths"][path]["get"]["responses"]
        assert str(status) in responses, f"{path} does not document status {status}"
        response = responses[str(status)]
        if "$ref" in response:
            pointer = response["$ref"][1:]
        else:
            escaped = path.replace("~", "~0").replace("/", "~1")
            pointer = f"/paths/{escaped}/get/responses/{status}"
        return pointer + "/content/application~1json/schema"

    def validate(self, path: str, response) -> Any:
        """Check a response against ``path``'s documented schema (``/api/v1/regions/{code}``)."""
        assert response.mimetype == "application/json", response.get_data(as_text=True)[:200]
        reference = {
            "$ref": "urn:listening-state:openapi#" + self.schema_pointer(path, response.status_code)
        }
        validator = Draft202012Validator(reference, registry=self.registry)
        body = response.get_json()
        errors = sorted(validator.iter_errors(body), key=str)
        assert errors == [], "; ".join(error.message for error in errors[:5])
        return body

    def validate_error(self, response) -> dict[str, Any]:
        """Check an error against the document's ``Error`` schema, whatever the address: the
        one shape of every API error, documented per operation or not (405, 500, an address
        no route serves). Returns the ``error`` object."""
        assert response.mimetype == "application/json", response.get_data(as_text=True)[:200]
        reference = {"$ref": "urn:listening-state:openapi#/components/schemas/Error"}
        validator = Draft202012Validator(reference, registry=self.registry)
        body = response.get_json()
        errors = sorted(validator.iter_errors(body), key=str)
        assert errors == [], "; ".join(error.message for error in errors[:5])
        assert body["error"]["status"] == response.status_code
        return body["error"]


@pytest.fixture
def openapi(client) -> OpenApiChecker:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return OpenApiChecker(response.get_json())


#: Responses per (region, month): KZ-11 in February (4) is below the threshold of 10.
SURVEY_BLOCKS = {("KZ-10", 1): 30, ("KZ-11", 1): 14, ("KZ-11", 2): 4, ("KZ-75", 2): 40}
SECRET_COMMENT = "my neighbour Aigerim at 12 Abai street"


def _definition(form_id: str):
    from webapp.surveys.definition import Choice, Page, Question, SurveyDefinition

    likert = [Choice(str(i), {"en": f"Level {i}", "ru": f"Уровень {i}"}) for i in range(1, 4)]
    questions = [
        Question("region", "select_one", {"en": "Region"}, choice_list="region", region=True),
        Question("trust", "select_one", {"en": "Trust", "ru": "Доверие"}, choice_list="likert"),
        Question("household", "integer", {"en": "Household size"}),
        Question("comment", "text", {"en": "Comment"}),
    ]
    return SurveyDefinition(
        form_id=form_id,
        title={"en": f"Survey {form_id}", "ru": f"Опрос {form_id}", "kk": f"Сауалнама {form_id}"},
        languages=["en", "ru", "kk"],
        default_language="en",
        pages=[Page("main", {"en": "Questions"}, None, questions)],
        choice_lists={"likert": likert},
    )


def _insert_responses(survey_id: int, version_id: int, plan: dict) -> None:
    import sqlalchemy as sa

    from webapp.extensions import db
    from webapp.surveys.models import SurveyResponse

    rows = []
    index = 0
    for (region, month), count in plan.items():
        for _ in range(count):
            rows.append(
                {
                    "survey_id": survey_id,
                    "survey_version_id": version_id,
                    "submission_id": f"00000000-0000-4000-8000-{survey_id:04d}{index:08d}",
                    "content_hash": "0" * 64,
                    "language": ("ru", "en")[index % 2],
                    "region_code": region,
                    "submitted_at": datetime(2026, month, 1 + index % 27, 7, 0, tzinfo=UTC),
                    "answers": {
                        "region": region,
                        "trust": ("1", "2", "3", "3")[index % 4],
                        "household": 1 + index % 5,
                        "comment": SECRET_COMMENT,
                    },
                }
            )
            index += 1
    db.session.execute(sa.insert(SurveyResponse), rows)


@pytest.fixture
def surveys(app, regions) -> dict[str, int]:
    """An open, a closed, a draft citizen survey and an open council-feedback one (ids)."""
    from webapp.extensions import db
    from webapp.surveys.models import SurveyKind
    from webapp.surveys.services.authoring import close_survey, create_survey, open_survey

    ids = {}
    with app.app_context():
        for name in ("open", "closed", "draft", "council"):
            kind = SurveyKind.COUNCIL_FEEDBACK.value if name == "council" else None
            survey = create_survey(_definition(f"api_{name}"), slug=f"api-{name}", kind=kind)
            if name != "draft":
                open_survey(survey)
            if name == "closed":
                close_survey(survey)
            db.session.flush()
            _insert_responses(survey.id, survey.current_version_id, SURVEY_BLOCKS)
            ids[name] = survey.id
        db.session.commit()
    return ids
