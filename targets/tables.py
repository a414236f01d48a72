"""Sortable tables (django-tables2) showing the same numbers as the charts beside them."""

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from targets.templatetags.emulation import num, pct, status_icon, status_label


def _labelled(label) -> dict:
    """Each cell names its column, which a phone shows when the table becomes cards (app.css)."""
    return {"verbose_name": label, "attrs": {"td": {"data-label": label}}}


class NumberColumn(tables.Column):
    def render(self, value, record):
        return num(value, record["places"])


class SeriesTable(tables.Table):
    period = tables.Column(verbose_name=_("Period"), order_by=("quarter",), attrs={"td": {"class": "cell-name"}})
    ytd = NumberColumn(**_labelled(_("Actual, year to date")))
    expected = NumberColumn(**_labelled(_("Expected pace")))
    same_period = NumberColumn(**_labelled(_("Same period last year")))
    target = NumberColumn(**_labelled(_("Target")))
    percent = tables.Column(**_labelled(_("% of target")))
    status = tables.Column(**_labelled(_("Status")))

    class Meta:
        orderable = True
        attrs = {"class": "table table-sm table-cards"}

    def render_percent(self, value):
        return pct(value, 1)

    def render_status(self, value):
        return f"{status_icon(value)} {status_label(value)}"
