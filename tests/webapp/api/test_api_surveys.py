"""Survey results in the open-data API: published citizen surveys only, always suppressed."""

from __future__ import annotations

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
