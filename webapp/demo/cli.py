"""``flask demo load``: fill a fresh installation with demo content."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from webapp.demo.services import ensure_demo_accounts, geography_problem, save_sign_ins
from webapp.extensions import db

demo_cli = AppGroup("demo", help="Demo content (synthetic, clearly labelled).")


@demo_cli.command("load")
@click.option(
    "--server-url",
    default="http://127.0.0.1:5000",
    show_default=True,
    help="Address the sign-in hint points to (the one the server will listen on).",
)
def load_command(server_url: str) -> None:
    """Create demo accounts and load each domain's demo content (safe to run again)."""
    loaders = current_app.extensions.get("demo_loaders", [])
    if loaders and (problem := geography_problem()):
        raise click.ClickException(problem)
    sign_ins = ensure_demo_accounts()
    db.session.commit()
    for name, loader in loaders:
        summary = loader()
        db.session.commit()
        click.echo(f"Demo {name}: {summary}")
    if sign_ins:
        path = save_sign_ins(sign_ins)
        click.echo("")
        click.echo(f"Sign in at {server_url.rstrip('/')}/sign-in with (shown on first start only):")
        for email, role, password in sign_ins:
            click.echo(f"  {role:<15} {email:<36} {password}")
        click.echo(
            f"(also saved to {path}; reset with: flask --app webapp users reset-password EMAIL)"
        )
    else:
        click.echo(
            "Demo accounts already exist. Their sign-ins were printed on first start and saved in "
            f"{Path(current_app.instance_path) / 'demo-sign-ins.txt'}; reset one with: "
            "flask --app webapp users reset-password EMAIL"
        )
