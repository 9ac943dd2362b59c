"""Several surveys mapping one indicator: successive waves, surveys at the same time, and
imported official statistics for the same region and period.

The 2025 and 2026 waves of a citizen survey are separate surveys both mapped to
``survey_dissatisfied_services``. Before, two surveys with answers in one quarter (the old
wave's late answers in January, the new wave from February) gave two values for one key:
the contract check refused them and the training job failed.
"""

from __future__ import annotations

import dataclasses
import html
from datetime import UTC, date, datetime

import pandas as pd
import pytest

from webapp.extensions import db
from webapp.surveys.models import Survey
from webapp.surveys.results import services
from webapp.surveys.results.indicators import MappingError, wilson_interval

DISSATISFIED = "survey_dissatisfied_services"
TODAY = date(2026, 7, 1)


@pytest.fixture
def frozen_today(monkeypatch):
    """1 July 2026 in Almaty: 2025Q4 and 2026Q1 have ended."""
    monkeypatch.setattr(services, "utcnow", lambda: datetime(2026, 7, 1, 6, 0, tzinfo=UTC))


@pytest.fixture
def new_survey(regions, results_definition_factory):
    from webapp.surveys.services.authoring import create_survey, open_survey

    def make(slug: str, title: str) -> Survey:
        definition = dataclasses.replace(
            results_definition_factory(), title={"en": title, "ru": title, "kk": title}
        )
        survey = create_survey(definition, slug=slug)
        open_survey(survey)
        db.session.commit()
        return survey

    return make


def answers_of(rows, region: str, months: set[tuple[int, int]]) -> list[dict]:
    return [
        row["answers"]
        for row in rows
        if row["region_code"] == region
        and (row["submitted_at"].year, row["submitted_at"].month) in months
    ]


def dissatisfied(answers: list[dict], codes=("1", "2")) -> int:
    return sum(answer["trust"] in codes for answer in answers)


def row_of(frame: pd.DataFrame, region: str, period: str) -> pd.Series:
    rows = frame[(frame.region == region) & (frame.period.astype(str) == period)]
    assert len(rows) == 1, rows
    return rows.iloc[0]


def two_waves(new_survey, add_responses, shared_quarter: bool, late: int = 6):
    """The 2025 wave (Oct-Dec 2025, and ``late`` answers in January 2026 when
    ``shared_quarter``) and the 2026 wave (February-March 2026), mapped alike."""
    wave25 = new_survey("citizens-2025", "Citizen survey 2025")
    wave26 = new_survey("citizens-2026", "Citizen survey 2026")
    plan25 = {("KZ-10", (2025, 10)): 30, ("KZ-10", (2025, 11)): 20, ("KZ-11", (2025, 12)): 15}
    if shared_quarter:
        plan25[("KZ-10", (2026, 1))] = late
    rows = add_responses(wave25.id, wave25.current_version_id, plan25, seed=1)
    rows += add_responses(
        wave26.id,
        wave26.current_version_id,
        {("KZ-10", (2026, 2)): 25, ("KZ-10", (2026, 3)): 10, ("KZ-11", (2026, 3)): 12},
        seed=2,
        start_index=1000,
    )
    for survey in (wave25, wave26):  # one mapping per request, as on the page
        services.add_mapping(survey, DISSATISFIED, "trust", "share", ["1", "2"])
        db.session.commit()
    return wave25, wave26, rows


def test_successive_waves_read_as_one_series(app_context, new_survey, add_responses, frozen_today):
    from webapp.risk.surveys import recompute_survey_observations

    _, _, rows = two_waves(new_survey, add_responses, shared_quarter=False)
    frame = services.survey_indicator_observations(today=TODAY)
    assert sorted(zip(frame.region, frame.period.astype(str), strict=True)) == [
        ("KZ-10", "2025Q4"),
        ("KZ-10", "2026Q1"),
        ("KZ-11", "2025Q4"),
        ("KZ-11", "2026Q1"),
    ]
    autumn = answers_of(rows, "KZ-10", {(2025, 10), (2025, 11)})
    row = row_of(frame, "KZ-10", "2025Q4")
    assert row.n == len(autumn) == 50
    assert row.value == pytest.approx(100 * dissatisfied(autumn) / 50)
    assert row_of(frame, "KZ-10", "2026Q1").n == 35
    assert recompute_survey_observations() == 4


def test_waves_sharing_a_quarter_pool_their_respondents(
    app_context, new_survey, add_responses, frozen_today
):
    """The 2025 wave's late answers (January) and the 2026 wave (February, March) are all
    answers of 2026Q1: one value from all of them, not a refusal of both."""
    from webapp.risk.imports import observations_frame
    from webapp.risk.surveys import recompute_survey_observations

    wave25, wave26, rows = two_waves(new_survey, add_responses, shared_quarter=True)
    frame = services.survey_indicator_observations(today=TODAY)
    quarter = answers_of(rows, "KZ-10", {(2026, 1), (2026, 2), (2026, 3)})
    hits = dissatisfied(quarter)
    row = row_of(frame, "KZ-10", "2026Q1")
    assert row.n == len(quarter) == 6 + 35
    assert row.value == pytest.approx(100 * hits / 41)
    assert (row.lower, row.upper) == pytest.approx(wilson_interval(hits, 41))
    assert row_of(frame, "KZ-11", "2026Q1").n == 12, "the new wave alone"

    # What the training job does first: rebuild the stored survey values, then read them.
    assert recompute_survey_observations() == 4
    db.session.commit()
    observations, summary = observations_frame()
    assert summary["survey"] == 4
    stored = observations[observations.period.astype(str) == "2026Q1"]
    # What the council sees leaves out the old wave's 6 January answers: a block of fewer
    # than k = 10 that its results pages hide (41 - 35 would tell their number).
    assert stored.set_index("region").n.to_dict() == {"KZ-10": 35.0, "KZ-11": 12.0}

    # Each wave's page still shows its own values, and names the other wave.
    own = services.survey_indicator_observations([wave26], today=TODAY)
    assert row_of(own, "KZ-10", "2026Q1").n == 35
    (overlap,) = services.indicator_overlaps(wave26)
    assert overlap.indicator == DISSATISFIED and overlap.periods == ["2026Q1"]
    assert overlap.others == [(wave25.id, "Citizen survey 2025")] and overlap.pooled


def test_the_training_job_collects_the_waves(
    app, regions, new_survey, add_responses, make_user, monkeypatch
):
    """The job recomputes the survey values and reads them. Before, it failed with the
    contract's 'more than one value for region KZ-10, period 2026Q1, indicator
    survey_dissatisfied_services' (with fewer late answers than the suppression threshold,
    they were left out silently instead)."""
    from webapp.risk import jobs
    from webapp.risk.models import TrainingJob
    from webapp.risk.training import training_data

    monkeypatch.setattr(services, "utcnow", lambda: datetime(2026, 7, 1, 6, 0, tzinfo=UTC))
    analyst = make_user("analyst")
    collected = []

    def collecting_pipeline(options, progress):
        collected.append(training_data()[0])
        raise RuntimeError("stop: observations collected")

    monkeypatch.setattr("webapp.risk.training.train_from_database", collecting_pipeline)
    with app.app_context():
        two_waves(new_survey, add_responses, shared_quarter=True, late=12)
        job = jobs.enqueue_training(analyst, {})
        assert jobs.claim_job(job.id, "worker")
        jobs.run_job(job.id)
        db.session.expire_all()
        finished = db.session.get(TrainingJob, job.id)
        assert "stop: observations collected" in finished.error, finished.error
        (observations,) = collected
        quarter = observations[observations.period.astype(str) == "2026Q1"]
        assert quarter.set_index("region").n.to_dict() == {"KZ-10": 47.0, "KZ-11": 12.0}


def test_a_different_measure_in_the_same_periods_is_refused_at_mapping_time(
    app_context, new_survey, add_responses, frozen_today
):
    """A second survey at the same time counting other codes cannot be pooled: the mapping
    is refused, naming the other survey, its rule and the shared quarter."""
    first = new_survey("citizens-2026", "Citizen survey 2026")
    youth = new_survey("youth-2026", "Youth survey 2026")
    add_responses(first.id, first.current_version_id, {("KZ-10", (2026, 2)): 20}, seed=3)
    add_responses(
        youth.id, youth.current_version_id, {("KZ-10", (2026, 3)): 8}, seed=4, start_index=500
    )
    services.add_mapping(first, DISSATISFIED, "trust", "share", ["1", "2"])
    db.session.commit()
    with pytest.raises(MappingError) as refused:
        services.add_mapping(youth, DISSATISFIED, "trust", "share", ["1"])
    assert refused.value.field == "codes"
    message = str(refused.value.message)
    assert "'Citizen survey 2026'" in message and "share of 1, 2" in message
    assert "2026Q1" in message
    db.session.rollback()
    # Alike, it is accepted and pooled.
    services.add_mapping(youth, DISSATISFIED, "trust", "share", ["2", "1"])
    db.session.commit()
    frame = services.survey_indicator_observations(today=TODAY)
    assert row_of(frame, "KZ-10", "2026Q1").n == 28


def test_a_different_measure_whose_answers_come_later_never_breaks_the_series(
    app_context, new_survey, add_responses, frozen_today
):
    """Mapped before its answers arrived, a second survey measuring differently meets the
    first in 2026Q1: the survey with more respondents in the quarter gives its values (for
    every region, so the national value stays one measure); nothing fails."""
    from webapp.risk.surveys import recompute_survey_observations

    first = new_survey("citizens-2026", "Citizen survey 2026")
    other = new_survey("youth-2026", "Youth survey 2026")
    services.add_mapping(first, DISSATISFIED, "trust", "share", ["1", "2"])
    db.session.commit()
    services.add_mapping(other, DISSATISFIED, "trust", "share", ["1"])  # no answers yet
    db.session.commit()
    first_rows = add_responses(
        first.id,
        first.current_version_id,
        {("KZ-10", (2026, 2)): 20, ("KZ-11", (2026, 2)): 9, ("KZ-10", (2026, 4)): 12},
        seed=5,
    )
    add_responses(
        other.id,
        other.current_version_id,
        {("KZ-10", (2026, 3)): 25, ("KZ-75", (2026, 3)): 10},
        seed=6,
        start_index=500,
    )
    frame = services.survey_indicator_observations(today=TODAY)
    quarter = frame[frame.period.astype(str) == "2026Q1"]
    assert quarter.set_index("region").n.to_dict() == {"KZ-10": 25.0, "KZ-75": 10.0}
    april = answers_of(first_rows, "KZ-10", {(2026, 4)})
    assert row_of(frame, "KZ-10", "2026Q2").value == pytest.approx(
        100 * dissatisfied(april) / 12
    ), "a quarter of its own keeps the first survey's measure"
    assert recompute_survey_observations() == 3
    (overlap,) = services.indicator_overlaps(first)
    assert not overlap.pooled and not overlap.kept and overlap.periods == ["2026Q1"]
    assert services.indicator_overlaps(other)[0].kept


def test_indicators_page_tells_imported_statistics_and_other_surveys_apart(
    app, client, new_survey, add_responses, make_user, sign_in, monkeypatch
):
    from tests.webapp.risk.conftest import long_csv
    from webapp.risk.imports import ReaderOptions, confirm_upload, stage_upload

    monkeypatch.setattr(services, "utcnow", lambda: datetime(2026, 7, 1, 6, 0, tzinfo=UTC))
    analyst = make_user("analyst")
    with app.app_context():
        wave25, wave26, _ = two_waves(new_survey, add_responses, shared_quarter=True)
        official = pd.DataFrame(
            {
                "region": ["KZ-11"],
                "period": [pd.Period("2026Q1", freq="Q")],
                "indicator": [DISSATISFIED],
                "value": [12.5],
            }
        )
        upload = stage_upload(long_csv(official), "official.csv", ReaderOptions(), analyst)
        confirm_upload(upload.id, analyst)
        db.session.commit()
        wave26_id, wave25_id = wave26.id, wave25.id
    sign_in(analyst)
    page = client.get(f"/results/{wave26_id}/indicators").get_data(as_text=True)
    assert "Imported official statistics replace 1 of these values in scoring." in page
    assert page.count("Imported statistics used instead") == 1
    assert "Other surveys feeding these indicators" in page
    assert f'href="/results/{wave25_id}/indicators">Citizen survey 2025</a>' in page
    assert "respondents pooled with this survey" in page
    older = client.get(f"/results/{wave25_id}/indicators").get_data(as_text=True)
    assert "Imported statistics used instead" not in older, "2025Q4 has no import"
    assert "Citizen survey 2026</a>" in older
    client.post("/language", data={"language": "ru", "next": "/"})
    ru = client.get(f"/results/{wave26_id}/indicators").get_data(as_text=True)
    assert "Вместо него используется импортированная статистика" in ru
    assert "респонденты объединены с респондентами этого опроса" in ru
    client.post("/language", data={"language": "kk", "next": "/"})
    kk = client.get(f"/results/{wave26_id}/indicators").get_data(as_text=True)
    assert "Осы көрсеткіштер есептелетін басқа сауалнамалар" in kk


def test_the_refusal_names_the_other_survey_in_the_analysts_language(
    app, client, new_survey, add_responses, make_user, sign_in, monkeypatch
):
    monkeypatch.setattr(services, "utcnow", lambda: datetime(2026, 7, 1, 6, 0, tzinfo=UTC))
    with app.app_context():
        first = new_survey("citizens-2026", "Гражданский опрос 2026")
        second = new_survey("youth-2026", "Youth survey 2026")
        add_responses(first.id, first.current_version_id, {("KZ-10", (2026, 2)): 20}, seed=3)
        add_responses(
            second.id,
            second.current_version_id,
            {("KZ-10", (2026, 3)): 8},
            seed=4,
            start_index=500,
        )
        services.add_mapping(first, DISSATISFIED, "trust", "share", ["1", "2"])
        db.session.commit()
        second_id = second.id
    sign_in(make_user("analyst"))
    client.post("/language", data={"language": "ru", "next": "/"})
    refused = client.post(
        f"/results/{second_id}/indicators",
        data={"indicator": DISSATISFIED, "question": "trust", "method": "share", "codes": "1"},
    )
    page = html.unescape(refused.get_data(as_text=True))
    assert refused.status_code == 200
    assert (
        f"{DISSATISFIED} уже рассчитывается по опросу 'Гражданский опрос 2026' (вопрос trust, "
        "доля 1, 2), и у обоих опросов есть ответы в 2026Q1." in page
    )
    with app.app_context():
        assert not services.mappings_for(db.session.get(Survey, second_id))
