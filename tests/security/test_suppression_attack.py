"""Small-cell suppression attacked from outside, through the public API only.

The attacker sees what ``/api/v1/surveys/<id>/results`` publishes for every filter it
offers (each region, each month range, all of them) and subtracts. The rule
(``webapp/surveys/results/suppression.py``) promises that every published count is a sum of
released pieces of region-month blocks, each 0 or at least k. Hence, for random data:

1. every published count (cells, withheld rests, totals) is 0 or at least k;
2. for two filters whose blocks nest, every difference of the same figure is 0 or at least
   k: differencing never isolates fewer than k respondents;
3. a region-month block with fewer than k responses contributes to no published figure.

Independent of the survey module's own property tests: only HTTP and JSON are used here.
"""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz import support
from tests.fuzz.support import settings_for, survey_xlsx

THRESHOLD = 3
REGIONS = ("KZ-75", "KZ-71", "KZ-79")
MONTHS = ("2024-01", "2024-02", "2024-03")
COUNT_FIELDS = {"count", "withheld", "responses", "total", "answered"}
IDENTIFIERS = ("value", "region", "month", "language")


@pytest.fixture(scope="module")
def attack_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    from tests.fuzz.conftest import build_app
    from webapp.extensions import db
    from webapp.regions.services import load_regions

    app = build_app(tmp_path_factory.mktemp("suppression"))
    app.config["SUPPRESSION_THRESHOLD"] = THRESHOLD
    with app.app_context():
        load_regions()
        db.session.commit()
        db.session.remove()
    yield app
    with app.app_context():
        db.engine.dispose()


respondent = st.fixed_dictionaries(
    {
        "employed": st.sampled_from(["yes", "no"]),
        "trust": st.sampled_from(["1", "2", "3", "4", "5"]),
        "topics": st.lists(st.sampled_from(["roads", "jobs"]), unique=True),
        "age": st.integers(18, 100),
        "language": st.sampled_from(["kk", "ru", "en"]),
    }
)
#: Responses per block: many blocks below the threshold, some above.
blocks = st.fixed_dictionaries(
    {
        (region, month): st.lists(respondent, max_size=2 * THRESHOLD + 1)
        for region in REGIONS
        for month in MONTHS
    }
)


def store(app: Flask, data: dict[tuple[str, str], list[dict[str, Any]]]) -> int:
    """A fresh open survey holding exactly these responses; returns its id."""
    from webapp.extensions import db
    from webapp.surveys.models import SurveyResponse
    from webapp.surveys.services import authoring
    from webapp.surveys.services.responding import content_hash

    with app.app_context():
        survey = authoring.create_survey(
            authoring.read_definition(survey_xlsx(), "attack.xlsx"),
            slug=f"attack-{uuid.uuid4().hex[:12]}",
        )
        authoring.open_survey(survey)
        for (region, month), people in data.items():
            year, number = map(int, month.split("-"))
            for person in people:
                answers = {"region": region, "age": person["age"], "employed": person["employed"]}
                if person["employed"] == "yes":
                    answers["employer"] = "Somewhere"
                answers["trust"] = person["trust"]
                if person["topics"]:
                    answers["topics"] = person["topics"]
                db.session.add(
                    SurveyResponse(
                        survey_id=survey.id,
                        survey_version_id=survey.current_version_id,
                        submission_id=str(uuid.uuid4()),
                        content_hash=content_hash(answers),
                        language=person["language"],
                        region_code=region,
                        submitted_at=dt.datetime(year, number, 15, 6, tzinfo=dt.UTC),
                        answers=answers,
                    )
                )
        db.session.commit()
        survey_id = survey.id
        db.session.remove()
    return survey_id


def published_counts(payload: Any, path: tuple = ()) -> dict[tuple, int]:
    """Every whole-number count in the response, keyed by where it is and what it counts."""
    found: dict[tuple, int] = {}
    if isinstance(payload, dict):
        identity = tuple(f"{name}={payload[name]}" for name in IDENTIFIERS if name in payload)
        for key, value in payload.items():
            if key in {"filters", "survey", "threshold", "months", "unreleased_blocks"}:
                continue
            if key in COUNT_FIELDS and isinstance(value, int) and not isinstance(value, bool):
                found[(*path, *identity, key)] = value
            else:
                found.update(published_counts(value, (*path, *identity, key)))
    elif isinstance(payload, list):
        for item in payload:
            found.update(published_counts(item, path))
    return found


def filters() -> list[tuple[str | None, str | None, str | None]]:
    ranges = [(None, None)] + [
        (MONTHS[i], MONTHS[j]) for i in range(len(MONTHS)) for j in range(i, len(MONTHS))
    ]
    return [(region, start, end) for region in (None, *REGIONS) for start, end in ranges]


def blocks_of(selection: tuple[str | None, str | None, str | None]) -> frozenset:
    region, start, end = selection
    return frozenset(
        (r, m)
        for r in REGIONS
        for m in MONTHS
        if (region is None or r == region)
        and (start is None or m >= start)
        and (end is None or m <= end)
    )


def is_safe(number: int) -> bool:
    return number == 0 or abs(number) >= THRESHOLD


@settings_for(6)
@given(data=blocks)
def test_published_figures_cannot_be_differenced_below_the_threshold(attack_app, data) -> None:
    support.CASES["suppression attack through the API"] += 1
    survey_id = store(attack_app, data)
    client = attack_app.test_client()
    views = {}
    for selection in filters():
        region, start, end = selection
        query = {
            name: value
            for name, value in (("region", region), ("month_from", start), ("month_to", end))
            if value is not None
        }
        response = client.get(f"/api/v1/surveys/{survey_id}/results", query_string=query)
        assert response.status_code == 200, (query, response.get_data(as_text=True)[:300])
        views[selection] = published_counts(response.get_json())

    for selection, counts in views.items():
        unsafe = {key: value for key, value in counts.items() if not is_safe(value)}
        assert unsafe == {}, (selection, unsafe)

    for big, small in itertools.permutations(views, 2):
        if not blocks_of(small) < blocks_of(big):
            continue
        for key in views[big].keys() & views[small].keys():
            difference = views[big][key] - views[small][key]
            assert is_safe(difference), (big, small, key, views[big][key], views[small][key])

    small_blocks = [block for block, people in data.items() if 0 < len(people) < THRESHOLD]
    for region, month in small_blocks:
        alone = views[(region, month, month)]
        assert all(value == 0 for value in alone.values() if value is not None), (region, month)
