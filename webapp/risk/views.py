"""Analyst pages: statistics imports, the indicator catalogue, training runs, publishing.

Views only translate between HTTP and the services: they read forms, call one service,
commit or roll back, and turn the services' refusals into messages.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, TypeVar

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response as WerkzeugResponse

from forecasting.registry import UnknownRunError
from webapp.auth.access import roles_required
from webapp.auth.models import Role
from webapp.extensions import db
from webapp.form_choices import select_choices
from webapp.regions.services import all_regions
from webapp.risk import catalogue as catalogue_service
from webapp.risk import imports as import_service
from webapp.risk import jobs as job_service
from webapp.risk import model_card, publishing, reader_messages, stages
from webapp.risk.forms import (
    COLUMN_LABELS,
    LAYOUT_CHOICES,
    CatalogueUploadForm,
    ConfirmForm,
    ConfirmImportForm,
    ReaderOptionsForm,
    RecheckForm,
    TrainingForm,
    UploadForm,
)
from webapp.risk.models import RiskModelRun, StatisticsImport, TrainingJob
from webapp.risk.services import published_run_id

blueprint = Blueprint("risk", __name__, url_prefix="/risk", template_folder="templates")

ANALYSTS = (Role.ADMIN, Role.ANALYST)
PAGE_SIZE = 25
#: Seconds between refreshes of a job page while the job runs.
JOB_REFRESH_SECONDS = 3


@blueprint.context_processor
def card_helpers() -> dict[str, Any]:
    """Readable backtest tables and indicator names for the model card; reader issues worded
    in the visitor's language for the import pages."""

    def indicator_name(code: str) -> str:
        names = {indicator.code: indicator for indicator in _indicators()}
        return names[code].name(_language()) if code in names else code

    return {
        "import_name": import_name,
        "layout_label": layout_label,
        "metric_columns": model_card.metric_columns,
        "metric_text": model_card.metric_text,
        "chosen_models": model_card.chosen_models,
        "indicator_name": indicator_name,
        "stage_text": stages.stage_text,
        "log_lines": stages.log_lines,
        "failure_text": stages.failure_text,
        "issue_message": reader_messages.issue_message,
        "issue_column": reader_messages.issue_column,
        "issue_text": reader_messages.issue_text,
        "run_warning_message": reader_messages.run_warning_message,
        "run_warning_groups": reader_messages.run_warning_groups,
    }


# --- Imports -------------------------------------------------------------------------------

#: The name ``demo.load_demo`` gives the synthetic panel's import (``DEMO_FILENAME``).
_DEMO_FILENAME = re.compile(r"^synthetic demo data \(seed (\d+)\)$")


def import_name(item: Any) -> str:
    """An import's file name; the demo panel's, which the platform writes itself, in the
    page's language."""
    match = _DEMO_FILENAME.match(item.filename or "") if item.kind == "synthetic" else None
    if match is None:
        return item.filename
    return _("synthetic demo data (seed %(seed)s)", seed=match.group(1))


def layout_label(code: str | None) -> str:
    """A table layout as the upload form names it ("long" -> "Long: one row per ...")."""
    return str(dict(LAYOUT_CHOICES).get(code or "", code or "—"))


_Form = TypeVar("_Form", bound=ReaderOptionsForm)


def _upload_form() -> UploadForm:
    return _with_indicators(UploadForm())


def _with_indicators(form: _Form) -> _Form:
    form.indicator.choices = select_choices(
        [("", _("Named in the file (indicator column or headers)"))]
        + [
            (indicator.code, f"{indicator.code} — {indicator.name(_language())}")
            for indicator in _indicators()
        ]
    )
    return form


def _indicators():
    indicators = catalogue_service.all_indicators()
    if indicators:
        return indicators
    catalogue_service.ensure_catalogue()
    db.session.commit()
    return catalogue_service.all_indicators()


def _language() -> str:
    from flask_babel import get_locale

    locale = get_locale()
    return locale.language if locale else "en"


@blueprint.get("/imports")
@roles_required(*ANALYSTS)
def imports() -> str:
    page = db.paginate(import_service.list_imports(), per_page=PAGE_SIZE, error_out=False)
    return render_template("risk/imports.html", page=page, form=_upload_form())


@blueprint.post("/imports")
@roles_required(*ANALYSTS)
def upload() -> str | WerkzeugResponse:
    form = _upload_form()
    if not form.validate_on_submit():
        page = db.paginate(import_service.list_imports(), per_page=PAGE_SIZE, error_out=False)
        return render_template("risk/imports.html", page=page, form=form), 400
    file = form.file.data
    try:
        staged = import_service.stage_upload(
            file.read(), file.filename, _reader_options(form), current_user
        )
    except import_service.ImportRefused as refused:
        db.session.rollback()
        for problem in refused.problems:
            flash(problem, "error")
        return redirect(url_for("risk.imports"))
    db.session.commit()
    return redirect(url_for("risk.preview", upload_id=staged.id))


def _reader_options(form: ReaderOptionsForm) -> import_service.ReaderOptions:
    return import_service.ReaderOptions.from_dict(
        {
            name: form[name].data or ""
            for name in (
                "layout",
                "indicator",
                "sheet",
                *(f"{role}_column" for role in import_service.COLUMN_ROLES),
            )
        }
    )


def _recheck_form(staged: Any, *, submitted: bool) -> RecheckForm:
    """The options form of the check report, filled with the options the file was read
    with (or those just submitted)."""
    form = RecheckForm() if submitted else RecheckForm(formdata=None, data=staged.options)
    form.offer_columns(staged.report.get("columns") or [], staged.options)
    return _with_indicators(form)


@blueprint.get("/imports/preview/<upload_id>")
@roles_required(*ANALYSTS)
def preview(upload_id: str) -> str:
    staged = import_service.find_upload(upload_id, current_user)
    if staged is None:
        abort(404)
    return _preview_page(staged, _recheck_form(staged, submitted=False))


def _preview_page(staged: Any, recheck_form: RecheckForm) -> str:
    return render_template(
        "risk/preview.html",
        upload=staged,
        report=staged.report,
        form=ConfirmImportForm(),
        cancel_form=ConfirmForm(),
        recheck_form=recheck_form,
        indicators={indicator.code: indicator for indicator in _indicators()},
        region_names={region.code: region.name(_language()) for region in all_regions()},
    )


@blueprint.post("/imports/preview/<upload_id>/recheck")
@roles_required(*ANALYSTS)
def recheck(upload_id: str) -> tuple[str, int] | WerkzeugResponse:
    staged = import_service.find_upload(upload_id, current_user)
    if staged is None:
        flash(
            _("This upload was already imported, discarded or has expired; upload the file again."),
            "error",
        )
        return redirect(url_for("risk.imports"))
    form = _recheck_form(staged, submitted=True)
    if not form.validate_on_submit():
        return _preview_page(staged, form), 400
    try:
        import_service.recheck_upload(upload_id, _reader_options(form), current_user)
    except import_service.ImportRefused as refused:
        db.session.rollback()
        for problem in refused.problems:
            flash(problem, "error")
        return redirect(url_for("risk.preview", upload_id=upload_id))
    db.session.commit()
    return redirect(url_for("risk.preview", upload_id=upload_id))


@blueprint.post("/imports/preview/<upload_id>/confirm")
@roles_required(*ANALYSTS)
def confirm(upload_id: str) -> WerkzeugResponse:
    form = ConfirmImportForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        done = import_service.confirm_upload(upload_id, current_user, replace=form.replace.data)
    except import_service.ImportRefused as refused:
        db.session.rollback()
        for problem in refused.problems:
            flash(problem, "error")
        still_there = import_service.find_upload(upload_id, current_user) is not None
        if still_there:
            return redirect(url_for("risk.preview", upload_id=upload_id))
        return redirect(url_for("risk.imports"))
    db.session.commit()
    flash(
        _(
            "Imported %(count)s values from %(file)s (import #%(id)s).",
            count=done.observation_count,
            file=done.filename,
            id=done.id,
        ),
        "success",
    )
    return redirect(url_for("risk.import_detail", import_id=done.id))


@blueprint.post("/imports/preview/<upload_id>/cancel")
@roles_required(*ANALYSTS)
def cancel(upload_id: str) -> WerkzeugResponse:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if import_service.cancel_upload(upload_id, current_user):
        db.session.commit()
        flash(_("The upload was discarded; nothing was imported."), "success")
    return redirect(url_for("risk.imports"))


@blueprint.get("/imports/<int:import_id>")
@roles_required(*ANALYSTS)
def import_detail(import_id: int) -> str:
    statistics_import = db.get_or_404(StatisticsImport, import_id)
    return render_template(
        "risk/import_detail.html", item=statistics_import, column_labels=COLUMN_LABELS
    )


@blueprint.route("/imports/<int:import_id>/undo", methods=["GET", "POST"])
@roles_required(*ANALYSTS)
def undo(import_id: int) -> str | WerkzeugResponse:
    statistics_import = db.get_or_404(StatisticsImport, import_id)
    form = ConfirmForm()
    if request.method == "GET":
        return render_template("risk/undo.html", item=statistics_import, form=form)
    if not form.validate_on_submit():
        abort(400)
    try:
        import_service.undo_import(import_id, current_user)
    except import_service.ImportRefused as refused:
        db.session.rollback()
        for problem in refused.problems:
            flash(problem, "error")
        return redirect(url_for("risk.import_detail", import_id=import_id))
    db.session.commit()
    flash(
        _("Import #%(id)s was undone: its values were deleted.", id=import_id),
        "success",
    )
    return redirect(url_for("risk.import_detail", import_id=import_id))


# --- Catalogue -----------------------------------------------------------------------------


@blueprint.get("/catalogue")
@roles_required(*ANALYSTS)
def catalogue() -> str:
    return _catalogue_page(CatalogueUploadForm())


def _catalogue_page(form: CatalogueUploadForm, problems: Sequence[str] = ()) -> str:
    return render_template(
        "risk/catalogue.html",
        indicators=_indicators(),
        domains=catalogue_service.all_domains(),
        form=form,
        problems=problems,
        unit_label=catalogue_service.unit_label,
    )


@blueprint.post("/catalogue")
@roles_required(*ANALYSTS)
def upload_catalogue() -> str | tuple[str, int] | WerkzeugResponse:
    form = CatalogueUploadForm()
    if not form.validate_on_submit():
        return _catalogue_page(form), 400
    file = form.file.data
    try:
        added, updated = catalogue_service.upload_catalogue(file.read(), file.filename)
    except catalogue_service.CatalogueError as error:
        db.session.rollback()
        # Shown on the page, not flashed: a file with many bad rows made a session cookie
        # larger than browsers keep, which signed the analyst out without a word.
        problems = [reader_messages.catalogue_problem_text(p) for p in error.problems]
        return _catalogue_page(form, problems), 400
    db.session.commit()
    flash(
        _("Catalogue updated: %(added)s added, %(updated)s updated.", added=added, updated=updated),
        "success",
    )
    return redirect(url_for("risk.catalogue"))


@blueprint.get("/catalogue.csv")
@roles_required(*ANALYSTS)
def catalogue_csv() -> Response:
    _indicators()
    return Response(
        catalogue_service.catalogue_csv(),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=indicator-catalogue.csv"},
    )


# --- Training ------------------------------------------------------------------------------


@blueprint.get("/training")
@roles_required(*ANALYSTS)
def training() -> str:
    return _training_page(TrainingForm())


def _training_page(form: TrainingForm) -> str:
    runs = job_service.registry().list_runs()
    jobs_by_run = {
        job.run_id: job
        for job in db.session.scalars(db.select(TrainingJob).where(TrainingJob.run_id.is_not(None)))
    }
    recent_jobs = db.session.scalars(
        db.select(TrainingJob).order_by(TrainingJob.id.desc()).limit(10)
    ).all()
    materialised = set(db.session.scalars(db.select(RiskModelRun.run_id)))
    return render_template(
        "risk/training.html",
        form=form,
        runs=runs,
        jobs_by_run=jobs_by_run,
        recent_jobs=recent_jobs,
        active_job=job_service.active_job(),
        materialised=materialised,
        published=published_run_id(),
        history=job_service.registry().history(),
    )


@blueprint.post("/training")
@roles_required(*ANALYSTS)
def start_training() -> str | tuple[str, int] | WerkzeugResponse:
    form = TrainingForm()
    if not form.validate_on_submit():
        return _training_page(form), 400
    try:
        job = job_service.enqueue_training(
            current_user,
            {
                "horizon": form.horizon.data,
                "n_origins": form.n_origins.data,
                "models": form.models.data,
            },
        )
    except job_service.TrainingBusy as busy:
        flash(
            _(
                "A training run is already queued or running (job #%(id)s); wait for it to finish.",
                id=busy.job_id,
            ),
            "error",
        )
        if busy.job_id is not None:
            return redirect(url_for("risk.job", job_id=busy.job_id))
        return redirect(url_for("risk.training"))
    flash(_("Training job #%(id)s was queued.", id=job.id), "success")
    return redirect(url_for("risk.job", job_id=job.id))


@blueprint.get("/training/jobs/<int:job_id>")
@roles_required(*ANALYSTS)
def job(job_id: int) -> str:
    training_job = db.get_or_404(TrainingJob, job_id)
    run = db.session.get(RiskModelRun, training_job.run_id) if training_job.run_id else None
    return render_template(
        "risk/job.html",
        job=training_job,
        run=run,
        refresh=None if training_job.is_finished else JOB_REFRESH_SECONDS,
        published=published_run_id(),
        queued_on_redis=bool(current_app.config.get("REDIS_URL")),
    )


@blueprint.get("/runs/<run_id>")
@roles_required(*ANALYSTS)
def run(run_id: str) -> str:
    try:
        stored = job_service.registry().get(run_id)
    except UnknownRunError:
        abort(404)
    return render_template(
        "risk/run.html",
        stored=stored,
        run=db.session.get(RiskModelRun, run_id),
        job=db.session.scalar(db.select(TrainingJob).where(TrainingJob.run_id == run_id)),
        published=published_run_id(),
    )


@blueprint.route("/runs/<run_id>/promote", methods=["GET", "POST"])
@roles_required(*ANALYSTS)
def promote(run_id: str) -> str | WerkzeugResponse:
    form = ConfirmForm()
    if request.method == "GET":
        try:
            stored = job_service.registry().get(run_id)
        except UnknownRunError:
            abort(404)
        return render_template(
            "risk/promote.html",
            stored=stored,
            run=db.session.get(RiskModelRun, run_id),
            form=form,
            published=published_run_id(),
        )
    if not form.validate_on_submit():
        abort(400)
    try:
        changed = publishing.promote_run(run_id, current_user)
    except publishing.PublishingRefused as refused:
        db.session.rollback()
        flash(_("The run was not published: %(reason)s", reason=str(refused)), "error")
        return redirect(url_for("risk.training"))
    if changed:
        flash(_("Run %(id)s is now published.", id=run_id), "success")
    else:
        flash(_("Run %(id)s was already published; nothing changed.", id=run_id), "success")
    return redirect(url_for("risk.run", run_id=run_id))


@blueprint.route("/runs/rollback", methods=["GET", "POST"])
@roles_required(*ANALYSTS)
def rollback() -> str | WerkzeugResponse:
    form = ConfirmForm()
    registry = job_service.registry()
    if request.method == "GET":
        history = registry.history()
        return render_template(
            "risk/rollback.html",
            form=form,
            current=history[-1] if history else None,
            previous=history[-2] if len(history) > 1 else None,
        )
    if not form.validate_on_submit():
        abort(400)
    try:
        restored = publishing.rollback_run(current_user)
    except publishing.PublishingRefused as refused:
        db.session.rollback()
        flash(_("Nothing was rolled back: %(reason)s", reason=str(refused)), "error")
        return redirect(url_for("risk.training"))
    flash(_("Rolled back: run %(id)s is published again.", id=restored), "success")
    return redirect(url_for("risk.training"))
