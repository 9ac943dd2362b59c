from __future__ import annotations

import math
import time
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user, login_user, logout_user
from flask_login.config import COOKIE_NAME
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from webapp.audit.services import record
from webapp.auth import services
from webapp.auth.access import public, roles_required
from webapp.auth.forms import (
    ChangePasswordForm,
    ChangeUserForm,
    CreateUserForm,
    ResetPasswordForm,
    SignInForm,
)
from webapp.auth.models import Role, User
from webapp.extensions import db, limiter

blueprint = Blueprint("auth", __name__)

#: Said to the administrator with every one-time password, for the person it is handed to.
ONE_TIME_NOTE = _l(
    "At the first sign-in with it, its holder is asked to choose their own password; "
    "until then it opens nothing else."
)


def home_for(user: User) -> str:
    """Each role lands on the page it works from."""
    if user.role == Role.COUNCIL_MEMBER:
        return url_for("review.dashboard")
    return url_for("core.index")


def safe_next(target: str | None) -> str | None:
    """Only follow redirects inside this site, never to another host.

    Browsers read a backslash in a URL as a slash and drop tabs and line breaks: sent as
    ``Location: /\\evil.example``, ``next=/\\evil.example`` led to ``//evil.example``,
    another host, though Python's ``urlsplit`` sees a path. Such targets are refused.
    """
    if not target:
        return None
    if "\\" in target or any(ord(char) < 0x20 or ord(char) == 0x7F for char in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def typed_account() -> str:
    """The per-account limit's key: the e-mail typed, whether or not an account has it (so
    that the limit says nothing about which accounts exist)."""
    return "sign-in-account:" + request.form.get("email", "").strip().lower()[:254]


def password_change_account() -> str:
    """The limit's key on the password page: the signed-in account, whatever its address."""
    return f"password-change:{getattr(current_user, 'id', '')}"


def failed_attempt(response: Response) -> bool:
    """Only attempts that did not sign in count against the account."""
    return response.status_code != 302


@blueprint.route("/sign-in", methods=["GET", "POST"])
# Per address, failed attempts only: a council meeting or an office signs in from one
# address (one Wi-Fi, one NAT), and its members' sign-ins must not lock each other out.
@limiter.limit(
    lambda: current_app.config["SIGN_IN_RATE_LIMIT"],
    methods=["POST"],
    deduct_when=failed_attempt,
)
@limiter.limit(
    lambda: current_app.config["SIGN_IN_ACCOUNT_RATE_LIMIT"],
    key_func=typed_account,
    methods=["POST"],
    deduct_when=failed_attempt,
)
@public
def sign_in() -> str | Response:
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = SignInForm()
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.email.data, form.password.data)
        except services.AccountDisabled:
            db.session.commit()
            flash(_("This account is disabled. Ask an administrator to enable it again."), "error")
            return render_template("auth/sign_in.html", form=form)
        db.session.commit()
        if user is not None:
            session.clear()  # a fresh session on privilege change
            login_user(user, remember=form.remember.data)
            if user.must_change_password:
                next_page = safe_next(request.args.get("next"))
                return redirect(url_for("auth.change_password", next=next_page))
            return redirect(safe_next(request.args.get("next")) or home_for(user))
        flash(_("The e-mail or password is not right."), "error")
    # Sent here from a page that needs an account: say why, or a council member following a
    # link to /review/ lands on a bare sign-in form.
    asked_for = safe_next(request.args.get("next"))
    return render_template("auth/sign_in.html", form=form, asked_for=asked_for)


@blueprint.errorhandler(429)
def too_many_sign_ins(error: HTTPException) -> tuple[str, int]:
    """The sign-in page again, saying how long to wait (the hourly and per-account limits
    last longer than the minute the general message promises)."""
    current = limiter.current_limit
    # reset_at is rounded up to the next whole second: a window of 60 s is "1 minute".
    seconds = current.reset_at - 1 - time.time() if current is not None else 60
    minutes = max(math.ceil(seconds / 60), 1)
    message = ngettext(
        "Too many sign-in attempts. Try again in %(num)d minute.",
        "Too many sign-in attempts. Try again in %(num)d minutes.",
        minutes,
    )
    if request.endpoint == "auth.change_password" and current_user.is_authenticated:
        form = ChangePasswordForm(formdata=None)
        form.current_password.errors = [message]
        return render_template(
            "auth/change_password.html",
            form=form,
            forced=current_user.must_change_password,
            rule=password_length_rule(),
        ), 429
    return render_template("auth/sign_in.html", form=SignInForm(), too_many=message), 429


@blueprint.post("/sign-out")
@roles_required(*Role)
def sign_out() -> Response:
    record("user.sign_out", "user", current_user.id)
    db.session.commit()
    logout_user()
    flash(_("You have signed out."), "info")
    return redirect(url_for("core.index"))


@blueprint.route("/account/password", methods=["GET", "POST"])
# The current password is checked here as at sign-in: without a limit, whoever held a
# session (a stolen cookie, a computer left signed in) could guess it, change it and keep
# the account. Wrong attempts count per account, as sign-in's per-account limit.
@limiter.limit(
    lambda: current_app.config["SIGN_IN_ACCOUNT_RATE_LIMIT"],
    key_func=password_change_account,
    methods=["POST"],
    deduct_when=failed_attempt,
)
@roles_required(*Role)
def change_password() -> str | Response:
    """Choose one's own password: where a one-time password leads (``require_own_password``
    sends every other page here until then), and open to any account for a change."""
    user = current_user._get_current_object()
    forced = user.must_change_password
    form = ChangePasswordForm()
    if forced:
        form.current_password.label.text = _("One-time password")
    if form.validate_on_submit():
        try:
            services.choose_password(user, form.current_password.data, form.new_password.data)
        except services.WrongPassword:
            db.session.commit()  # the failed attempt's audit entry
            form.current_password.errors.append(
                _("The one-time password is not right.")
                if forced
                else _("The current password is not right.")
            )
        except services.PasswordTooShort:
            form.new_password.errors.append(password_length_rule())
        except services.SamePassword:
            form.new_password.errors.append(
                _("Choose a password of your own, not the one-time password.")
                if forced
                else _("The new password is the same as the current one.")
            )
        else:
            db.session.commit()
            # The session was made with the old password and no longer matches it: sign in
            # again with the new one (every other session ends), keeping "keep me signed in".
            remember_cookie = current_app.config.get("REMEMBER_COOKIE_NAME", COOKIE_NAME)
            login_user(user, remember=remember_cookie in request.cookies)
            flash(_("Your password is changed. Your other sessions have ended."), "success")
            return redirect(safe_next(request.args.get("next")) or home_for(user))
    return render_template(
        "auth/change_password.html", form=form, forced=forced, rule=password_length_rule()
    )


def password_length_rule() -> str:
    return ngettext(
        "At least %(num)d character.",
        "At least %(num)d characters.",
        services.MINIMUM_PASSWORD_LENGTH,
    )


@blueprint.route("/admin/users", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def users() -> str | Response:
    form = CreateUserForm()
    if form.validate_on_submit():
        try:
            user, password = services.create_user(
                form.email.data, form.role.data, display_name=form.display_name.data or ""
            )
        except services.AccountError as error:
            db.session.rollback()
            form.email.errors.append(str(error))
        else:
            db.session.commit()
            flash(
                _(
                    "Account %(email)s created. Its one-time password is %(password)s — "
                    "hand it over securely; it is not shown again.",
                    email=user.email,
                    password=password,
                ),
                "success",
            )
            flash(ONE_TIME_NOTE, "info")
            return redirect(url_for("auth.users"))
    accounts = db.session.scalars(sa.select(User).order_by(User.role, User.email)).all()
    return render_template("auth/users.html", form=form, accounts=accounts)


@blueprint.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit_user(user_id: int) -> str | Response:
    user = db.get_or_404(User, user_id)
    form = ChangeUserForm(obj=user, enabled=user.is_enabled)
    if form.validate_on_submit():
        if user.id == current_user.id and (form.role.data != Role.ADMIN or not form.enabled.data):
            form.role.errors.append(_("You cannot remove your own administrator access."))
        else:
            if form.role.data != user.role:
                services.change_role(user, form.role.data)
            if form.enabled.data != user.is_enabled:
                services.set_enabled(user, form.enabled.data)
            db.session.commit()
            flash(_("Account %(email)s updated.", email=user.email), "success")
            return redirect(url_for("auth.users"))
    return render_template(
        "auth/edit_user.html", form=form, account=user, reset_form=ResetPasswordForm()
    )


@blueprint.post("/admin/users/<int:user_id>/reset-password")
@roles_required(Role.ADMIN)
def reset_password(user_id: int) -> Response:
    """A new one-time password, shown once to the administrator; the account's sessions end."""
    user = db.get_or_404(User, user_id)
    if ResetPasswordForm().validate_on_submit():
        password = services.reset_password(user)
        db.session.commit()
        flash(
            _(
                "New one-time password for %(email)s: %(password)s — hand it over securely; "
                "it is not shown again. The account's open sessions have ended.",
                email=user.email,
                password=password,
            ),
            "success",
        )
        flash(ONE_TIME_NOTE, "info")
    return redirect(url_for("auth.edit_user", user_id=user.id))
