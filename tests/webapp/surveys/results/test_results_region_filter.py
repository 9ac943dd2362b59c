"""The results page's region filter offers the units a survey can have answers from."""

from __future__ import annotations

import re

from webapp.extensions import db

#: Oblasts merged into others in 1997, kept in the registry for old statistics.
ABOLISHED_1997 = {"KZ-KOK", "KZ-SEM", "KZ-TAL", "KZ-TOR", "KZ-ZHE"}


def offered_regions(page: str) -> list[str]:
    select = re.search(r'<select[^>]*name="region"[^>]*>(.*?)</select>', page, re.S)
    assert select is not None
    return [code for code in re.findall(r'<option[^>]*value="([^"]*)"', select.group(1)) if code]


def test_filter_offers_todays_units_not_those_abolished_before_the_survey(
    client, stored_survey, regions, make_user, sign_in
):
    sign_in(make_user("analyst"))
    page = client.get(f"/results/{stored_survey.survey_id}").get_data(as_text=True)
    offered = offered_regions(page)
    current = [region.code for region in regions if region.valid_to is None]
    assert len(current) == 20
    assert offered == current  # Shymkent has no answers but exists: offered
    assert not ABOLISHED_1997 & set(offered)
    assert "KZ-YUZ" not in offered  # South Kazakhstan ended in 2018, the answers are of 2026


def test_a_unit_with_answers_is_offered_whenever_it_ended(
    app, client, stored_survey, add_responses, make_user, sign_in
):
    with app.app_context():
        from webapp.surveys.models import Survey

        survey = db.session.get(Survey, stored_survey.survey_id)
        add_responses(survey.id, survey.current_version_id, {("KZ-YUZ", 3): 12}, seed=11, year=2017)
    sign_in(make_user("council_member"))
    page = client.get(f"/results/{stored_survey.survey_id}").get_data(as_text=True)
    offered = offered_regions(page)
    # Answered from 2017 on: South Kazakhstan (until 2018) existed then and has answers;
    # the oblasts of 1997 did not exist in any month of the survey.
    assert "KZ-YUZ" in offered and "KZ-79" in offered
    assert not ABOLISHED_1997 & set(offered)
    filtered = client.get(f"/results/{stored_survey.survey_id}?region=KZ-YUZ")
    assert filtered.status_code == 200
