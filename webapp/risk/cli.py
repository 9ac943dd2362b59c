"""``flask risk ...``: the training worker, the catalogue, survey indicators."""

from __future__ import annotations

import signal

import click
from flask import current_app
from flask.cli import AppGroup

from webapp.extensions import db
from webapp.risk import jobs
from webapp.risk.catalogue import CatalogueError, ensure_catalogue, load_domains
from webapp.risk.surveys import recompute_survey_observations

risk_cli = AppGroup("risk", help="Risk index: training worker, catalogue, survey indicators.")


@risk_cli.command("worker")
@click.option("--burst", is_flag=True, help="Run the queued jobs, then stop.")
@click.option("--poll", default=2.0, show_default=True, help="Seconds between queue checks.")
def worker_command(burst: bool, poll: float) -> None:
    """Run training jobs from the jobs table (use this when REDIS_URL is not set)."""
    click.echo(f"Training worker {jobs.worker_name()} polling every {poll:g} s (Ctrl+C to stop)")
    # A supervisor stops workers with SIGTERM: turn it into an exit the job runner sees, so
    # a job cut short is marked failed at once.
    signal.signal(signal.SIGTERM, _exit_on_signal)
    try:
        ran = jobs.run_worker(poll_seconds=poll, burst=burst)
    except (KeyboardInterrupt, SystemExit):
        click.echo("Worker stopped.")
        return
    click.echo(f"Worker stopped after {ran} job(s).")


def _exit_on_signal(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


@risk_cli.command("rq-worker")
@click.option("--burst", is_flag=True, help="Run the queued jobs, then stop.")
def rq_worker_command(burst: bool) -> None:
    """Run training jobs from the RQ queue on REDIS_URL, inside this application."""
    from redis import Redis
    from rq import Queue, SimpleWorker

    redis_url = current_app.config.get("REDIS_URL")
    if not redis_url:
        raise click.ClickException("REDIS_URL is not set; use `flask --app webapp risk worker`")
    connection = Redis.from_url(redis_url)
    queue = Queue(jobs.RQ_QUEUE, connection=connection)
    # SimpleWorker runs jobs in this process, inside the application context.
    SimpleWorker([queue], connection=connection).work(burst=burst)


@risk_cli.command("seed-catalogue")
def seed_catalogue_command() -> None:
    """Load the packaged indicator catalogue into an empty database."""
    seeded = ensure_catalogue()
    db.session.commit()
    click.echo("Catalogue seeded." if seeded else "The catalogue already has indicators.")


@risk_cli.command("load-domains")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def load_domains_command(path: str) -> None:
    """Add or update the risk index's domains from FILE.csv (code,name_kk,name_ru,name_en,weight)."""
    with open(path, "rb") as handle:
        content = handle.read()
    try:
        added, updated = load_domains(content, click.format_filename(path))
    except CatalogueError as error:
        db.session.rollback()
        raise click.ClickException(
            "The domains were not loaded; nothing changed:\n"
            + "\n".join(f"  - {problem}" for problem in error.problems)
        ) from error
    db.session.commit()
    click.echo(f"Domains loaded: {added} added, {updated} updated.")


@risk_cli.command("recompute-surveys")
def recompute_surveys_command() -> None:
    """Recompute the survey-derived indicator values from the answers."""
    count = recompute_survey_observations()
    db.session.commit()
    click.echo(f"Survey-derived values: {count}.")


@risk_cli.command("fail-stale")
@click.option("--minutes", default=30, show_default=True)
def fail_stale_command(minutes: int) -> None:
    """Mark running jobs whose worker has been silent for MINUTES as failed."""
    from datetime import timedelta

    count = jobs.fail_stale_jobs(timedelta(minutes=minutes))
    click.echo(f"{count} job(s) marked failed.")
