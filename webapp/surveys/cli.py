"""``flask surveys ...``: import XLSForms, open and close surveys, manage councils."""

from __future__ import annotations

from datetime import timedelta

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from webapp.database import utcnow
from webapp.extensions import db
from webapp.surveys import councils as council_services
from webapp.surveys.models import Audience, SurveyDraft
from webapp.surveys.services import ImportRefused, SurveyError
from webapp.surveys.services import authoring as services

surveys_cli = AppGroup("surveys", help="Surveys: import XLSForms, lifecycle, councils.")


@surveys_cli.command("import")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--slug", default=None, help="Public address /s/SLUG (default: from the form id).")
@click.option(
    "--audience",
    type=click.Choice([audience.value for audience in Audience]),
    default=Audience.PUBLIC.value,
    show_default=True,
)
@click.option("--publish", is_flag=True, help="Open the survey for responses right away.")
@click.option("--state-body", "state_body_id", type=int, default=None, help="State body id.")
@click.option("--note", default="", help="Note shown with the survey.")
def import_command(
    path: str,
    slug: str | None,
    audience: str,
    publish: bool,
    state_body_id: int | None,
    note: str,
) -> None:
    """Import an XLSForm (.xlsx/.xls) or JSON definition; prints the survey id and version.

    If the survey address (--slug) already exists, the file becomes its next version.
    Nothing is stored when the file has problems: each is printed and the exit code is 1.
    """
    try:
        definition, notes = services.read_import(path)
        existing = services.find_survey(slug) if slug else None
        if existing is not None:
            version = services.add_version(
                existing, definition, source_filename=path, import_notes=notes
            )
            survey = existing
        else:
            survey = services.create_survey(
                definition,
                slug=slug,
                audience=audience,
                source_filename=path,
                state_body_id=state_body_id,
                note=note,
                import_notes=notes,
            )
            version = survey.current_version
        if publish and survey.state != "open":
            services.open_survey(survey)
    except ImportRefused as refusal:
        db.session.rollback()
        click.echo(f"{path}: not imported, {len(refusal.problems)} problem(s):", err=True)
        for problem in refusal.problems:
            click.echo(
                f"  sheet={problem.sheet or '-'} row={problem.row or '-'} "
                f"column={problem.column or '-'}: {problem.message}",
                err=True,
            )
        raise SystemExit(1) from refusal
    except SurveyError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(
        f"survey id={survey.id} slug={survey.slug} version={version.number} state={survey.state}"
    )
    for text in notes:
        click.echo(f"  note: {text}")


@surveys_cli.command("list")
def list_command() -> None:
    """List surveys with their state, audience, version and response count."""
    for survey in services.all_surveys():
        version = survey.current_version.number if survey.current_version else "-"
        click.echo(
            f"{survey.id}\t{survey.slug}\t{survey.state}\t{survey.audience}\tv{version}\t"
            f"{services.response_count(survey)} responses"
        )


@surveys_cli.command("open")
@click.argument("slug")
def open_command(slug: str) -> None:
    """Open a survey for responses."""
    _move(slug, "open")


@surveys_cli.command("close")
@click.argument("slug")
def close_command(slug: str) -> None:
    """Close a survey: no more responses."""
    _move(slug, "close")


def _move(slug: str, action: str) -> None:
    survey = services.find_survey(slug)
    if survey is None:
        raise click.ClickException(f"No survey with the address '{slug}'.")
    try:
        services.change_state(survey, action)
    except SurveyError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"{survey.slug} is now {survey.state}")


@surveys_cli.command("invite")
@click.argument("slug")
@click.option("--count", type=int, required=True, help="How many invitation links.")
@click.option("--base-url", default="http://127.0.0.1:5000", show_default=True)
def invite_command(slug: str, count: int, base_url: str) -> None:
    """Print new one-time invitation links (shown once; only their hashes are kept)."""
    survey = services.find_survey(slug)
    if survey is None:
        raise click.ClickException(f"No survey with the address '{slug}'.")
    try:
        tokens = services.create_invitations(survey, count)
    except SurveyError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    db.session.commit()
    for token in tokens:
        click.echo(f"{base_url.rstrip('/')}/s/{survey.slug}/i/{token}")


@surveys_cli.command("prune-drafts")
@click.option("--days", type=int, default=90, show_default=True)
def prune_drafts_command(days: int) -> None:
    """Delete unfinished answers not touched for DAYS days."""
    cutoff = utcnow() - timedelta(days=days)
    result = db.session.execute(sa.delete(SurveyDraft).where(SurveyDraft.updated_at < cutoff))
    db.session.commit()
    click.echo(f"{result.rowcount} draft(s) deleted")


councils_cli = AppGroup("councils", help="State bodies, public councils and their members.")
surveys_cli.add_command(councils_cli)


@councils_cli.command("add-body")
@click.option("--kk", required=True)
@click.option("--ru", required=True)
@click.option("--en", required=True)
@click.option("--level", type=click.Choice(["republican", "local"]), required=True)
@click.option("--region", default=None, help="Region code for a local body, e.g. KZ-75.")
def add_body_command(kk: str, ru: str, en: str, level: str, region: str | None) -> None:
    """Add a state body."""
    try:
        body = council_services.create_state_body(council_services.Names(kk, ru, en), level, region)
    except SurveyError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"state body id={body.id}")


@councils_cli.command("add")
@click.option("--body", "body_id", type=int, required=True, help="State body id.")
@click.option("--kk", required=True)
@click.option("--ru", required=True)
@click.option("--en", required=True)
@click.option(
    "--level",
    type=click.Choice(["republican", "local"]),
    default=None,
    help="The council's own level (default: the state body's).",
)
@click.option(
    "--region",
    default=None,
    help="Region code of a local council, e.g. KZ-35 (default: the state body's).",
)
def add_council_command(
    body_id: int, kk: str, ru: str, en: str, level: str | None, region: str | None
) -> None:
    """Add a public council to a state body (a ministry's council in one region: --level
    local --region CODE), as the Public councils page does."""
    try:
        council = council_services.create_council(
            council_services.Names(kk, ru, en), body_id, level=level, region_code=region
        )
    except SurveyError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"council id={council.id}")


@councils_cli.command("add-member")
@click.argument("council_id", type=int)
@click.argument("email")
def add_member_command(council_id: int, email: str) -> None:
    """Add a council-member account to a council."""
    from webapp.surveys.models import Council

    council = db.session.get(Council, council_id)
    if council is None:
        raise click.ClickException(f"No council with id {council_id}.")
    try:
        council_services.add_member(council, email)
    except SurveyError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"{email} added to council {council_id}")


@councils_cli.command("list")
def list_councils_command() -> None:
    """List state bodies and their councils."""
    for body in council_services.all_state_bodies():
        click.echo(f"body {body.id}\t{body.level}\t{body.region_code or '-'}\t{body.name_en}")
        for council in body.councils:
            members = len(council.memberships)
            click.echo(
                f"  council {council.id}\t{council.level}\t{council.region_code or '-'}"
                f"\t{council.name_en}\t{members} member(s)"
            )
