from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from webapp.form_choices import select_choices
from webapp.review.comments import MAX_BODY_LENGTH

VERDICT_LABELS = {
    "agree": _l("Agree"),
    "disagree": _l("Disagree"),
    "needs_discussion": _l("Needs discussion"),
}


class CommentForm(FlaskForm):
    period = SelectField(_l("Period"), choices=[], validators=[DataRequired()])
    verdict = RadioField(
        _l("Your view of the score"),
        choices=select_choices(VERDICT_LABELS.items()),
        validators=[InputRequired(message=_l("Choose agree, disagree or needs discussion."))],
    )
    body = TextAreaField(_l("Comment"), validators=[Length(max=MAX_BODY_LENGTH)])


class ReplyForm(FlaskForm):
    body = TextAreaField(
        _l("Reply"),
        validators=[
            DataRequired(message=_l("Write a reply before sending it.")),
            Length(max=MAX_BODY_LENGTH),
        ],
    )


class CommentFilterForm(FlaskForm):
    """A GET form: filters are part of the URL so that a view of the list can be shared."""

    class Meta:
        csrf = False

    region = SelectField(_l("Region"), choices=[], validate_choice=False)
    verdict = SelectField(
        _l("Verdict"),
        choices=select_choices([("", "—"), *VERDICT_LABELS.items()]),
        validate_choice=False,
    )
    period = SelectField(_l("Period"), choices=[], validate_choice=False)
    run_id = SelectField(_l("Model run"), choices=[], validate_choice=False)
    status = SelectField(
        _l("Status"),
        choices=select_choices(
            [("", "—"), ("open", _l("Without a reply")), ("answered", _l("With a reply"))]
        ),
        validate_choice=False,
    )
