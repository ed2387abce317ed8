"""The attribution review list: holders whose patents no signal placed, for a person to decide.

Holders are listed by their first-holder patents still unresolved (DOMAIN.md §3: unresolved
records are decided by a person, never dropped or guessed). Deciding applies to all of that
holder's unresolved patents, with history.
"""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ipcity.core import menu
from ipcity.core.scope import has_perm
from ipcity.core.views.generic import paginate
from ipcity.orgs.models import Organization, Region

from ..attribution import decide_holder, unresolved_patents
from ..choices import Attribution
from ..models import Patent, PatentHolder

menu.register(
    "creation",
    gettext_lazy("Attribution review"),
    "rights:review_list",
    "rights.change_patent",
    order=40,
)

SHOWN_PATENTS = 50


class HolderDecisionForm(forms.Form):
    attribution = forms.ChoiceField(
        label=gettext_lazy("Where is this holder?"),
        choices=[
            (Attribution.IN_DISTRICT, Attribution.IN_DISTRICT.label),
            (Attribution.OUTSIDE, Attribution.OUTSIDE.label),
        ],
        widget=forms.RadioSelect,
    )
    region = forms.ModelChoiceField(
        label=gettext_lazy("Street or town"),
        queryset=Region.objects.none(),
        required=False,
        help_text=gettext_lazy("Optional; only for holders in the district."),
    )
    note = forms.CharField(label=gettext_lazy("Note"), max_length=300, required=False)

    def __init__(self, *args, regions=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions if regions is not None else Region.objects.none()

    def clean(self):
        data = super().clean()
        if data.get("attribution") == Attribution.OUTSIDE and data.get("region"):
            self.add_error("region", _("A holder outside the district has no street or town."))
        return data


def _district_regions(user):
    code = settings.IPCITY_REGION_CODE
    return Region.objects.restrict(user, "view").filter(code__startswith=code).exclude(code=code)


def _require_change(request):
    if not has_perm(request.user, Patent, "change"):
        raise PermissionDenied


@login_required
def review_list(request):
    _require_change(request)
    unresolved = Patent.objects.restrict(request.user, "change").filter(
        attribution=Attribution.UNRESOLVED
    )
    holders = (
        PatentHolder.objects.filter(position=1, patent__in=unresolved)
        .values("organization_id", "organization__name", "organization__uscc")
        .annotate(patents=Count("patent"))
        .order_by("-patents", "organization__name")
    )
    page = paginate(request, holders)
    return render(
        request,
        "rights/review_list.html",
        {"page": page, "total": unresolved.count()},
    )


@login_required
def review_holder(request, pk):
    _require_change(request)
    organization = (
        Organization.objects.restrict(request.user, "view")
        .filter(pk=pk)
        .only("pk", "name", "uscc", "address")
        .first()
    )
    if organization is None:
        raise Http404
    patents = unresolved_patents(pk, Patent.objects.restrict(request.user, "change"))
    count = patents.count()
    if not count:
        raise Http404
    regions = _district_regions(request.user)
    form = HolderDecisionForm(request.POST or None, regions=regions)
    if request.method == "POST" and form.is_valid():
        changed = decide_holder(
            organization,
            form.cleaned_data["attribution"],
            request.user,
            region=form.cleaned_data["region"],
            note=form.cleaned_data["note"],
        )
        messages.success(
            request,
            _("%(n)d patents of %(holder)s decided.") % {"n": changed, "holder": organization},
        )
        return redirect("rights:review_list")
    return render(
        request,
        "rights/review_holder.html",
        {
            "organization": organization,
            "form": form,
            "count": count,
            "patents": patents.order_by("-filing_date")[:SHOWN_PATENTS],
        },
    )


urlpatterns = [
    path("review/", review_list, name="review_list"),
    path("review/holder/<int:pk>/", review_holder, name="review_holder"),
]
