"""One definition of the task, report and KPI filters, shared by the HTML lists and the API."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ipcity.core.filters import BooleanFilter
from ipcity.orgs.models import Organization

from .choices import Light, ReportStatus, TaskStatus, UnitRole
from .models import KPI, Plan, PlanSection, PlanTask, ProgressReport, TaskUnit
from .supervision import light_q


class PlanTaskFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    plan = django_filters.ModelChoiceFilter(queryset=Plan.objects.all(), label=_("Plan"))
    section = django_filters.ModelChoiceFilter(
        queryset=PlanSection.objects.all(), label=_("Section")
    )
    status = django_filters.MultipleChoiceFilter(choices=TaskStatus.choices, label=_("Status"))
    light = django_filters.ChoiceFilter(choices=Light.choices, method="by_light", label=_("Light"))
    unit = django_filters.ModelChoiceFilter(
        queryset=Organization.objects.all(), method="by_unit", label=_("Unit")
    )
    role = django_filters.ChoiceFilter(choices=UnitRole.choices, method="noop", label=_("As"))

    class Meta:
        model = PlanTask
        fields = ["q", "plan", "section", "status", "light", "unit", "role"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _narrow_choices(self)

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        if value.isdigit():
            return queryset.filter(Q(number=int(value)) | Q(title__icontains=value))
        return queryset.filter(Q(title__icontains=value) | Q(text__icontains=value))

    def by_light(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(light_q(value))

    def by_unit(self, queryset, name, value):
        if not value:
            return queryset
        links = TaskUnit.objects.filter(organization=value)
        role = self.form.cleaned_data.get("role")
        if role:
            links = links.filter(role=role)
        return queryset.filter(pk__in=links.values("task_id"))

    def noop(self, queryset, name, value):
        return queryset


class ProgressReportFilterSet(django_filters.FilterSet):
    plan = django_filters.ModelChoiceFilter(
        queryset=Plan.objects.all(), field_name="task__plan", label=_("Plan")
    )
    task = django_filters.ModelChoiceFilter(queryset=PlanTask.objects.all(), label=_("Task"))
    organization = django_filters.ModelChoiceFilter(
        queryset=Organization.objects.all(), label=_("Reporting unit")
    )
    status = django_filters.MultipleChoiceFilter(choices=ReportStatus.choices, label=_("Status"))
    period = django_filters.CharFilter(lookup_expr="startswith", label=_("Period"))

    class Meta:
        model = ProgressReport
        fields = ["plan", "task", "organization", "status", "period"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The choices themselves must not list tasks or units outside the user's scope.
        user = getattr(self.request, "user", None)
        if user is not None:
            self.filters["task"].queryset = PlanTask.objects.restrict(user, "view")
            self.filters["organization"].queryset = Organization.objects.restrict(
                user, "view"
            ).filter(pk__in=ProgressReport.objects.restrict(user, "view").values("organization"))


def _narrow_choices(filterset) -> None:
    """Offer only what the user may see, so a choice cannot reveal an out-of-scope record."""
    user = getattr(filterset.request, "user", None)
    if user is None:
        return
    if "unit" in filterset.filters:
        filterset.filters["unit"].queryset = Organization.objects.restrict(user, "view")
    if "task" in filterset.filters:
        filterset.filters["task"].queryset = PlanTask.objects.restrict(user, "view")


class KPIFilterSet(django_filters.FilterSet):
    plan = django_filters.ModelChoiceFilter(
        queryset=Plan.objects.all(), field_name="task__plan", label=_("Plan")
    )
    task = django_filters.ModelChoiceFilter(queryset=PlanTask.objects.all(), label=_("Task"))
    bound = BooleanFilter(method="by_binding", label=_("Bound to an indicator"))
    year = django_filters.NumberFilter(label=_("Year"))

    class Meta:
        model = KPI
        fields = ["plan", "task", "bound", "year"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _narrow_choices(self)

    def by_binding(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.exclude(indicator_code="") if value else queryset.filter(indicator_code="")
