"""Fixtures of the review pages: a published run over every current unit, signed-in staff."""

from __future__ import annotations

import pytest

from tests.conftest import TEST_PASSWORD
from tests.webapp.review.materialised import (
    SMALL_CELL_REGION,
    add_survey_observations,
    materialise_run,
)

PUBLISHED = "run-published"
UNPUBLISHED = "run-unpublished"


@pytest.fixture
def published(app, regions):
    """The published run over all 20 current units, an older unpublished one, survey values."""
    with app.app_context():
        codes = tuple(region.code for region in regions if region.is_current)
        materialise_run(UNPUBLISHED, codes, active=True, offset=3.0)
        run = materialise_run(PUBLISHED, codes, active=True)
        add_survey_observations(codes, SMALL_CELL_REGION)
    return run


@pytest.fixture
def client_for(app, make_user):
    """``client_for("council_member")``: a fresh client signed in with a new account of that role."""

    def make(role: str):
        user = make_user(role)
        client = app.test_client()
        response = client.post("/sign-in", data={"email": user.email, "password": TEST_PASSWORD})
        assert response.status_code == 302
        client.user = user
        return client

    return make
