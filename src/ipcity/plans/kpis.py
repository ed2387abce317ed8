"""KPIs bound to computed indicators: the actual value follows the indicators module.

A KPI with an `indicator_code` takes its actual from the latest `IndicatorSnapshot` of that
indicator for the KPI's year (the plan's target year when the KPI has none), district total.
When the indicators app is not installed, the code is unknown or no value has been computed
yet, the actual stays empty and `binding_note()` says why, so nobody mistakes a gap for zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.apps import apps
from django.utils import timezone
from django.utils.translation import gettext as _


@dataclass
class IndicatorValue:
    value: Decimal | None
    note: str
    computed_at: object = None


def indicators_available() -> bool:
    return apps.is_installed("ipcity.indicators")


def kpi_year(kpi) -> int | None:
    return kpi.year or getattr(kpi.task.plan, "target_year", None)


def indicator_value(code: str, year: int | None) -> IndicatorValue:
    """The district total of indicator `code` for `year`, from its latest snapshot."""
    if not indicators_available():
        return IndicatorValue(None, _("The indicators module is not installed."))
    if year is None:
        return IndicatorValue(None, _("The KPI has no year to read the indicator for."))
    IndicatorDefinition = apps.get_model("indicators", "IndicatorDefinition")
    IndicatorSnapshot = apps.get_model("indicators", "IndicatorSnapshot")
    if not IndicatorDefinition.objects.filter(code=code).exists():
        return IndicatorValue(None, _("No indicator has the code “%(code)s”.") % {"code": code})
    snapshot = (
        IndicatorSnapshot.objects.filter(definition__code=code, year=year, dimension="total")
        .order_by("-computed_at", "-pk")
        .first()
    )
    if snapshot is None:
        return IndicatorValue(
            None,
            _("Indicator “%(code)s” has not been computed for %(year)s yet.")
            % {"code": code, "year": year},
        )
    if snapshot.value is None:
        return IndicatorValue(None, snapshot.note or _("The indicator has no value for this year."))
    return IndicatorValue(snapshot.value, "", snapshot.computed_at)


def refresh_kpi(kpi, save: bool = True) -> IndicatorValue | None:
    """Copy the bound indicator's value into `kpi.actual`; None for a KPI reported by hand."""
    if not kpi.indicator_code:
        return None
    found = indicator_value(kpi.indicator_code, kpi_year(kpi))
    changed = kpi.actual != found.value
    kpi.actual = found.value
    if changed:
        kpi.actual_updated_at = timezone.now()
    if save and changed:
        kpi.save(update_fields=["actual", "actual_updated_at", "updated_at"])
    return found


def refresh_all(queryset=None) -> int:
    """Refresh every bound KPI (e.g. after the indicators are recomputed); returns how many
    changed."""
    from .models import KPI

    queryset = queryset if queryset is not None else KPI.objects.all()
    changed = 0
    for kpi in queryset.exclude(indicator_code="").select_related("task__plan"):
        before = kpi.actual
        refresh_kpi(kpi)
        changed += before != kpi.actual
    return changed


def binding_note(kpi) -> str:
    """Why a bound KPI has no actual, for the KPI table; empty when there is nothing to say."""
    if not kpi.indicator_code or kpi.actual is not None:
        return ""
    return indicator_value(kpi.indicator_code, kpi_year(kpi)).note


def completion_percent(kpi) -> int | None:
    completion = kpi.completion
    if completion is None:
        return None
    return round(Decimal(completion) * 100)
