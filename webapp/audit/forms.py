from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField
from wtforms.validators import Optional


class AuditFilterForm(FlaskForm):
    """A GET form: filters are part of the URL so that a view of the log can be shared."""

    class Meta:
        csrf = False

    action = SelectField(_l("Action"), choices=[], validate_choice=False)
    actor = StringField(_l("Actor e-mail contains"), validators=[Optional()])
    target_type = SelectField(_l("Target type"), choices=[], validate_choice=False)
    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("To"), validators=[Optional()])
