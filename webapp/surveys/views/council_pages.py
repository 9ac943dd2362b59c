"""Public councils: management (admin, analyst), members' home, and feedback summaries."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from webapp.auth.access import roles_required
from webapp.auth.models import Role
from webapp.extensions import db
from webapp.regions.services import all_regions
from webapp.surveys import councils as services
from webapp.surveys.forms import (
    LEVEL_LABELS,
    CouncilForm,
    MemberForm,
    StateBodyForm,
    select_choices,
)
from webapp.surveys.models import Council, StateBody
from webapp.surveys.services import SurveyError
from webapp.surveys.views import blueprint
from webapp.surveys.views.respond import interface_language

STAFF = (Role.ADMIN, Role.ANALYST)


def _body_form() -> StateBodyForm:
    language = interface_language()
    form = StateBodyForm(prefix="body")
    form.region.choices = select_choices(
        [("", _("None (republican)"))]
        + [(region.code, region.name(language)) for region in all_regions(current_only=True)]
    )
    return form


def _council_form() -> CouncilForm:
    language = interface_language()
    form = CouncilForm(prefix="council")
    form.state_body.choices = select_choices(
        (str(body.id), body.name(language)) for body in services.all_state_bodies()
    )
    form.region.choices = select_choices(
        [("", _("Same as the state body"))]
        + [(region.code, region.name(language)) for region in all_regions(current_only=True)]
    )
    return form


def _page(body_form: StateBodyForm, council_form: CouncilForm, status: int = 200) -> Any:
    return (
        render_template(
            "surveys/councils/index.html",
            bodies=services.all_state_bodies(),
            body_form=body_form,
            council_form=council_form,
            level_labels=LEVEL_LABELS,
            language=interface_language(),
        ),
        status,
    )


@blueprint.get("/councils/")
@roles_required(*STAFF)
def councils() -> Any:
    return _page(_body_form(), _council_form())


@blueprint.post("/councils/state-bodies")
@roles_required(*STAFF)
def add_state_body() -> Any:
    form = _body_form()
    if form.validate_on_submit():
        try:
            services.create_state_body(
                services.Names(form.name_kk.data, form.name_ru.data, form.name_en.data),
                form.level.data,
                form.region.data or None,
                actor=current_user,
            )
        except SurveyError as error:
            db.session.rollback()
            form.region.errors.append(str(error))
        else:
            db.session.commit()
            flash(_("State body added."), "success")
            return redirect(url_for("surveys.councils"))
    return _page(form, _council_form(), 422)


@blueprint.post("/councils/")
@roles_required(*STAFF)
def add_council() -> Any:
    form = _council_form()
    if form.validate_on_submit():
        try:
            council = services.create_council(
                services.Names(form.name_kk.data, form.name_ru.data, form.name_en.data),
                int(form.state_body.data),
                level=form.level.data or None,
                region_code=form.region.data or None,
                actor=current_user,
            )
        except SurveyError as error:
            db.session.rollback()
            form.region.errors.append(str(error))
        else:
            db.session.commit()
            flash(_("Council added."), "success")
            return redirect(url_for("surveys.council", council_id=council.id))
    return _page(_body_form(), form, 422)


@blueprint.route("/councils/<int:council_id>", methods=["GET", "POST"])
@roles_required(*STAFF)
def council(council_id: int) -> Any:
    council = db.get_or_404(Council, council_id)
    form = MemberForm()
    status = 200
    if form.validate_on_submit():
        try:
            services.add_member(council, form.email.data, actor=current_user)
        except SurveyError as error:
            db.session.rollback()
            form.email.errors.append(str(error))
        else:
            db.session.commit()
            flash(_("Member added."), "success")
            return redirect(url_for("surveys.council", council_id=council.id))
    if form.errors:
        status = 422
    return (
        render_template(
            "surveys/councils/council.html",
            council=council,
            form=form,
            language=interface_language(),
            level_labels=LEVEL_LABELS,
        ),
        status,
    )


@blueprint.post("/councils/<int:council_id>/members/<int:user_id>/remove")
@roles_required(*STAFF)
def remove_member(council_id: int, user_id: int) -> Response:
    council = db.get_or_404(Council, council_id)
    try:
        services.remove_member(council, user_id, actor=current_user)
    except SurveyError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(_("Member removed."), "success")
    return redirect(url_for("surveys.council", council_id=council.id))


@blueprint.get("/council/")
@roles_required(Role.COUNCIL_MEMBER)
def my_council() -> str:
    mine = services.member_councils(current_user.id)
    return render_template(
        "surveys/councils/mine.html",
        councils=mine,
        surveys=services.feedback_surveys_for(mine),
        language=interface_language(),
        level_labels=LEVEL_LABELS,
    )


def _threshold() -> int | None:
    """Analysts and administrators see every figure; members see suppressed small groups."""
    if current_user.role in STAFF:
        return None
    return int(current_app.config.get("SUPPRESSION_THRESHOLD", 10))


@blueprint.get("/councils/<int:council_id>/summary")
@roles_required(Role.ADMIN, Role.ANALYST, Role.COUNCIL_MEMBER)
def council_summary(council_id: int) -> str:
    council = db.get_or_404(Council, council_id)
    if (
        current_user.role == Role.COUNCIL_MEMBER
        and services.find_membership(council.id, current_user.id) is None
    ):
        abort(403)
    language = interface_language()
    summary = services.feedback_summary(
        council_ids=[council.id], language=language, threshold=_threshold()
    )
    return render_template(
        "surveys/councils/summary.html",
        heading=council.name(language),
        subject=council.state_body.name(language),
        place=council,
        level_labels=LEVEL_LABELS,
        summary=summary,
        language=language,
        show_text=_threshold() is None,
    )


@blueprint.get("/councils/state-bodies/<int:body_id>/summary")
@roles_required(Role.ADMIN, Role.ANALYST, Role.COUNCIL_MEMBER)
def state_body_summary(body_id: int) -> str:
    body = db.get_or_404(StateBody, body_id)
    council_ids = [council.id for council in body.councils]
    if current_user.role == Role.COUNCIL_MEMBER and not any(
        services.find_membership(council_id, current_user.id) for council_id in council_ids
    ):
        abort(403)
    language = interface_language()
    own = [council.id for council in services.member_councils(current_user.id, body.id)]
    summary = services.feedback_summary(
        council_ids=council_ids,
        language=language,
        threshold=_threshold(),
        seen_council_ids=own if _threshold() is not None else (),
    )
    return render_template(
        "surveys/councils/summary.html",
        heading=body.name(language),
        subject=None,
        place=body,
        level_labels=LEVEL_LABELS,
        summary=summary,
        language=language,
        show_text=_threshold() is None,
    )
