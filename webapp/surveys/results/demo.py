"""Demo indicator mappings for the demo citizen survey, and demo region populations.

The mappings use the survey indicator codes of the default catalogue
(``forecasting/data/indicators.csv``). The populations are rounded, approximate figures for
the start of 2024, good enough to show post-stratification; load official figures from the
Bureau of National Statistics for real use.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from webapp.extensions import db
from webapp.regions.models import Region
from webapp.surveys.models import Survey
from webapp.surveys.results import services
from webapp.surveys.results.models import RegionPopulation, SurveyIndicatorMapping

CITIZEN_SLUG = "citizen-survey"
POPULATIONS_FILE = Path(__file__).resolve().parent / "data" / "demo_region_populations.csv"

#: (indicator code, question, method, codes): what each answer says about the indicator.
DEMO_MAPPINGS = (
    ("survey_trust_local_government", "trust_regional_akimat", "share", ("4", "5")),
    ("survey_dissatisfied_services", "services_satisfaction", "share", ("1", "2")),
    ("survey_information_access", "information_access", "share", ("4", "5")),
    ("survey_interethnic_tension", "interethnic_harmony", "share", ("1", "2")),
)


def load_demo_indicators() -> str:
    """Idempotent: adds the mappings and populations that are missing."""
    survey = db.session.scalar(sa.select(Survey).where(Survey.slug == CITIZEN_SLUG))
    if survey is None:
        return "skipped: the demo citizen survey is not loaded"
    catalogue = {code for code, _, _ in services.survey_indicator_codes()}
    existing = {
        mapping.indicator_code
        for mapping in db.session.scalars(
            sa.select(SurveyIndicatorMapping).where(SurveyIndicatorMapping.survey_id == survey.id)
        )
    }
    added = 0
    for code, question, method, codes in DEMO_MAPPINGS:
        if code in existing or code not in catalogue:
            continue
        # Several mappings in one transaction: the tallies as last counted (add_mapping).
        services.add_mapping(survey, code, question, method, codes, count_answers=False)
        added += 1
    populations = 0
    has_populations = db.session.scalar(sa.select(sa.func.count()).select_from(RegionPopulation))
    if not has_populations and db.session.scalar(sa.select(sa.func.count()).select_from(Region)):
        populations = services.load_populations(
            POPULATIONS_FILE.read_text(encoding="utf-8"),
            "approximate figures for the demo (start of 2024, rounded)",
        )
    if added or populations:
        return f"{added} indicator mappings, populations of {populations} regions"
    # A later start adds nothing: say what is there ("0 mappings, 0 regions" read as none).
    stored = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(SurveyIndicatorMapping)
        .where(SurveyIndicatorMapping.survey_id == survey.id)
    )
    return f"already loaded: {stored} indicator mappings, populations of {has_populations} regions"
