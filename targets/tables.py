"""Sortable tables (django-tables2) showing the same numbers as the charts beside them."""

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from targets.templatetags.emulation import num, pct, status_icon, status_label


class NumberColumn(tables.Column):
    def render(self, value, record):
        return num(value, record["places"])


class SeriesTable(tables.Table):
    period = tables.Column(verbose_name=_("Period"), order_by=("quarter",))
    ytd = NumberColumn(verbose_name=_("Actual, year to date"))
    expected = NumberColumn(verbose_name=_("Expected pace"))
    same_period = NumberColumn(verbose_name=_("Same period last year"))
    target = NumberColumn(verbose_name=_("Target"))
    percent = tables.Column(verbose_name=_("% of target"))
    status = tables.Column(verbose_name=_("Status"))

    class Meta:
        orderable = True
        attrs = {"class": "table table-sm"}

    def render_percent(self, value):
        return pct(value, 1)

    def render_status(self, value):
        return f"{status_icon(value)} {status_label(value)}"
