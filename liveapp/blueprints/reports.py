"""Reports (issue 19): each section's tables drawn as inline SVG charts, with the table
under each chart and its CSV. Admins see everyone's figures, reps their own: the filters
force a rep's scope, and a rep asking for someone else's figures gets 403."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from liveapp.domain import charts, csv_cells
from liveapp.services import reports
from liveapp.services.reports import filter_choices
from liveapp.services.routing import working_hours

bp = Blueprint("reports", __name__, url_prefix="/reports")


@bp.app_template_filter("report_cell")
def report_cell(value: object, unit: str = "") -> str:
    """A table cell as the page shows it: days in ISO form, figures as 1,234 or 12.5%."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return charts.number(value, unit)
    return "–" if value is None else str(value)


def _refused(message: str):
    return render_template("errors/error.html", status=403, message=message), 403


def _section() -> str:
    section = request.args.get("section") or reports.SECTIONS[0]
    if section not in reports.SECTIONS:
        raise reports.BadFilter(f"section: there is no {section!r} section; choose one of "
                                f"{', '.join(reports.SECTIONS)}.")
    return section


def _page(section: str, filters, tables, error: str | None = None):
    shown = filters.query_args() if filters else request.args.to_dict()
    return render_template(
        "reports/index.html", section=section, sections=reports.SECTIONS, filters=filters,
        shown=shown, error=error, tables=tables,
        charts={t.key: charts.from_rows(t.chart, t.columns, t.rows, t.x, t.series, t.unit)
                for t in tables},
        choices=filter_choices.for_viewer(current_user),
        zones=working_hours.zone_choices(shown.get("tz") or current_user.time_zone))


@bp.get("/")
@login_required
def index():
    """One section's tables for the filters in the URL; a bad filter answers 400 with the
    form and the reason, another rep's figures 403."""
    try:
        section = _section()
        filters = reports.parse_filters(request.args, current_user)
    except reports.NotAllowed as refused:
        return _refused(str(refused))
    except reports.BadFilter as bad:
        return _page(request.args.get("section", ""), None, [], str(bad)), 400
    if "" in request.args.values():  # the form's "All ..." choices: a URL worth sharing
        return redirect(url_for("reports.index", section=section, **filters.query_args()))
    return _page(section, filters, reports.report(section, filters))


@bp.get("/<key>.csv")
@login_required
def download(key: str):
    """One table as a CSV file named after it and its days."""
    try:
        filters = reports.parse_filters(request.args, current_user)
    except reports.NotAllowed as refused:
        return _refused(str(refused))
    except reports.BadFilter as bad:
        return render_template("errors/error.html", status=400, message=str(bad)), 400
    try:
        table = reports.table(key, filters)
    except LookupError:
        abort(404)
    name = csv_cells.filename(table.key, filters.start, filters.end)
    return Response(csv_cells.to_csv(table.columns, table.rows),
                    content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
