from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from flask import Blueprint, Response, render_template, request, stream_with_context

from webapp.audit import services
from webapp.audit.forms import AuditFilterForm
from webapp.auth.access import roles_required
from webapp.auth.models import Role
from webapp.extensions import db
from webapp.spreadsheets import neutralise

blueprint = Blueprint("audit", __name__, url_prefix="/admin/audit")

PAGE_SIZE = 50
#: Columns of the CSV export, in order.
EXPORT_COLUMNS = ("occurred_at_utc", "actor_email", "action", "target_type", "target_id", "details")


def _filter_form() -> tuple[AuditFilterForm, services.AuditFilter]:
    """The filter form with its options, and the filter it describes (none when invalid)."""
    form = AuditFilterForm(request.args)
    actions = services.action_choices(services.known_actions())
    form.action.choices = [("", "—")] + [(name, name) for name in actions]
    form.target_type.choices = [("", "—")] + [
        (name, name) for name in services.known_target_types()
    ]
    criteria = services.AuditFilter()
    if form.validate():
        criteria = services.AuditFilter(
            action=form.action.data or "",
            actor=form.actor.data or "",
            target_type=form.target_type.data or "",
            date_from=form.date_from.data,
            date_to=form.date_to.data,
        )
    return form, criteria


@blueprint.get("/")
@roles_required(Role.ADMIN)
def index() -> str:
    form, criteria = _filter_form()
    page = db.paginate(services.filtered_query(criteria), per_page=PAGE_SIZE, error_out=False)
    export_args = {key: value for key, value in request.args.items() if key != "page"}
    return render_template("audit/index.html", form=form, page=page, export_args=export_args)


@blueprint.get("/export.csv")
@roles_required(Role.ADMIN)
def export_csv() -> Response:
    """The filtered log as CSV (UTF-8 with BOM, for Excel), streamed in batches; the export
    itself is logged."""
    _, criteria = _filter_form()
    services.record(
        "audit.export",
        "audit_log",
        "",
        {key: str(value) for key, value in vars(criteria).items() if value},
    )
    db.session.commit()
    query = services.filtered_query(criteria).execution_options(yield_per=1000)

    def rows() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(EXPORT_COLUMNS)
        yield "\ufeff" + buffer.getvalue()
        for event in db.session.scalars(query):
            buffer.seek(0)
            buffer.truncate()
            writer.writerow(
                [
                    event.occurred_at.strftime("%Y-%m-%d %H:%M:%S"),
                    neutralise(event.actor_email),
                    event.action,
                    neutralise(event.target_type),
                    neutralise(event.target_id),
                    neutralise(services.details_text(event.details)),
                ]
            )
            yield buffer.getvalue()

    return Response(
        stream_with_context(rows()),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="audit-log.csv"'},
    )
