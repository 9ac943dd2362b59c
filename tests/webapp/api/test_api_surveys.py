"""Survey results in the open-data API: published citizen surveys only, always suppressed."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.webapp.api.conftest import SECRET_COMMENT


def test_only_open_and_closed_citizen_surveys_are_listed(client, surveys, openapi):
    body = openapi.validate("/api/v1/surveys", client.get("/api/v1/surveys"))
    assert {item["id"] for item in body["data"]} == {surveys["open"], surveys["closed"]}
    assert {item["state"] for item in body["data"]} == {"open", "closed"}
    listed = next(item for item in body["data"] if item["id"] == surveys["open"])
    assert listed["titles"]["ru"] == "Опрос api_open"
    assert listed["results"] == f"/api/v1/surveys/{surveys['open']}/results"


def test_drafts_and_council_feedback_have_no_public_results(client, surveys):
    for hidden in ("draft", "council"):
        response = client.get(f"/api/v1/surveys/{surveys[hidden]}/results")
        assert response.status_code == 404
        assert response.mimetype == "application/json"


def test_results_are_suppressed_and_carry_no_free_text(client, surveys, openapi):
    path = "/api/v1/surveys/{survey_id}/results"
    response = client.get(f"/api/v1/surveys/{surveys['closed']}/results?lang=ru")
    body = openapi.validate(path, response)
    # KZ-11 in February holds 4 responses: below the threshold, its block is left out.
    assert body["responses"] == 30 + 14 + 40
    assert body["unreleased_blocks"] is True
    by_region = {row["region"]: row for row in body["by_region"]}
    assert by_region["KZ-11"]["count"] == 14 and by_region["KZ-11"]["partial"] is True
    trust = next(question for question in body["questions"] if question["name"] == "trust")
    assert trust["label"] == "Доверие"
    assert all(
        row["count"] is None or row["count"] >= 10 or row["count"] == 0 or row["partial"]
        for row in trust["rows"]
    )
    comment = next(question for question in body["questions"] if question["name"] == "comment")
    assert "rows" not in comment
    text = response.get_data(as_text=True)
    assert SECRET_COMMENT not in text
    assert "counted_up_to_response" not in text and "by_day" not in text


def test_a_small_region_alone_shows_nothing_it_could_betray(client, surveys, openapi):
    path = "/api/v1/surveys/{survey_id}/results"
    response = client.get(
        f"/api/v1/surveys/{surveys['open']}/results?region=KZ-11&month_from=2026-02&month_to=2026-02"
    )
    body = openapi.validate(path, response)
    assert body["responses"] == 0
    assert all(row["count"] in (0, None) for row in body["by_language"]["rows"])


BAD_FILTERS = [
    ("month_from=2026-13", 400),
    ("month_from=2026-03&month_to=2026-01", 400),
    ("lang=de", 400),
    ("region=KZ-99", 422),
    ("question=trust", 400),
]


def test_bad_survey_filters(client, surveys, openapi):
    for query, status in BAD_FILTERS:
        response = client.get(f"/api/v1/surveys/{surveys['open']}/results?{query}")
        assert response.status_code == status, query
        openapi.validate("/api/v1/surveys/{survey_id}/results", response)


def test_an_unknown_survey_is_404(client, surveys):
    response = client.get("/api/v1/surveys/999999/results")
    assert response.status_code == 404
    assert response.get_json()["error"]["status"] == 404


# --- Survey versions: who was asked a question, who was offered a choice -----------------------

#: (region, month) -> responses of version 1 and of version 2. KZ-10 in February answered in
#: both; KZ-11 in March has 3 stragglers of version 1 beside 30 of version 2.
VERSION_PLAN = {
    ("KZ-10", 1): (30, 0),
    ("KZ-10", 2): (20, 20),
    ("KZ-75", 2): (0, 40),
    ("KZ-11", 3): (3, 30),
}


def _second_version(first):
    """Version 2 adds the question ``waiting`` and the choice "4" to ``trust``."""
    from dataclasses import replace

    from webapp.surveys.definition import Choice, Question

    page = first.pages[0]
    waiting = Question("waiting", "select_one", {"en": "Waited long"}, choice_list="yesno")
    lists = {
        **first.choice_lists,
        "likert": [*first.choice_lists["likert"], Choice("4", {"en": "Level 4"})],
        "yesno": [Choice("yes", {"en": "Yes"}), Choice("no", {"en": "No"})],
    }
    return replace(
        first,
        pages=[replace(page, questions=[*page.questions, waiting])],
        choice_lists=lists,
    )


@pytest.fixture
def versioned_survey(app, regions) -> int:
    """An open citizen survey answered in two versions (``VERSION_PLAN``); its id."""
    import sqlalchemy as sa

    from tests.webapp.api.conftest import _definition
    from webapp.extensions import db
    from webapp.surveys.models import SurveyResponse
    from webapp.surveys.services.authoring import add_version, create_survey, open_survey

    with app.app_context():
        first = _definition("api_versions")
        survey = create_survey(first, slug="api-versions")
        open_survey(survey)
        db.session.commit()
        versions = [survey.current_version_id]
        add_version(survey, _second_version(first))
        db.session.commit()
        versions.append(survey.current_version_id)
        rows, index = [], 0
        for (region, month), counts in VERSION_PLAN.items():
            for version, count in enumerate(counts, start=1):
                for _ in range(count):
                    answers = {"region": region, "trust": ("1", "2", "3", "3")[index % 4]}
                    if version == 2:
                        answers["trust"] = ("1", "3", "4", "4")[index % 4]
                        if index % 5:
                            answers["waiting"] = ("yes", "no")[index % 2]
                    rows.append(
                        {
                            "survey_id": survey.id,
                            "survey_version_id": versions[version - 1],
                            "submission_id": f"00000000-0000-4000-9000-{index:012d}",
                            "content_hash": "0" * 64,
                            "language": "ru",
                            "region_code": region,
                            "submitted_at": datetime(2026, month, 1 + index % 27, 7, tzinfo=UTC),
                            "answers": answers,
                        }
                    )
                    index += 1
        db.session.execute(sa.insert(SurveyResponse), rows)
        db.session.commit()
        return survey.id


RESULTS = "/api/v1/surveys/{survey_id}/results"


def _question(body, name):
    return next(question for question in body["questions"] if question["name"] == name)


def test_results_say_who_was_asked_each_question_and_offered_each_choice(
    client, versioned_survey, openapi
):
    """The counts the public results pages show (asked, not asked, offered), protected the
    same way; shares are of those asked (or offered)."""
    body = openapi.validate(RESULTS, client.get(f"/api/v1/surveys/{versioned_survey}/results"))
    trust, waiting = _question(body, "trust"), _question(body, "waiting")
    # Every block is released (33 in KZ-11 in March); trust was in both versions.
    assert body["responses"] == trust["total"] == 30 + 40 + 40 + 33
    assert (trust["asked"], trust["not_asked"]) == (trust["total"], 0)
    # waiting: version 2's 90, plus the 3 stragglers of KZ-11 in March, whose version 1
    # (3 respondents) is hidden with version 2 and counted whole with it as asked.
    assert (waiting["asked"], waiting["not_asked"]) == (20 + 40 + 33, 30 + 20)
    by_value = {row["value"]: row for row in trust["rows"]}
    # "4" only in version 2: its share is of the 93 offered it, not of the 143 asked.
    assert by_value["4"]["offered"] == 93
    assert by_value["4"]["share"] == round(100 * by_value["4"]["count"] / 93, 1)
    assert "offered" not in by_value["1"]
    assert by_value["1"]["share"] == round(100 * by_value["1"]["count"] / trust["asked"], 1)
    # The rows (answers and "no answer") and the hidden ones add up to those asked.
    shown = sum(row["count"] or 0 for row in waiting["rows"])
    assert shown + waiting["withheld"] == waiting["asked"]


def test_version_counts_are_those_of_the_public_pages_never_the_analysts(
    app, client, versioned_survey, openapi
):
    from webapp.extensions import db
    from webapp.surveys.models import Survey
    from webapp.surveys.results import services
    from webapp.surveys.results.figures import Filters

    months = ["2026-01", "2026-02", "2026-03"]
    filters = [Filters(region, start, end) for region in (None, "KZ-10", "KZ-11", "KZ-75")
               for start in months for end in months if start <= end]  # fmt: skip
    with app.app_context():
        survey = db.session.get(Survey, versioned_survey)
        threshold = services.suppression_threshold()
        for chosen in filters:
            query = "&".join(f"{key}={value}" for key, value in chosen.as_dict().items() if value)
            body = openapi.validate(
                RESULTS, client.get(f"/api/v1/surveys/{versioned_survey}/results?{query}")
            )
            public = services.survey_summary(survey, chosen, viewer_is_analyst=False)
            for question, page in zip(body["questions"], public["questions"], strict=True):
                assert (question["asked"], question["not_asked"]) == (
                    page["asked"],
                    page["not_asked"],
                ), (chosen, question["name"])
                offered = [row.get("offered") for row in question.get("rows", [])]
                assert offered == [row.get("offered") for row in page.get("rows", [])]
                # No differencing: every group and every difference of nested groups is 0
                # or at least the threshold.
                groups = [question["total"], question["asked"], question["not_asked"]]
                groups += [question["asked"] - o for o in offered if o is not None]
                groups += [o for o in offered if o is not None]
                assert all(g == 0 or g >= threshold for g in groups), (chosen, groups)
        stragglers = Filters("KZ-11", "2026-03", "2026-03")
        exact = services.survey_summary(survey, stragglers, viewer_is_analyst=True)
        assert _question(exact, "waiting")["asked"] == 30  # the analysts' exact figure ...
    response = client.get(
        f"/api/v1/surveys/{versioned_survey}/results?region=KZ-11&month_from=2026-03&month_to=2026-03"
    )
    waiting = _question(openapi.validate(RESULTS, response), "waiting")
    assert (waiting["asked"], waiting["not_asked"]) == (33, 0)  # ... never published
