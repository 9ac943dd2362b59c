"""Object-level access: the right role is not enough, it must also be the right object.

The URL-map walk (tests/webapp/test_access.py) proves each role reaches only its endpoints.
Here: a council member cannot read another council's feedback or answer for it; an analyst
cannot see another analyst's pending statistics upload; a respondent cannot open someone
else's draft through another survey; the API answers JSON (401/404), never a sign-in page.
"""

from __future__ import annotations

import io

import pytest
from flask import Flask

from tests.conftest import TEST_PASSWORD
from tests.fuzz.support import changed_tables, hidden_fields, survey_xlsx, table_counts


def signed_in(app: Flask, user):
    client = app.test_client()
    response = client.post("/sign-in", data={"email": user.email, "password": TEST_PASSWORD})
    assert response.status_code == 302
    return client


@pytest.fixture
def two_councils(app: Flask, make_user, regions):
    """Two state bodies with a council each, a member on each, and a council survey for each."""
    from webapp.extensions import db
    from webapp.surveys import councils
    from webapp.surveys.services import authoring

    members = [make_user("council_member"), make_user("council_member")]
    made = []
    with app.app_context():
        for number, member in enumerate(members):
            body = councils.create_state_body(
                councils.Names(f"Орган {number}", f"Орган {number}", f"Body {number}"),
                "republican",
            )
            council = councils.create_council(
                councils.Names(f"Кеңес {number}", f"Совет {number}", f"Council {number}"),
                body.id,
            )
            councils.add_member(council, member.email)
            survey = authoring.create_survey(
                authoring.read_definition(survey_xlsx(form_id=f"feedback{number}"), "f.xlsx"),
                slug=f"feedback-{number}",
                audience="council",
                state_body_id=body.id,
            )
            authoring.open_survey(survey)
            made.append({"body": body.id, "council": council.id, "slug": survey.slug})
        db.session.commit()
    return members, made


def test_a_council_member_sees_only_their_own_councils_feedback(app, two_councils) -> None:
    (first, _), (mine, theirs) = two_councils
    client = signed_in(app, first)
    assert client.get(f"/councils/{mine['council']}/summary").status_code == 200
    assert client.get(f"/councils/state-bodies/{mine['body']}/summary").status_code == 200
    assert client.get(f"/councils/{theirs['council']}/summary").status_code == 403
    assert client.get(f"/councils/state-bodies/{theirs['body']}/summary").status_code == 403


def test_a_council_member_cannot_read_another_councils_feedback_on_the_results_pages(
    app, two_councils
) -> None:
    """/results/<id> showed another state body's council feedback (answer by answer, through
    suppression) to any council member, while its summary page said 403."""
    from webapp.extensions import db
    from webapp.surveys.models import Survey

    (first, _), (_, theirs) = two_councils
    client = signed_in(app, first)
    with app.app_context():
        ids = {
            survey.slug: survey.id
            for survey in db.session.scalars(db.select(Survey).order_by(Survey.id))
        }
    assert client.get(f"/results/{ids[theirs['slug']]}").status_code == 404
    index = client.get("/results/").get_data(as_text=True)
    assert f'/results/{ids[theirs["slug"]]}"' not in index
    # Citizen surveys stay readable to council members, through suppression.
    with app.app_context():
        from webapp.surveys.services import authoring

        citizen = authoring.create_survey(
            authoring.read_definition(survey_xlsx(form_id="citizens"), "c.xlsx"), slug="citizens"
        )
        authoring.open_survey(citizen)
        db.session.commit()
        citizen_id = citizen.id
    assert client.get(f"/results/{citizen_id}").status_code == 200
    assert f'/results/{citizen_id}"' in client.get("/results/").get_data(as_text=True)


def test_a_council_member_cannot_answer_for_another_council(app, two_councils) -> None:
    (first, _), (mine, theirs) = two_councils
    client = signed_in(app, first)
    refused = client.get(f"/s/{theirs['slug']}")
    assert refused.status_code == 403
    page = client.get(f"/s/{mine['slug']}")
    assert page.status_code == 200
    fields = hidden_fields(page.get_data(as_text=True))
    before = table_counts(app)
    forged = client.post(
        f"/s/{mine['slug']}/r/{fields['submission_id']}",
        data={
            **fields,
            "council_id": str(theirs["council"]),
            "answer-region": "KZ-75",
            "answer-age": "40",
        },
    )
    assert forged.status_code == 403
    changed = changed_tables(before, table_counts(app))
    assert "survey_responses" not in changed and "survey_drafts" not in changed


def test_an_analyst_cannot_see_another_analysts_pending_upload(app, make_user, regions) -> None:
    owner, other = make_user("analyst"), make_user("analyst")
    uploader = signed_in(app, owner)
    response = uploader.post(
        "/risk/imports",
        data={
            "file": (io.BytesIO(b"region,period,value\nKZ-75,2023,1.5\n"), "x.csv"),
            "layout": "long",
            "indicator": "unemployment_rate",
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    preview = response.headers["Location"]
    assert "/risk/imports/preview/" in preview, preview
    assert uploader.get(preview).status_code == 200
    snooper = signed_in(app, other)
    assert snooper.get(preview).status_code == 404
    before = table_counts(app)
    assert snooper.post(preview + "/confirm").status_code in {302, 400, 404}
    assert snooper.post(preview + "/cancel").status_code in {302, 400, 404}
    assert changed_tables(before, table_counts(app)) == {}
    assert uploader.get(preview).status_code == 200  # still there for its owner


def test_a_draft_is_not_shown_through_another_survey(app, regions) -> None:
    from webapp.extensions import db
    from webapp.surveys.services import authoring

    with app.app_context():
        for slug in ("first", "second"):
            survey = authoring.create_survey(
                authoring.read_definition(survey_xlsx(form_id=slug), "s.xlsx"), slug=slug
            )
            authoring.open_survey(survey)
        db.session.commit()
    someone = app.test_client()
    page = someone.get("/s/first").get_data(as_text=True)
    fields = hidden_fields(page)
    secret = "my private employer"
    someone.post(
        f"/s/first/r/{fields['submission_id']}",
        data={**fields, "action": "save", "answer-region": "KZ-75", "answer-age": "44",
              "answer-comment": secret},
    )  # fmt: skip
    stranger = app.test_client()
    elsewhere = stranger.get(f"/s/second/r/{fields['submission_id']}")
    assert elsewhere.status_code in {302, 303, 404}
    assert "44" not in elsewhere.get_data(as_text=True)


def test_api_refusals_are_json_not_sign_in_pages(app: Flask) -> None:
    """No API route is private today; a private one must answer 401 JSON, not a redirect."""
    from webapp.auth.access import roles_required

    @app.get("/api/v1/__private_probe")
    @roles_required("admin")
    def private_probe() -> str:
        return "secret"

    client = app.test_client()
    response = client.get("/api/v1/__private_probe")
    assert response.status_code == 401
    assert response.is_json
    assert response.get_json()["error"]["status"] == 401
    assert "Location" not in response.headers
    missing = client.get("/api/v1/no-such-endpoint")
    assert missing.status_code == 404 and missing.is_json
