"""Fixtures of the risk domain: signed-in staff, small statistics files, a tiny panel."""

from __future__ import annotations

import io

import pandas as pd
import pytest

#: Three regions, two monthly indicators, two years: enough for a real, fast training run.
SMALL_REGIONS = ("KZ-47", "KZ-71", "KZ-75")
SMALL_INDICATORS = ("registered_unemployment", "complaints_per_10k")


@pytest.fixture
def analyst(make_user):
    return make_user("analyst")


@pytest.fixture
def analyst_client(client, regions, analyst, sign_in):
    """A client signed in as an analyst, with the region registry loaded."""
    sign_in(analyst)
    return client


@pytest.fixture
def small_panel() -> pd.DataFrame:
    """Contract observations: 3 regions x 24 months x 2 indicators of the synthetic panel."""
    from forecasting.demo import generate_panel

    observations, _ = generate_panel(seed=7, regions=SMALL_REGIONS, months=24)
    return observations[observations["indicator"].isin(SMALL_INDICATORS)].reset_index(drop=True)


def csv_bytes(text: str) -> bytes:
    return text.strip().encode("utf-8") + b"\n"


def long_csv(panel: pd.DataFrame) -> bytes:
    frame = panel.assign(period=panel["period"].astype(str))[
        ["region", "period", "indicator", "value"]
    ]
    return frame.to_csv(index=False).encode("utf-8")


def upload_data(content: bytes, filename: str, **options) -> dict:
    data = {"file": (io.BytesIO(content), filename), "layout": "auto", "indicator": ""}
    data.update(options)
    return data


def stage(user, content: bytes, filename: str = "stats.csv", **options):
    """Check a file as the upload page does (``stage_upload``) and commit the staged upload."""
    from webapp.extensions import db
    from webapp.risk.imports import ReaderOptions, stage_upload

    upload = stage_upload(content, filename, ReaderOptions(**options), user)
    db.session.commit()
    return upload


def stored() -> dict[tuple[str, str], float]:
    """The stored observations: (region code, period) -> value."""
    import sqlalchemy as sa

    from webapp.extensions import db
    from webapp.risk.models import RiskObservation

    rows = db.session.execute(
        sa.select(RiskObservation.region_code, RiskObservation.period, RiskObservation.value)
    ).all()
    return {(region, str(period)): number for region, period, number in rows}
