"""A new user's trial of the loop "survey answers -> indicators -> risk -> council review".

An analyst designs a small survey in Excel (a 1-5 satisfaction scale, a yes/no question, a
number of days waited, a free text and the region), respondents answer it in several regions
and months, and the analyst maps the questions to indicators on the indicators page, loads
populations and recomputes the survey-derived observations that training reads. The values,
``n`` and Wilson intervals of a few cells are worked by hand below.
"""

from __future__ import annotations

import html
import io
import math
import re
import uuid
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from openpyxl import Workbook

from webapp.extensions import db
from webapp.surveys.results import services

ALMATY = ZoneInfo("Asia/Almaty")
TODAY = date(2026, 7, 1)
DISSATISFIED = "survey_dissatisfied_services"
INFORMED = "survey_information_access"

#: Satisfaction answers of Almaty city (KZ-75) in January 2026, the last one given at 23:59 on
#: 31 January in Almaty: 1, 2 count as dissatisfied -> 5 of 12.
JANUARY_75 = ["1", "1", "2", "3", "4", "5", "5", "2", "3", "4", "1", "5"]
#: February 2026 in KZ-75, the first one at 00:00 on 1 February in Almaty (still 31 January
#: in UTC): 3 of 10 dissatisfied.
FEBRUARY_75 = ["2", "4", "4", "5", "1", "3", "3", "4", "5", "1"]


def trial_xlsx() -> bytes:
    """The analyst's form, built in Excel (openpyxl) with the XLSForm columns."""
    book = Workbook()
    survey = book.active
    survey.title = "survey"
    survey.append(["type", "name", "label::English (en)", "label::Russian (ru)", "required"])
    survey.append(["select_one region", "region", "Your region", "Ваш регион", "yes"])
    survey.append(["select_one likert", "sat", "Satisfied with services?", "Довольны?", "yes"])
    survey.append(["select_one yn", "informed", "Easy to find decisions?", "Легко найти?", ""])
    survey.append(["integer", "wait", "Days waited", "Дней ожидания", ""])
    survey.append(["text", "remark", "Anything else?", "Что-то ещё?", ""])
    choices = book.create_sheet("choices")
    choices.append(["list_name", "name", "label::English (en)", "label::Russian (ru)"])
    for code in "12345":
        choices.append(["likert", code, f"Level {code}", f"Уровень {code}"])
    choices.append(["yn", "yes", "Yes", "Да"])
    choices.append(["yn", "no", "No", "Нет"])
    settings = book.create_sheet("settings")
    settings.append(["form_title", "form_id", "default_language"])
    settings.append(["Loop trial", "loop_trial", "English (en)"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def almaty(year, month, day, hour=12, minute=0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=ALMATY).astimezone(UTC)


def respond(survey, answers: list[tuple[str, datetime, dict]]) -> None:
    from webapp.surveys.models import SurveyResponse

    rows = [
        {
            "survey_id": survey.id,
            "survey_version_id": survey.current_version_id,
            "submission_id": str(uuid.uuid4()),
            "content_hash": "0" * 64,
            "language": "ru",
            "region_code": region,
            "submitted_at": moment,
            "answers": {"region": region, **given},
        }
        for region, moment, given in answers
    ]
    db.session.execute(sa.insert(SurveyResponse), rows)
    db.session.commit()


def plan() -> list[tuple[str, datetime, dict]]:
    answers = []
    for index, sat in enumerate(JANUARY_75):
        moment = almaty(2026, 1, 31, 23, 59) if index == len(JANUARY_75) - 1 else almaty(2026, 1, 1)
        answers.append(
            ("KZ-75", moment, {"sat": sat, "informed": "yes" if index < 9 else "no", "wait": index})
        )
    for index, sat in enumerate(FEBRUARY_75):
        moment = almaty(2026, 2, 1, 0, 0) if index == 0 else almaty(2026, 2, 28, 18)
        answers.append(("KZ-75", moment, {"sat": sat, "informed": "no", "wait": 3}))
    # Pavlodar (KZ-55): 15 in January, 3 in February (a small block), one quarter.
    answers += [("KZ-55", almaty(2026, 1, 10), {"sat": "1", "wait": 5})] * 15
    answers += [("KZ-55", almaty(2026, 2, 10), {"sat": "1" if i else "5"}) for i in range(3)]
    # Aqmola (KZ-11): 4 answers in the whole quarter. Astana (KZ-71): none.
    answers += [("KZ-11", almaty(2026, 3, 31, 23, 30), {"sat": "2"})] * 4
    return answers


@pytest.fixture
def frozen_today(monkeypatch):
    monkeypatch.setattr(services, "utcnow", lambda: datetime(2026, 7, 1, 6, 0, tzinfo=UTC))


def upload_and_answer(app, client) -> int:
    """Upload the trial survey through the upload page (as the signed-in analyst), open it
    and store the answers of ``plan()``; returns the survey's id."""
    from webapp.surveys.models import Survey
    from webapp.surveys.services.authoring import open_survey

    response = client.post(
        "/surveys/new",
        data={
            "file": (io.BytesIO(trial_xlsx()), "trial.xlsx"),
            "audience": "public",
            "state_body": "",
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True).split("<main")[-1][:3000]
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).order_by(Survey.id.desc()))
        open_survey(survey)
        db.session.commit()
        respond(survey, plan())
        return survey.id


@pytest.fixture
def trial(app, regions, make_user, sign_in, client, frozen_today):
    """The survey imported from Excel through the upload page, opened and answered."""
    sign_in(make_user("analyst"))
    return upload_and_answer(app, client)


def add_wait_days_indicator(client) -> None:
    """Add 'survey_wait_days' (days, source survey) to the risk catalogue, as an analyst does:
    download the catalogue, append a row, upload it again."""
    catalogue = client.get("/risk/catalogue.csv").get_data(as_text=True)
    catalogue += (
        "survey_wait_days,Күту күндері,Дни ожидания,Days waited for a service,days,1,"
        "trust_in_state,1,Q,survey\n"
    )
    response = client.post(
        "/risk/catalogue",
        data={"file": (io.BytesIO(catalogue.encode()), "catalogue.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, html.unescape(response.get_data(as_text=True))[-3000:]


def test_values_n_and_wilson_by_hand_in_almaty_months(app, client, trial):
    for data in (
        {"indicator": DISSATISFIED, "question": "sat", "method": "share", "codes": "1 2"},
        {"indicator": INFORMED, "question": "informed", "method": "share", "codes": "yes"},
    ):
        response = client.post(f"/results/{trial}/indicators", data=data)
        assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    with app.app_context():
        frame = services.survey_indicator_observations(frequency="M", today=TODAY)
    cells = {
        (row.indicator, row.region, str(row.period)): row for row in frame.itertuples(index=False)
    }
    # 23:59 on 31 January in Almaty is January; 00:00 on 1 February in Almaty is February,
    # though UTC still says 31 January.
    january = cells[(DISSATISFIED, "KZ-75", "2026-01")]
    assert january.n == 12 and january.value == pytest.approx(100 * 5 / 12)
    # Wilson by hand, p = 5/12, n = 12, z = 1.959964, z^2 = 3.841459:
    # centre = (p + z^2/24) / (1 + z^2/12) = 0.576728 / 1.320122 = 0.436875
    # half = z * sqrt(p(1-p)/12 + z^2/576) / 1.320122 = 1.959964 * 0.164086 / 1.320122 = 0.243616
    assert january.lower == pytest.approx(19.326, abs=0.01)
    assert january.upper == pytest.approx(68.049, abs=0.01)
    february = cells[(DISSATISFIED, "KZ-75", "2026-02")]
    assert february.n == 10 and february.value == pytest.approx(30.0)
    # p = 0.3, n = 10: centre = (0.3 + 0.192073) / 1.384146 = 0.355506;
    # half = 1.959964 * sqrt(0.021 + 0.009604) / 1.384146 = 0.247700 -> 10.78% .. 60.32%
    assert february.lower == pytest.approx(10.779, abs=0.01)
    assert february.upper == pytest.approx(60.322, abs=0.01)
    # Yes/no: 9 of the 12 January answerers said yes; nobody in February did (0 of 10).
    informed = cells[(INFORMED, "KZ-75", "2026-01")]
    assert informed.n == 12 and informed.value == pytest.approx(75.0)
    assert cells[(INFORMED, "KZ-75", "2026-02")].value == 0.0
    assert not any(region == "KZ-71" for _, region, _ in cells)
    # Aqmola's four answers at 23:30 on 31 March in Almaty are March.
    assert cells[(DISSATISFIED, "KZ-11", "2026-03")].n == 4


def test_a_published_quarter_leaves_out_blocks_the_results_pages_hide(app, client, trial):
    """Pavlodar had 15 answers in January and 3 in February: the council's results pages
    leave the February block (fewer than k = 10) out of every figure, so its size is never
    shown. The quarter's indicator value published to the council rested on all 18, and
    18 - 15 told the council member that three people answered in February and how
    (the share moved from 100% to 17/18)."""
    from webapp.risk.models import RiskSurveyObservation
    from webapp.risk.surveys import recompute_survey_observations

    response = client.post(
        f"/results/{trial}/indicators",
        data={"indicator": DISSATISFIED, "question": "sat", "method": "share", "codes": "1 2"},
    )
    assert response.status_code == 302
    with app.app_context():
        recompute_survey_observations()
        db.session.commit()
        stored = {
            (row.region_code, row.period): (row.n, row.value)
            for row in db.session.scalars(sa.select(RiskSurveyObservation))
        }
    # KZ-55: January's 15 only, all of them dissatisfied; KZ-11 (4 answers) is left out.
    assert stored[("KZ-55", "2026Q1")] == (15, 100.0)
    # KZ-75: 12 + 10 answers, both blocks released: 8 of 22 dissatisfied.
    assert stored[("KZ-75", "2026Q1")][0] == 22
    assert stored[("KZ-75", "2026Q1")][1] == pytest.approx(100 * 8 / 22)
    assert ("KZ-11", "2026Q1") not in stored


def test_remapping_and_unmapping_replace_the_observations(app, client, trial):
    from webapp.risk.models import RiskSurveyObservation
    from webapp.risk.surveys import recompute_survey_observations
    from webapp.surveys.results.models import SurveyIndicatorMapping

    def stored():
        return sorted(
            (row.indicator_code, row.region_code, row.period, round(row.value, 6))
            for row in db.session.scalars(sa.select(RiskSurveyObservation))
        )

    def mapping_id():
        return db.session.scalar(sa.select(SurveyIndicatorMapping.id))

    data = {"indicator": DISSATISFIED, "question": "sat", "method": "share", "codes": "1 2"}
    assert client.post(f"/results/{trial}/indicators", data=data).status_code == 302
    with app.app_context():
        recompute_survey_observations()
        recompute_survey_observations()
        db.session.commit()
        first = stored()
        assert len(first) == len(set((a, b, c) for a, b, c, _ in first)) == 2
        remove = f"/results/{trial}/indicators/{mapping_id()}/delete"
    assert client.post(remove).status_code == 302
    # The same indicator now counts answer 1 only: the values change, the rows do not double.
    data["codes"] = "1"
    assert client.post(f"/results/{trial}/indicators", data=data).status_code == 302
    with app.app_context():
        recompute_survey_observations()
        db.session.commit()
        second = stored()
        assert [row[:3] for row in second] == [row[:3] for row in first]
        assert dict(((a, b, c), v) for a, b, c, v in second)[
            (DISSATISFIED, "KZ-75", "2026Q1")
        ] == pytest.approx(100 * 5 / 22)  # answer 1: 3 in January, 2 in February
        remove = f"/results/{trial}/indicators/{mapping_id()}/delete"
    assert client.post(remove).status_code == 302
    with app.app_context():
        recompute_survey_observations()
        db.session.commit()
        assert stored() == []


def test_a_text_question_mapped_to_a_share_is_refused_by_name(app, client, trial):
    """The page's list offers no free-text question; one posted anyway (an old tab, a
    script) was refused with "Not a valid choice.", not saying what was wrong with it."""
    from webapp.surveys.results.models import SurveyIndicatorMapping

    for question, message in (
        ("remark", "a share needs a choice question; 'remark' is not one"),
        ("nosuch", "'nosuch' is not a question of this survey"),
    ):
        response = client.post(
            f"/results/{trial}/indicators",
            data={"indicator": DISSATISFIED, "question": question, "method": "share", "codes": "x"},
        )
        page = html.unescape(response.get_data(as_text=True))
        assert response.status_code == 200
        assert message in re.findall(r'class="error-message"[^>]*>([^<]*)<', page)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(SurveyIndicatorMapping.id))) == 0


@pytest.mark.parametrize(
    ("csv_text", "expected"),
    [
        ("region_code,population\nKZ-75,2200000\nKZ-99,10\n", "'KZ-99' is not a known region"),
        ("region_code,population\nKZ-75,2200000\nKZ-55,-5\n", "row 3, column population"),
    ],
)
def test_bad_weight_files_store_nothing(app, client, trial, csv_text, expected):
    from webapp.surveys.results.models import RegionPopulation

    response = client.post(
        f"/results/{trial}/populations",
        data={"file": (io.BytesIO(csv_text.encode()), "weights.csv"), "source": "trial"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    assert expected in html.unescape(response.get_data(as_text=True))
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(RegionPopulation)) == 0


def test_national_row_post_stratified_by_hand(app, client, trial):
    csv_text = "region_code,population\nKZ-75,2000000\nKZ-55,750000\nKZ-11,250000\n"
    response = client.post(
        f"/results/{trial}/populations",
        data={"file": (io.BytesIO(csv_text.encode()), "weights.csv"), "source": "trial"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    data = {"indicator": DISSATISFIED, "question": "sat", "method": "share", "codes": "1 2"}
    assert client.post(f"/results/{trial}/indicators", data=data).status_code == 302
    with app.app_context():
        frame = services.survey_indicator_observations(include_national=True, today=TODAY)
    national = frame[(frame.region == "KZ") & (frame.period.astype(str) == "2026Q1")].iloc[0]
    # 2026Q1: KZ-75 8/22, KZ-55 17/18, KZ-11 4/4; population shares 2/3, 1/4, 1/12:
    # value = 2/3 * 8/22 + 1/4 * 17/18 + 1/12 * 1 = 0.242424 + 0.236111 + 0.083333 = 0.561869
    assert national.value == pytest.approx(100 * (2 / 3 * 8 / 22 + 0.25 * 17 / 18 + 1 / 12))
    # weights w_r = share_r * 44 / n_r: 1.333333 (x22), 0.611111 (x18), 0.916667 (x4);
    # n_eff = 44^2 / (22 * 1.777778 + 18 * 0.373457 + 4 * 0.840278) = 1936 / 49.194444
    assert national.n == pytest.approx(
        1936 / (22 * (4 / 3) ** 2 + 18 * (11 / 18) ** 2 + 4 * (11 / 12) ** 2)
    )
    assert not math.isnan(national.lower)


def test_a_new_indicator_goes_through_the_catalogue_then_maps_and_trains(app, client, trial):
    """An indicator the catalogue lacks (mean days waited) is not offered on the mapping
    form: the analyst adds it to the risk catalogue with source ``survey`` first."""
    from webapp.risk.models import RiskSurveyObservation
    from webapp.risk.surveys import recompute_survey_observations

    page = html.unescape(client.get(f"/results/{trial}/indicators").get_data(as_text=True))
    hint = page.split('id="new-indicator"', 1)[1].split("</p>", 1)[0]
    assert "add it to the catalogue with that source first" in hint
    assert 'href="/risk/catalogue"' in hint
    new = {"indicator": "survey_wait_days", "question": "wait", "method": "mean", "codes": ""}
    refused = client.post(f"/results/{trial}/indicators", data=new)
    assert refused.status_code == 200 and "Not a valid choice" in refused.get_data(as_text=True)
    add_wait_days_indicator(client)
    assert client.post(f"/results/{trial}/indicators", data=new).status_code == 302
    with app.app_context():
        recompute_survey_observations()
        db.session.commit()
        rows = {
            (row.region_code, row.period): (row.n, row.value)
            for row in db.session.scalars(sa.select(RiskSurveyObservation))
        }
    # KZ-75 in 2026Q1: January waited 0..11 days (66 / 12), February 3 days each (30 / 10):
    # (66 + 30) / 22 = 4.363636. KZ-55: January's 15 answers of 5 days (February's block of
    # 3 is left out; its answers hold no wait anyway).
    assert rows[("KZ-75", "2026Q1")] == (22, pytest.approx(96 / 22))
    assert rows[("KZ-55", "2026Q1")] == (15, 5.0)


@pytest.mark.parametrize(
    ("csv_text", "expected"),
    [
        # Russian Excel saves "CSV (разделители - запятые)" with semicolons, a decimal comma
        # and no-break spaces between thousands.
        (
            "region_code;population\nKZ-75;2\u00a0200\u00a0000\nKZ-55;750\u202f000,0\n",
            {"KZ-75": 2_200_000.0, "KZ-55": 750_000.0},
        ),
        (
            'region_code,population\nKZ-75,"2,200,000"\nKZ-55,750000\n',
            {"KZ-75": 2_200_000.0, "KZ-55": 750_000.0},
        ),
    ],
)
def test_population_files_as_spreadsheets_save_them(app, client, trial, csv_text, expected):
    """'750 000,0' was read as 7,500,000 (the comma dropped as a thousands separator), and a
    semicolon file was refused as lacking its columns."""
    response = client.post(
        f"/results/{trial}/populations",
        data={"file": (io.BytesIO(csv_text.encode()), "weights.csv"), "source": "trial"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, html.unescape(response.get_data(as_text=True))[-1500:]
    with app.app_context():
        assert services.populations() == expected


@pytest.mark.parametrize(
    ("now", "published"),
    [
        # 23:30 on 31 March in Almaty: answers may still come in, 2026Q1 is running.
        (almaty(2026, 3, 31, 23, 30), False),
        # 00:30 on 1 April in Almaty (still 31 March in UTC): 2026Q1 has ended.
        (almaty(2026, 4, 1, 0, 30), True),
    ],
)
def test_a_quarter_ends_at_midnight_in_almaty_not_in_utc(
    app, client, trial, monkeypatch, now, published
):
    from webapp.risk.models import RiskSurveyObservation
    from webapp.risk.surveys import recompute_survey_observations

    data = {"indicator": DISSATISFIED, "question": "sat", "method": "share", "codes": "1 2"}
    assert client.post(f"/results/{trial}/indicators", data=data).status_code == 302
    monkeypatch.setattr(services, "utcnow", lambda: now)
    assert now.date() == date(2026, 3, 31)  # the UTC date is the same in both cases
    with app.app_context():
        recompute_survey_observations()
        db.session.commit()
        periods = set(db.session.scalars(sa.select(RiskSurveyObservation.period)))
        running = services.survey_indicator_values().running
    assert periods == ({"2026Q1"} if published else set())
    assert set(running.period.astype(str)) == (set() if published else {"2026Q1"})


def test_a_mapping_whose_result_is_not_in_the_catalogues_unit_is_refused(app, client, trial):
    """A mean of days waited mapped to the trust share (a percentage) was stored and
    scored as if 4 days were 4% trusting the akimat; a share mapped to an indicator the
    catalogue counts in days likewise."""
    from webapp.surveys.results.models import SurveyIndicatorMapping

    add_wait_days_indicator(client)
    for data, message in (
        (
            {"indicator": "survey_trust_local_government", "question": "wait", "method": "mean"},
            "the risk catalogue measures survey_trust_local_government in percent, and a mean",
        ),
        (
            {"indicator": "survey_wait_days", "question": "sat", "method": "share", "codes": "1"},
            "the risk catalogue measures survey_wait_days in days, and a share is a percentage",
        ),
    ):
        response = client.post(f"/results/{trial}/indicators", data=data)
        assert response.status_code == 200
        errors = re.findall(
            r'class="error-message"[^>]*>([^<]*)<', html.unescape(response.get_data(as_text=True))
        )
        assert any(error.startswith(message) for error in errors), errors
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(SurveyIndicatorMapping.id))) == 0
