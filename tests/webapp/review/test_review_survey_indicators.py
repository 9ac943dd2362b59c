"""What a council member sees of survey-derived indicators computed from real answers.

The trial survey (``test_indicator_loop_trial``) has Pavlodar (KZ-55) answering 15 times in
January 2026 and 3 times in February: the council's results pages leave the February block
out of every figure. The region page and the printable report must show the quarter's value
of January's 15 answerers, not of all 18 (18 - 15 would tell the hidden block's size, and
17/18 - 15/15 its answers). Aqmola (KZ-11, 4 answers) shows no value at all.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

import pytest

from tests.webapp.review.materialised import materialise_run
from tests.webapp.surveys.results.test_indicator_loop_trial import upload_and_answer
from webapp.extensions import db
from webapp.surveys.results import services


@pytest.fixture
def answered_and_trained(app, regions, make_user, sign_in, client, monkeypatch):
    from webapp.risk.surveys import recompute_survey_observations

    monkeypatch.setattr(services, "utcnow", lambda: datetime(2026, 7, 1, 6, 0, tzinfo=UTC))
    sign_in(make_user("analyst"))
    survey_id = upload_and_answer(app, client)
    response = client.post(
        f"/results/{survey_id}/indicators",
        data={
            "indicator": "survey_dissatisfied_services",
            "question": "sat",
            "method": "share",
            "codes": "1 2",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        recompute_survey_observations()
        db.session.commit()
        codes = tuple(region.code for region in regions if region.is_current)
        materialise_run("run-trial", codes, active=True)
    return survey_id


def survey_rows(page: str) -> dict[str, list[str]]:
    """The cells of the 'Indicators from surveys' table, by indicator."""
    section = page.split('id="survey-title"', 1)[1].split("</section>", 1)[0]
    rows = {}
    for row in re.findall(r"<tr>(.*?)</tr>", section, flags=re.S):
        cells = [
            " ".join(re.sub(r"<[^>]+>", " ", cell).split())
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, flags=re.S)
        ]
        if cells and cells[1].startswith("2026Q1"):
            rows[cells[0]] = cells
    return rows


@pytest.mark.parametrize("address", ["/review/regions/{code}", "/review/regions/{code}/report"])
def test_council_sees_the_quarter_of_released_blocks_only(
    app, client_for, answered_and_trained, address
):
    council = client_for("council_member")
    page = html.unescape(council.get(address.format(code="KZ-55")).get_data(as_text=True))
    [cells] = survey_rows(page).values()
    # 15 January answerers, all of them dissatisfied: 100% (Wilson 79.6-100), n = 15.
    assert cells[2] == "100" or cells[2].startswith("100")
    assert cells[-1] == "15", cells
    small = html.unescape(council.get(address.format(code="KZ-11")).get_data(as_text=True))
    assert survey_rows(small) == {}


def test_the_open_data_api_shows_the_same_respondents_as_the_region_page(
    client, client_for, answered_and_trained
):
    """Anyone can read the survey's protected figures: Pavlodar's first quarter shows the 15
    January respondents (February's 3 are withheld), the n the council's region page shows.
    Before, the region page said 18."""
    figures = client.get(
        f"/api/v1/surveys/{answered_and_trained}/results"
        "?region=KZ-55&month_from=2026-01&month_to=2026-03"
    ).get_json()
    council = client_for("council_member")
    page = html.unescape(council.get("/review/regions/KZ-55").get_data(as_text=True))
    [cells] = survey_rows(page).values()
    assert figures["responses"] == int(cells[-1]) == 15, figures
