"""Analysts' pages: upload (XLSForm or JSON), versions, exports, lifecycle, invitations."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response

from webapp.auth.access import roles_required
from webapp.auth.models import Role
from webapp.extensions import db
from webapp.surveys.councils import all_state_bodies
from webapp.surveys.definition import SurveyDefinition, definition_to_json
from webapp.surveys.forms import (
    AUDIENCE_LABELS,
    DatesForm,
    InvitationsForm,
    NewVersionForm,
    UploadSurveyForm,
    select_choices,
)
from webapp.surveys.models import Survey
from webapp.surveys.services import ImportRefused, SurveyError
from webapp.surveys.services import authoring as services
from webapp.surveys.services.demo import note_in_language
from webapp.surveys.views import blueprint
from webapp.surveys.xlsform import export_xlsform
from webapp.times import platform_zone

STAFF = (Role.ADMIN, Role.ANALYST)
STATE_LABELS = {"draft": _l("Draft"), "open": _l("Open"), "closed": _l("Closed")}
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@blueprint.context_processor
def survey_labels() -> dict[str, Any]:
    return {"state_labels": STATE_LABELS}


@blueprint.app_template_filter("survey_note")
def survey_note(note: str) -> str:
    """Every surveys and results page shows the note in its own language."""
    return note_in_language(note)


def survey_or_404(survey_id: int) -> Survey:
    return db.get_or_404(Survey, survey_id)


def state_body_choices() -> list[Any]:
    from webapp.surveys.views.respond import interface_language

    language = interface_language()
    return select_choices(
        [("", _("None"))] + [(str(body.id), body.name(language)) for body in all_state_bodies()]
    )


def field_error(form: Any, error: SurveyError, fallback: str) -> None:
    """Show a service's refusal beside the field it is about (``fallback`` when it names
    none or one the form does not have), prefixed with that field's name like the form's
    own errors, so the summary at the top says which field it is."""
    name = error.field if error.field and error.field in form else fallback
    form[name].errors = [
        *form[name].errors,
        _("%(field)s: %(problem)s", field=str(form[name].label.text), problem=str(error)),
    ]


@blueprint.get("/surveys/")
@roles_required(*STAFF)
def index() -> str:
    surveys = services.all_surveys()
    counts = {survey.id: services.response_count(survey) for survey in surveys}
    return render_template(
        "surveys/manage/index.html",
        surveys=surveys,
        counts=counts,
        audience_labels=AUDIENCE_LABELS,
    )


@blueprint.route("/surveys/new", methods=["GET", "POST"])
@roles_required(*STAFF)
def new() -> Any:
    form = UploadSurveyForm()
    form.state_body.choices = state_body_choices()
    problems: list = []
    if form.validate_on_submit():
        upload = form.file.data
        try:
            definition, notes = services.read_import(upload.stream, upload.filename)
            survey = services.create_survey(
                definition,
                slug=form.slug.data or None,
                audience=form.audience.data,
                source_filename=upload.filename or "",
                created_by=current_user,
                state_body_id=int(form.state_body.data) if form.state_body.data else None,
                note=form.note.data or "",
                import_notes=notes,
            )
        except ImportRefused as refusal:
            db.session.rollback()
            problems = refusal.problems
        except SurveyError as error:
            db.session.rollback()
            field_error(form, error, "slug")
        else:
            db.session.commit()
            flash(_("Survey imported as a draft. Check it, then open it."), "success")
            flash_import_notes(notes)
            return redirect(url_for("surveys.detail", survey_id=survey.id))
    status = 422 if problems or form.errors else 200
    return render_template("surveys/manage/new.html", form=form, problems=problems), status


@blueprint.get("/surveys/<int:survey_id>")
@roles_required(*STAFF)
def detail(survey_id: int, **forms: Any) -> str:
    survey = survey_or_404(survey_id)
    dates = forms.get("dates_form") or DatesForm(
        opens_at=_local(survey.opens_at), closes_at=_local(survey.closes_at)
    )
    definition: SurveyDefinition | None = (
        survey.current_version.load() if survey.current_version else None
    )
    invited, used = services.invitation_counts(survey)
    return render_template(
        "surveys/manage/detail.html",
        survey=survey,
        versions=services.versions_newest_first(survey),
        definition=definition,
        responses=services.response_count(survey),
        version_form=forms.get("version_form") or NewVersionForm(),
        dates_form=dates,
        invitations_form=forms.get("invitations_form") or InvitationsForm(),
        problems=forms.get("problems") or [],
        invited=invited,
        used=used,
        audience_labels=AUDIENCE_LABELS,
        has_results="survey_results.results" in current_app.view_functions,
        time_zone=str(platform_zone()),
    )


def _local(moment: datetime | None) -> datetime | None:
    """A stored (UTC) moment as the platform's wall-clock time, for the date fields: they
    were in UTC while every page shows times in the platform's zone (09:00 read 14:00)."""
    return moment.astimezone(platform_zone()).replace(tzinfo=None) if moment else None


def _utc(wall_clock: datetime | None) -> datetime | None:
    """A date field's wall-clock time in the platform's zone, as the UTC moment to store."""
    if wall_clock is None:
        return None
    return wall_clock.replace(tzinfo=platform_zone()).astimezone(UTC)


@blueprint.post("/surveys/<int:survey_id>/state")
@roles_required(*STAFF)
def change_state(survey_id: int) -> Response:
    survey = survey_or_404(survey_id)
    try:
        services.change_state(survey, request.form.get("action", ""), actor=current_user)
    except SurveyError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(_("The survey is now: %(state)s.", state=STATE_LABELS[survey.state]), "success")
    return redirect(url_for("surveys.detail", survey_id=survey.id))


@blueprint.post("/surveys/<int:survey_id>/dates")
@roles_required(*STAFF)
def change_dates(survey_id: int) -> Any:
    survey = survey_or_404(survey_id)
    form = DatesForm()
    if not form.validate_on_submit():
        return detail(survey_id, dates_form=form), 422
    opens, closes = _utc(form.opens_at.data), _utc(form.closes_at.data)
    try:
        services.set_dates(survey, opens, closes, actor=current_user)
    except SurveyError as error:
        db.session.rollback()
        form.closes_at.errors.append(str(error))
        return detail(survey_id, dates_form=form), 422
    db.session.commit()
    flash(_("Dates saved."), "success")
    return redirect(url_for("surveys.detail", survey_id=survey.id))


@blueprint.post("/surveys/<int:survey_id>/versions")
@roles_required(*STAFF)
def new_version(survey_id: int) -> Any:
    survey = survey_or_404(survey_id)
    form = NewVersionForm()
    if not form.validate_on_submit():
        return detail(survey_id, version_form=form), 422
    upload = form.file.data
    try:
        definition, notes = services.read_import(upload.stream, upload.filename)
        version = services.add_version(
            survey,
            definition,
            source_filename=upload.filename or "",
            created_by=current_user,
            import_notes=notes,
        )
    except ImportRefused as refusal:
        db.session.rollback()
        return detail(survey_id, version_form=form, problems=refusal.problems), 422
    db.session.commit()
    flash(_("Version %(number)s saved.", number=version.number), "success")
    flash_import_notes(notes)
    return redirect(url_for("surveys.detail", survey_id=survey.id))


#: Import notes shown after an upload (they travel in the session cookie, so a few only).
MAX_FLASHED_NOTES = 8


def flash_import_notes(notes: list[str]) -> None:
    """Tell the analyst what the import left out or changed (metadata, calculations...)."""
    if not notes:
        return
    flash(
        _(
            "What the web survey leaves out or does differently from the file (%(count)d note(s)):",
            count=len(notes),
        ),
        "info",
    )
    for text in notes[:MAX_FLASHED_NOTES]:
        flash(text if len(text) <= 300 else f"{text[:299]}…", "info")
    if len(notes) > MAX_FLASHED_NOTES:
        flash(
            _(
                "… and %(count)d more: every note is listed under the version on this page.",
                count=len(notes) - MAX_FLASHED_NOTES,
            ),
            "info",
        )


@blueprint.get("/surveys/<int:survey_id>/versions/<int:number>/download/<kind>")
@roles_required(*STAFF)
def download_version(survey_id: int, number: int, kind: str) -> Response:
    survey = survey_or_404(survey_id)
    version = services.version_of(survey, number)
    if version is None or kind not in ("xlsx", "json"):
        abort(404)
    definition = version.load()
    name = f"{survey.slug}-v{version.number}.{kind}"
    if kind == "xlsx":
        body, mimetype = export_xlsform(definition), XLSX_TYPE
    else:
        body, mimetype = definition_to_json(definition).encode("utf-8"), "application/json"
    return Response(
        body,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@blueprint.post("/surveys/<int:survey_id>/invitations")
@roles_required(*STAFF)
def invitations(survey_id: int) -> Any:
    survey = survey_or_404(survey_id)
    form = InvitationsForm()
    if not form.validate_on_submit():
        return detail(survey_id, invitations_form=form), 422
    try:
        tokens = services.create_invitations(survey, form.count.data, actor=current_user)
    except SurveyError as error:
        db.session.rollback()
        form.count.errors.append(str(error))
        return detail(survey_id, invitations_form=form), 422
    db.session.commit()
    links = [
        url_for("surveys.invitation", slug=survey.slug, token=token, _external=True)
        for token in tokens
    ]
    if request.form.get("format") == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(["invitation_link"])
        writer.writerows([link] for link in links)
        return Response(
            buffer.getvalue(),
            mimetype="text/csv",
            headers={
                "Content-Disposition": f'attachment; filename="{survey.slug}-invitations.csv"',
                "Cache-Control": "no-store",
            },
        )
    body = render_template("surveys/manage/invitations.html", survey=survey, links=links)
    return Response(body, headers={"Cache-Control": "no-store"})
