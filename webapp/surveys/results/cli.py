"""``flask survey-results``: bring result tallies up to date, or rebuild them."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from webapp.extensions import db
from webapp.surveys.models import Survey
from webapp.surveys.results import services

results_cli = AppGroup("survey-results", help="Survey result tallies.")


def _surveys(survey_id: int | None) -> list[Survey]:
    query = sa.select(Survey).order_by(Survey.id)
    if survey_id is not None:
        query = query.where(Survey.id == survey_id)
    surveys = list(db.session.scalars(query))
    if survey_id is not None and not surveys:
        raise click.BadParameter(f"no survey with id {survey_id}", param_hint="--survey")
    return surveys


@results_cli.command("refresh")
@click.option("--survey", "survey_id", type=int, help="Only this survey (id).")
def refresh(survey_id: int | None) -> None:
    """Count every response not yet in the tallies (e.g. after a bulk import)."""
    for survey in _surveys(survey_id):
        counted = services.refresh_tallies(survey.id, limit=None)
        click.echo(f"{survey.slug}: {counted} responses counted")


@results_cli.command("rebuild")
@click.option("--survey", "survey_id", type=int, help="Only this survey (id).")
def rebuild(survey_id: int | None) -> None:
    """Count every response again from scratch (after responses were deleted)."""
    for survey in _surveys(survey_id):
        counted = services.rebuild_tallies(survey.id)
        click.echo(f"{survey.slug}: {counted} responses counted")
