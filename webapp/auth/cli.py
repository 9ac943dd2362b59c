"""``flask users ...``: manage staff accounts from the terminal."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from webapp.auth import services
from webapp.auth.models import ROLE_VALUES, User
from webapp.extensions import db

users_cli = AppGroup("users", help="Create and manage staff accounts.")

ONE_TIME_NOTE = "It is a one-time password: at first sign-in its holder chooses their own."


@users_cli.command("create")
@click.argument("email")
@click.option("--role", required=True, help=f"One of: {', '.join(ROLE_VALUES)}.")
@click.option("--name", "display_name", default="", help="Display name.")
@click.option(
    "--password-prompt",
    is_flag=True,
    help="Type the password instead of having one generated.",
)
def create_command(email: str, role: str, display_name: str, password_prompt: bool) -> None:
    """Create an account; a generated password is printed once, and its holder must replace it
    at first sign-in. A typed one (``--password-prompt``) is the typist's own and stays."""
    password = None
    if password_prompt:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user, password = services.create_user(email, role, password, display_name)
    except services.AccountError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"Created {user.role} {user.email}")
    if not password_prompt:
        click.echo(f"Password (shown once): {password}")
        click.echo(ONE_TIME_NOTE)


@users_cli.command("list")
def list_command() -> None:
    """List accounts."""
    for user in db.session.scalars(sa.select(User).order_by(User.role, User.email)):
        state = "enabled" if user.is_enabled else "disabled"
        click.echo(f"{user.id}\t{user.email}\t{user.role}\t{state}")


@users_cli.command("reset-password")
@click.argument("email")
@click.option(
    "--password-prompt",
    is_flag=True,
    help="Type the new password instead of having a one-time one generated.",
)
def reset_password_command(email: str, password_prompt: bool) -> None:
    """Give an account a new password and end its sessions: a generated one-time password
    (printed once; its holder must replace it at first sign-in), or one typed here."""
    user = services.find_user(email)
    if user is None:
        raise click.ClickException(f"No account for {email}.")
    password = None
    if password_prompt:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        password = services.reset_password(user, password)
    except services.AccountError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    db.session.commit()
    if password_prompt:
        click.echo(f"New password set for {user.email}")
    else:
        click.echo(f"New password for {user.email} (shown once): {password}")
        click.echo(ONE_TIME_NOTE)


@users_cli.command("set-role")
@click.argument("email")
@click.argument("role")
def set_role_command(email: str, role: str) -> None:
    """Change an account's role."""
    user = services.find_user(email)
    if user is None:
        raise click.ClickException(f"No account for {email}.")
    try:
        services.change_role(user, role)
    except services.AccountError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"{user.email} is now {role}")


@users_cli.command("disable")
@click.argument("email")
def disable_command(email: str) -> None:
    """Disable an account: it cannot sign in, and its open sessions end at their next request."""
    _set_enabled(email, False)


@users_cli.command("enable")
@click.argument("email")
def enable_command(email: str) -> None:
    """Enable a disabled account again."""
    _set_enabled(email, True)


def _set_enabled(email: str, enabled: bool) -> None:
    user = services.find_user(email)
    if user is None:
        raise click.ClickException(f"No account for {email}.")
    if user.is_enabled != enabled:
        services.set_enabled(user, enabled)
        db.session.commit()
    click.echo(f"{user.email} is {'enabled' if enabled else 'disabled'}")
