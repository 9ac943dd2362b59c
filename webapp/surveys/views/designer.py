"""The browser designer: plain forms, one thing edited at a time, no JavaScript needed.

Every post loads the survey's current definition, applies one edit with
``services.designing`` (which checks it as an upload is checked) and saves it through the
upload's own path; the views only read forms and show the outcome.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from webapp.auth.access import roles_required
from webapp.database import utcnow
from webapp.extensions import db
from webapp.surveys.answers import answer_error_text
from webapp.surveys.definition import RANGE_DEFAULTS, REGION_LIST_NAMES, SurveyDefinition
from webapp.surveys.designer_forms import (
    BLANK_CHOICE_ROWS,
    NEW_PAGE,
    TYPE_LABELS,
    ChoiceListForm,
    new_survey_form,
    page_form,
    question_form,
    settings_form,
)
from webapp.surveys.models import Survey
from webapp.surveys.services import SurveyError
from webapp.surveys.services import designing as design
from webapp.surveys.services.responding import choose_language, page_view
from webapp.surveys.views import blueprint
from webapp.surveys.views.manage import STAFF, field_error, survey_or_404
from webapp.surveys.views.respond import interface_language

Problems = list[tuple[str, str | None]]


def _definition(survey: Survey) -> SurveyDefinition:
    """What the designer shows and edits: the working copy if there is one."""
    version = design.editing_version(survey)
    if version is None:
        abort(404)
    return version.load()


def _texts(form: FlaskForm, prefix: str, languages: list[str]) -> dict[str, str]:
    return {code: form[f"{prefix}_{code}"].data or "" for code in languages}


def _show_refusal(
    form: FlaskForm, refusal: design.DesignRefused, aliases: dict[str, str]
) -> Problems:
    """Put each problem beside the field it is about; return (problem, field id) pairs for
    the summary at the top (field id None: the problem is about the survey as a whole)."""
    summary: Problems = []
    placed: set[str] = set()
    for key, problems in refusal.fields.items():
        name = aliases.get(key, key)
        if name and name in form:
            form[name].errors = [*form[name].errors, *problems]
            summary.extend((problem, form[name].id) for problem in problems)
            placed.update(problems)
        elif key.startswith("choice-"):
            summary.extend((problem, f"{key}-name") for problem in problems)
            placed.update(problems)
    summary.extend((problem, None) for problem in refusal.problems if problem not in placed)
    return summary


def _save(
    survey: Survey,
    definition: SurveyDefinition,
    change: dict[str, Any],
    *,
    back_to: str | None = None,
) -> Response:
    """Store the edit and go back to the designer (or quietly to ``back_to``); the caller
    handles DesignRefused."""
    version = design.save_design(survey, definition, actor=current_user, change=change)
    db.session.commit()
    if back_to is not None:
        return redirect(back_to)
    if version.id != survey.current_version_id:
        flash(
            _(
                "Saved in the working copy (version %(number)s). Respondents still get version "
                "%(current)s until you publish the changes.",
                number=version.number,
                current=survey.current_version.number,
            ),
            "success",
        )
    else:
        flash(_("Saved (version %(number)s, not yet published).", number=version.number), "success")
    return redirect(url_for("surveys.designer", survey_id=survey.id))


def _refused_flash(refusal: design.DesignRefused) -> None:
    flash(_("Nothing was changed:") + " " + " ".join(refusal.problems), "error")


def _save_or_refuse(
    survey: Survey,
    edit: Callable[[], SurveyDefinition],
    change: dict[str, Any],
    *,
    back_to: str | None = None,
) -> Response | design.DesignRefused:
    """Apply a form's edit and save it (the redirect to return), or roll back and hand back
    the refusal for the form to show."""
    try:
        return _save(survey, edit(), change, back_to=back_to)
    except design.DesignRefused as refusal:
        db.session.rollback()
        return refusal


def _form_page(
    template: str, survey: Survey, form: FlaskForm, summary: Problems, **context: Any
) -> tuple[str, int]:
    """A designer form, 422 when it comes back from a refused post."""
    status = 422 if request.method == "POST" else 200
    return render_template(template, survey=survey, form=form, summary=summary, **context), status


# --------------------------------------------------------------------------- overview


@blueprint.get("/surveys/<int:survey_id>/design")
@roles_required(*STAFF)
def designer(survey_id: int) -> str:
    survey = survey_or_404(survey_id)
    definition = _definition(survey)
    users = {name: design.list_users(definition, name) for name in definition.choice_lists}
    return render_template(
        "surveys/designer/overview.html",
        survey=survey,
        definition=definition,
        users=users,
        type_labels=TYPE_LABELS,
        new_page=NEW_PAGE,
        version=design.editing_version(survey),
        makes_new_version=design.editing_makes_new_version(survey),
        working_copy=design.has_working_copy(survey),
    )


# --------------------------------------------------------------------------- working copy


def _working_copy_action(survey_id: int, act: Callable[[Survey], str]) -> Response:
    """Edit, publish or discard: run ``act`` (which returns the message to flash), commit,
    or roll back and say why not; back to the designer either way."""
    survey = survey_or_404(survey_id)
    try:
        message = act(survey)
    except design.DesignRefused as refusal:
        db.session.rollback()
        _refused_flash(refusal)
    except SurveyError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(message, "success")
    return redirect(url_for("surveys.designer", survey_id=survey_id))


@blueprint.post("/surveys/<int:survey_id>/design/edit")
@roles_required(*STAFF)
def design_edit(survey_id: int) -> Response:
    """Start the working copy of the next version (or go back to the one there is)."""

    def act(survey: Survey) -> str:
        copy = design.open_working_copy(survey, actor=current_user)
        return _(
            "You are editing version %(number)s, a working copy: respondents do not see it "
            "until you publish the changes.",
            number=copy.number,
        )

    return _working_copy_action(survey_id, act)


@blueprint.post("/surveys/<int:survey_id>/design/publish")
@roles_required(*STAFF)
def design_publish(survey_id: int) -> Response:
    def act(survey: Survey) -> str:
        version = design.publish_changes(survey, actor=current_user)
        return _(
            "Version %(number)s is published: new respondents get it; responses already "
            "given, and answers in progress, keep the version they started on.",
            number=version.number,
        )

    return _working_copy_action(survey_id, act)


@blueprint.post("/surveys/<int:survey_id>/design/discard")
@roles_required(*STAFF)
def design_discard(survey_id: int) -> Response:
    def act(survey: Survey) -> str:
        number = design.discard_changes(survey, actor=current_user)
        return _("The working copy (version %(number)s) was discarded.", number=number)

    return _working_copy_action(survey_id, act)


# --------------------------------------------------------------------------- new survey


@blueprint.route("/surveys/design/new", methods=["GET", "POST"])
@roles_required(*STAFF)
def design_new() -> Any:
    form = new_survey_form()
    if request.method == "GET":
        language = interface_language()
        form.languages.data = ["kk", "ru", "en"]
        form.default_language.data = language if language in design.DESIGNER_LANGUAGES else "kk"
    summary: Problems = []
    if form.validate_on_submit():
        languages = [code for code in design.DESIGNER_LANGUAGES if code in form.languages.data]
        try:
            definition = design.new_definition(
                form_id=form.form_id.data,
                title=_texts(form, "title", languages),
                languages=languages,
                default_language=form.default_language.data,
                page=design.PageInput(name="page_1"),
                question=design.QuestionInput(
                    name=form.question_name.data,
                    type=form.question_type.data,
                    label=_texts(form, "question_label", languages),
                ),
            )
            survey = design.create_designed_survey(
                definition,
                slug=form.slug.data or None,
                audience=form.audience.data,
                actor=current_user,
            )
        except design.DesignRefused as refusal:
            db.session.rollback()
            summary = _show_refusal(form, refusal, {"name": "question_name"})
        except SurveyError as error:
            db.session.rollback()
            field_error(form, error, "slug")
        else:
            db.session.commit()
            flash(_("Survey created as a draft. Add its questions, then open it."), "success")
            return redirect(url_for("surveys.designer", survey_id=survey.id))
    status = 422 if request.method == "POST" else 200
    return render_template("surveys/designer/new.html", form=form, summary=summary), status


@blueprint.route("/surveys/<int:survey_id>/design/settings", methods=["GET", "POST"])
@roles_required(*STAFF)
def design_settings(survey_id: int) -> Any:
    survey = survey_or_404(survey_id)
    definition = _definition(survey)
    offered = [
        *design.DESIGNER_LANGUAGES,
        *(code for code in definition.languages if code not in design.DESIGNER_LANGUAGES),
    ]
    form = settings_form(offered)
    if request.method == "GET":
        form.form_id.data = definition.form_id
        form.languages.data = list(definition.languages)
        form.default_language.data = definition.default_language
        for code in offered:
            form[f"title_{code}"].data = definition.title.get(code, "")
    summary: Problems = []
    if form.validate_on_submit():
        languages = [code for code in offered if code in form.languages.data]
        outcome = _save_or_refuse(
            survey,
            lambda: design.update_settings(
                definition,
                form_id=form.form_id.data,
                title=_texts(form, "title", languages),
                languages=languages,
                default_language=form.default_language.data,
            ),
            {"change": "settings"},
        )
        if not isinstance(outcome, design.DesignRefused):
            return outcome
        summary = _show_refusal(form, outcome, {})
    return _form_page("surveys/designer/settings.html", survey, form, summary, offered=offered)


# --------------------------------------------------------------------------- questions


def _question_form(definition: SurveyDefinition) -> FlaskForm:
    language = interface_language()
    pages = [
        (page.name, " — ".join(filter(None, (page.name, definition.text(page.label, language)))))
        for page in definition.pages
    ]
    lists = [(name, name) for name in definition.choice_lists]
    # A region question may take its choices from the region registry, not from a list: the
    # registry is offered under the name its region questions use, else as 'region'.
    registry = {
        question.choice_list
        for question in definition.region_questions()
        if question.choice_list and question.choice_list not in definition.choice_lists
    }
    if not registry and not set(REGION_LIST_NAMES) & set(definition.choice_lists):
        registry = {REGION_LIST_NAMES[0]}
    lists.extend(
        (name, _("%(name)s (the region registry)", name=name)) for name in sorted(registry)
    )
    return question_form(definition.languages, pages, lists)


@blueprint.route("/surveys/<int:survey_id>/design/questions/new", methods=["GET", "POST"])
@blueprint.route("/surveys/<int:survey_id>/design/questions/<name>", methods=["GET", "POST"])
@roles_required(*STAFF)
def design_question(survey_id: int, name: str | None = None) -> Any:
    survey = survey_or_404(survey_id)
    definition = _definition(survey)
    existing = None
    if name is not None:
        try:
            existing = definition.question(name)
        except KeyError:
            abort(404)
    form = _question_form(definition)
    languages = definition.languages
    if request.method == "GET":
        if existing is not None:
            _fill_question(form, definition, existing)
        else:
            wanted = request.args.get("page", "")
            form.page.data = (
                wanted
                if wanted in {p.name for p in definition.pages} or wanted == NEW_PAGE
                else definition.pages[-1].name
            )
            form.range_start.data = RANGE_DEFAULTS["start"]
            form.range_end.data = RANGE_DEFAULTS["end"]
            form.range_step.data = RANGE_DEFAULTS["step"]
    summary: Problems = []
    if form.validate_on_submit():
        data = design.QuestionInput(
            name=form.name.data,
            type=form.type.data,
            label=_texts(form, "label", languages),
            hint=_texts(form, "hint", languages),
            required=form.required.data,
            relevant=form.relevant.data,
            constraint=form.constraint.data,
            constraint_message=_texts(form, "constraint_message", languages),
            default=form.default.data,
            choice_list=form.choice_list.data,
            appearance=form.appearance.data,
            parameters={
                "start": form.range_start.data,
                "end": form.range_end.data,
                "step": form.range_step.data,
            },
        )
        new_page = None
        if form.page.data == NEW_PAGE:
            new_page = design.PageInput(
                name=form.page_name.data or "", label=_texts(form, "page_label", languages)
            )
        outcome = _save_or_refuse(
            survey,
            lambda: design.save_question(
                definition, data, page=form.page.data, original=name, new_page=new_page
            ),
            {"change": "question.edit" if name else "question.add", "question": data.name.strip()},
        )
        if not isinstance(outcome, design.DesignRefused):
            return outcome
        summary = _show_refusal(
            form,
            outcome,
            {"range": "range_start", "page_name": "page_name", "page_relevant": "page_name"},
        )
    return _form_page(
        "surveys/designer/question.html",
        survey,
        form,
        summary,
        definition=definition,
        name=name,
        new_page=NEW_PAGE,
    )


def _fill_question(form: FlaskForm, definition: SurveyDefinition, question: Any) -> None:
    form.name.data = question.name
    form.type.data = question.type
    form.page.data = definition.page_of(question.name).name
    form.required.data = question.required
    form.relevant.data = question.relevant or ""
    form.constraint.data = question.constraint or ""
    form.default.data = question.default or ""
    form.choice_list.data = question.choice_list or ""
    offered = design.DESIGNER_APPEARANCES.get(question.type, ())
    form.appearance.data = next(
        (word for word in (question.appearance or "").split() if word in offered), ""
    )
    parameters = {**RANGE_DEFAULTS, **question.parameters}
    form.range_start.data = parameters["start"]
    form.range_end.data = parameters["end"]
    form.range_step.data = parameters["step"]
    for code in definition.languages:
        form[f"label_{code}"].data = question.label.get(code, "")
        form[f"hint_{code}"].data = question.hint.get(code, "")
        form[f"constraint_message_{code}"].data = question.constraint_message.get(code, "")


def _one_edit(survey_id: int, edit: Any, change: dict[str, Any]) -> Response:
    """A button on the overview (delete, move): apply, save, or say why not."""
    survey = survey_or_404(survey_id)
    definition = _definition(survey)
    try:
        edited = edit(definition)
        if edited == definition:
            return redirect(url_for("surveys.designer", survey_id=survey.id))
        return _save(survey, edited, change)
    except design.DesignRefused as refusal:
        db.session.rollback()
        _refused_flash(refusal)
    return redirect(url_for("surveys.designer", survey_id=survey.id))


def _one_delete(
    survey_id: int,
    delete: Callable[[SurveyDefinition, str], SurveyDefinition],
    kind: str,
    name: str,
) -> Response:
    """A delete button on the overview (``kind``: question, page or list)."""
    return _one_edit(survey_id, lambda d: delete(d, name), {"change": f"{kind}.delete", kind: name})


def _one_move(
    survey_id: int,
    move: Callable[[SurveyDefinition, str, str], SurveyDefinition],
    kind: str,
    name: str,
) -> Response:
    """An up or down button on the overview (``kind``: question or page)."""
    direction = request.form.get("direction", "")
    return _one_edit(
        survey_id,
        lambda d: move(d, name, direction),
        {"change": f"{kind}.move", kind: name, "direction": direction},
    )


@blueprint.post("/surveys/<int:survey_id>/design/questions/<name>/delete")
@roles_required(*STAFF)
def design_delete_question(survey_id: int, name: str) -> Response:
    return _one_delete(survey_id, design.delete_question, "question", name)


@blueprint.post("/surveys/<int:survey_id>/design/questions/<name>/move")
@roles_required(*STAFF)
def design_move_question(survey_id: int, name: str) -> Response:
    return _one_move(survey_id, design.move_question, "question", name)


# --------------------------------------------------------------------------- pages


@blueprint.route("/surveys/<int:survey_id>/design/pages/<name>", methods=["GET", "POST"])
@roles_required(*STAFF)
def design_page(survey_id: int, name: str) -> Any:
    survey = survey_or_404(survey_id)
    definition = _definition(survey)
    try:
        page = definition.page(name)
    except KeyError:
        abort(404)
    form = page_form(definition.languages)
    if request.method == "GET":
        form.name.data = page.name
        form.relevant.data = page.relevant or ""
        for code in definition.languages:
            form[f"label_{code}"].data = page.label.get(code, "")
    summary: Problems = []
    if form.validate_on_submit():
        data = design.PageInput(
            name=form.name.data,
            label=_texts(form, "label", definition.languages),
            relevant=form.relevant.data,
        )
        outcome = _save_or_refuse(
            survey,
            lambda: design.save_page(definition, data, name),
            {"change": "page.edit", "page": data.name.strip()},
        )
        if not isinstance(outcome, design.DesignRefused):
            return outcome
        summary = _show_refusal(form, outcome, {})
    return _form_page(
        "surveys/designer/page.html", survey, form, summary, definition=definition, page=page
    )


@blueprint.post("/surveys/<int:survey_id>/design/pages/<name>/delete")
@roles_required(*STAFF)
def design_delete_page(survey_id: int, name: str) -> Response:
    return _one_delete(survey_id, design.delete_page, "page", name)


@blueprint.post("/surveys/<int:survey_id>/design/pages/<name>/move")
@roles_required(*STAFF)
def design_move_page(survey_id: int, name: str) -> Response:
    return _one_move(survey_id, design.move_page, "page", name)


# --------------------------------------------------------------------------- choice lists


def _posted_rows(languages: list[str]) -> list[dict[str, Any]]:
    """The rows of the choice-list form as posted (``choice-<n>-...`` fields)."""
    form = request.form
    rows = []
    number = 0
    while f"choice-{number}-name" in form and number < 2000:
        prefix = f"choice-{number}-"
        original = form.get(prefix + "original", "")
        rows.append(
            {
                "name": form.get(prefix + "name", ""),
                "label": {code: form.get(f"{prefix}label-{code}", "") for code in languages},
                "original": int(original) if original.isdigit() else None,
                "remove": bool(form.get(prefix + "remove")),
            }
        )
        number += 1
    return rows


def _stored_rows(choices: list[Any]) -> list[dict[str, Any]]:
    return [
        {"name": c.name, "label": dict(c.label), "original": i, "remove": False}
        for i, c in enumerate(choices)
    ]


@blueprint.route("/surveys/<int:survey_id>/design/lists/new", methods=["GET", "POST"])
@blueprint.route("/surveys/<int:survey_id>/design/lists/<name>", methods=["GET", "POST"])
@roles_required(*STAFF)
def design_list(survey_id: int, name: str | None = None) -> Any:
    survey = survey_or_404(survey_id)
    definition = _definition(survey)
    if name is not None and name not in definition.choice_lists:
        abort(404)
    languages = definition.languages
    form = ChoiceListForm()
    rows = _stored_rows(definition.choice_lists.get(name, [])) if name else []
    summary: Problems = []
    row_errors: dict[str, list[str]] = {}
    if request.method == "GET":
        form.name.data = name or ""
    move = request.form.get("move", "")
    if request.method == "POST":
        # A move button names the row as shown; then removed and emptied rows are left out.
        rows = _posted_rows(languages)
        index, _sep, direction = move.partition(":")
        if index.isdigit():
            rows = design.moved(rows, int(index), direction)
        rows = [
            row
            for row in rows
            if not row["remove"]
            and (row["name"].strip() or any(v.strip() for v in row["label"].values()))
        ]
    if form.validate_on_submit():
        inputs = [
            design.ChoiceInput(name=row["name"], label=row["label"], original=row["original"])
            for row in rows
        ]
        new_name = form.name.data.strip()
        outcome = _save_or_refuse(
            survey,
            lambda: design.save_choice_list(definition, form.name.data, inputs, original=name),
            {"change": "list.edit" if name else "list.add", "list": new_name},
            # a move saves and comes back to the list, to move it further
            back_to=(
                url_for("surveys.design_list", survey_id=survey.id, name=new_name) if move else None
            ),
        )
        if not isinstance(outcome, design.DesignRefused):
            return outcome
        summary = _show_refusal(form, outcome, {})
        row_errors = {key: value for key, value in outcome.fields.items() if key}
    rows = rows + [
        {"name": "", "label": {}, "original": None, "remove": False}
        for _ in range(BLANK_CHOICE_ROWS)
    ]
    return _form_page(
        "surveys/designer/choice_list.html",
        survey,
        form,
        summary,
        definition=definition,
        name=name,
        rows=rows,
        row_errors=row_errors,
        users=design.list_users(definition, name) if name else [],
    )


@blueprint.post("/surveys/<int:survey_id>/design/lists/<name>/delete")
@roles_required(*STAFF)
def design_delete_list(survey_id: int, name: str) -> Response:
    return _one_delete(survey_id, design.delete_choice_list, "list", name)


# --------------------------------------------------------------------------- preview


@blueprint.route("/surveys/<int:survey_id>/design/preview", methods=["GET", "POST"])
@roles_required(*STAFF)
def design_preview(survey_id: int) -> Any:
    """The survey as respondents see it, page by page, with its checks; nothing stored."""
    survey = survey_or_404(survey_id)
    definition = _definition(survey)
    language = choose_language(
        definition,
        request.values.get("lang") or request.form.get("language"),
        interface_language(),
    )
    answers: dict[str, Any] = {}
    errors: dict[str, Any] = {}
    page_index: int | None = None
    shown = {"survey": survey, "title": definition.label(language), "language": language}
    if request.method == "POST":
        form = FlaskForm()
        if not form.validate_on_submit():
            abort(400)
        answers = design.preview_answers(request.form.get("answers"))
        try:
            posted = int(request.form.get("page", "0"))
        except ValueError:
            posted = 0
        step = design.preview_step(
            definition,
            posted,
            answers,
            request.form,
            request.form.get("action", "next"),
            language,
            utcnow().date(),
        )
        answers, errors, page_index = step.answers, step.errors, step.page_index
        if page_index is None:
            with force_locale(language):
                return render_template("surveys/designer/preview_done.html", **shown)
    view = page_view(definition, page_index, answers, language, errors)
    with force_locale(language):
        error_list = [
            (question, answer_error_text(question.error))
            for question in view.questions
            if question.error is not None
        ]
        return render_template(
            "surveys/designer/preview.html",
            view=view,
            answers=answers,
            error_list=error_list,
            error_text=answer_error_text,
            **shown,
        ), (422 if errors else 200)
