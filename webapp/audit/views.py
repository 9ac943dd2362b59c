from flask import Blueprint, render_template, request

from webapp.audit import services
from webapp.audit.forms import AuditFilterForm
from webapp.auth.access import roles_required
from webapp.auth.models import Role
from webapp.extensions import db

blueprint = Blueprint("audit", __name__, url_prefix="/admin/audit")

PAGE_SIZE = 50


@blueprint.get("/")
@roles_required(Role.ADMIN)
def index() -> str:
    form = AuditFilterForm(request.args)
    form.action.choices = [("", "—")] + [(name, name) for name in services.known_actions()]
    criteria = services.AuditFilter()
    if form.validate():
        criteria = services.AuditFilter(
            action=form.action.data or "",
            actor=form.actor.data or "",
            target_type=form.target_type.data or "",
            date_from=form.date_from.data,
            date_to=form.date_to.data,
        )
    page = db.paginate(services.filtered_query(criteria), per_page=PAGE_SIZE, error_out=False)
    return render_template("audit/index.html", form=form, page=page)
