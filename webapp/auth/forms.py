from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from webapp.auth.models import Role

ROLE_LABELS = {
    Role.ADMIN: _l("Administrator"),
    Role.ANALYST: _l("Analyst"),
    Role.COUNCIL_MEMBER: _l("Public council member"),
}


def role_choices() -> list[tuple[str, str]]:
    return [(role.value, label) for role, label in ROLE_LABELS.items()]


class SignInForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)])
    remember = BooleanField(_l("Keep me signed in on this device"))


class CreateUserForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    display_name = StringField(_l("Full name"), validators=[Optional(), Length(max=200)])
    role = SelectField(_l("Role"), choices=role_choices)


class ChangeUserForm(FlaskForm):
    role = SelectField(_l("Role"), choices=role_choices)
    enabled = BooleanField(_l("Account enabled"))


class ResetPasswordForm(FlaskForm):
    """A button: the new password is generated (CSRF is the only field)."""


class ChangePasswordForm(FlaskForm):
    """The holder's own password. The rules (length, not the current one) are the service's;
    the 1024-character limit is the sign-in form's, so that the password can be typed there."""

    current_password = PasswordField(
        _l("Current password"),
        validators=[DataRequired(), Length(max=1024)],
        render_kw={"autocomplete": "current-password"},
    )
    new_password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(max=1024)],
        render_kw={"autocomplete": "new-password"},
    )
    confirm_password = PasswordField(
        _l("New password again"),
        validators=[
            DataRequired(),
            EqualTo("new_password", message=_l("The two new passwords are not the same.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )
