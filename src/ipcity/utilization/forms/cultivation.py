"""Forms of enterprise cultivation. Each is also the validator behind `utilization.pool`, so the
pages, the API and the imports share one set of rules."""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ipcity.core.scope import scope_q
from ipcity.orgs.choices import OrganizationKind
from ipcity.orgs.models import Organization, Region
from ipcity.rights.attribution import STREET_KINDS

from ..choices import Comparison, CriterionMetric, DesignationKind, DesignationLevel, PoolStage
from ..criteria import has_criteria, parse_designation_parameter, track_label, tracks
from ..models import (
    CultivationCriterion,
    Designation,
    EnterpriseFacts,
    PoolEntry,
    SupportRecord,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TEXT = forms.Textarea(attrs={"rows": 3})
MIN_YEAR, MAX_YEAR = 1980, 2100
SHARE_METRICS = (CriterionMetric.RD_STAFF_SHARE, CriterionMetric.RD_EXPENSE_SHARE)


def _strip_prefix(q: Q, prefix: str) -> Q:
    """A copy of `q` with `prefix` removed from its lookups (organization__path → path)."""
    clone = Q()
    clone.connector = q.connector
    clone.negated = q.negated
    for child in q.children:
        if isinstance(child, Q):
            clone.children.append(_strip_prefix(child, prefix))
        else:
            key, value = child
            clone.children.append((key.removeprefix(prefix), value))
    return clone


def organizations_for(user, model, action: str, enterprises: bool = True):
    """The organizations whose `model` rows `user` may `action` (all of them without a user)."""
    orgs = Organization.objects.all()
    if user is not None:
        q = scope_q(model, user, action)
        if q is None:
            return orgs.none()
        orgs = Organization.objects.restrict(user, "view")
        if q:
            orgs = orgs.filter(_strip_prefix(q, "organization__"))
    if enterprises:
        orgs = orgs.filter(kind=OrganizationKind.ENTERPRISE)
    return orgs.only("id", "name").order_by("name")


def _check_year(value):
    if value is not None and not MIN_YEAR <= value <= MAX_YEAR:
        raise forms.ValidationError(
            _("Give a year between %(min)d and %(max)d.") % {"min": MIN_YEAR, "max": MAX_YEAR}
        )
    return value


class _ScopedOrganizationForm(forms.ModelForm):
    """`organization` limited to the enterprises whose rows the user may add (or change)."""

    enterprises_only = True

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        action = "change" if self.instance.pk else "add"
        if "organization" in self.fields:
            self.fields["organization"].queryset = organizations_for(
                user, self._meta.model, action, self.enterprises_only
            )


class DesignationForm(_ScopedOrganizationForm):
    class Meta:
        model = Designation
        fields = [
            "organization",
            "kind",
            "level",
            "year",
            "valid_from",
            "valid_until",
            "certificate_number",
            "source_document",
            "notes",
        ]
        widgets = {"valid_from": DATE, "valid_until": DATE, "notes": TEXT}
        help_texts = {
            "valid_until": gettext_lazy(
                "Empty: the default term of the designation applies where one is known (three "
                "years for high-tech enterprises, for example); otherwise the designation is "
                "not counted as in force."
            )
        }

    def clean_year(self):
        return _check_year(self.cleaned_data.get("year"))

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("valid_from"), cleaned.get("valid_until")
        if start and end and end < start:
            self.add_error("valid_until", _("The end of validity comes before its start."))
        return cleaned


class CultivationCriterionForm(forms.ModelForm):
    class Meta:
        model = CultivationCriterion
        fields = [
            "code",
            "name",
            "target_kind",
            "target_level",
            "metric",
            "comparison",
            "threshold",
            "parameter",
            "is_required",
            "order",
            "is_active",
            "source",
        ]
        help_texts = {
            "target_level": gettext_lazy("Empty: the criterion applies at every level."),
            "threshold": gettext_lazy(
                "Counts and people as numbers, shares in percent; empty for “is true”."
            ),
        }

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        # The designation a criterion asks for, offered by its name (any level, or one level);
        # the stored value stays the code ("ip_advantage" or "ip_advantage:municipal").
        choices = designation_parameter_choices()
        current = self.initial.get("parameter") or ""
        if current and current not in dict(choices):
            choices.append((current, current))
        self.fields["parameter"] = forms.ChoiceField(
            label=self.fields["parameter"].label,
            required=False,
            choices=[("", "---------"), *choices],
            help_text=gettext_lazy(
                "For “holds a valid designation”: the designation the enterprise must hold, at "
                "any level or at one level."
            ),
        )

    def clean(self):
        cleaned = super().clean()
        metric, comparison = cleaned.get("metric"), cleaned.get("comparison")
        threshold = cleaned.get("threshold")
        if comparison and comparison != Comparison.TRUE and threshold is None:
            self.add_error("threshold", _("Give the threshold to compare with."))
        if threshold is not None and threshold < 0:
            self.add_error("threshold", _("The threshold cannot be negative."))
        if metric in SHARE_METRICS and threshold is not None and threshold > 100:
            self.add_error("threshold", _("A share is a percentage from 0 to 100."))
        if metric == CriterionMetric.HAS_DESIGNATION:
            kind, level = parse_designation_parameter(cleaned.get("parameter", ""))
            if kind not in DesignationKind.values or (
                level and level not in DesignationLevel.values
            ):
                self.add_error("parameter", _("Choose the designation the enterprise must hold."))
            else:
                cleaned["parameter"] = f"{kind}:{level}" if level else kind
        return cleaned


def designation_parameter_choices() -> list[tuple[str, str]]:
    """Each designation at any level, then at each level, named as the pages name them."""
    levels = dict(DesignationLevel.choices)
    choices = []
    for kind, label in DesignationKind.choices:
        choices.append((kind, _("%(designation)s (any level)") % {"designation": label}))
        choices.extend(
            (f"{kind}:{level}", track_label(kind, level, levels=levels)) for level in levels
        )
    return choices


class EnterpriseFactsForm(_ScopedOrganizationForm):
    class Meta:
        model = EnterpriseFacts
        fields = [
            "organization",
            "year",
            "employees",
            "rd_staff",
            "revenue",
            "rd_expense",
            "source",
        ]

    def clean_year(self):
        return _check_year(self.cleaned_data.get("year"))

    def clean(self):
        cleaned = super().clean()
        employees, rd_staff = cleaned.get("employees"), cleaned.get("rd_staff")
        if employees is not None and rd_staff is not None and rd_staff > employees:
            self.add_error("rd_staff", _("More R&D staff than employees."))
        for name in ("revenue", "rd_expense"):
            value = cleaned.get(name)
            if value is not None and value < 0:
                self.add_error(name, _("The amount cannot be negative."))
        return cleaned


def track_choices():
    return [(f"{kind}:{level}", label) for kind, level, label in tracks()]


def parse_track(value: str) -> tuple[str, str]:
    """'ip_advantage:district' → ('ip_advantage', 'district'); 'high_tech:' → ('high_tech', '')."""
    kind, _sep, level = (value or "").partition(":")
    return kind.strip(), level.strip()


NO_CRITERIA = gettext_lazy(
    "This designation track has no active criteria, so nothing could be evaluated: choose a "
    "track offered, or add criteria for it first."
)


class TrackField(forms.ChoiceField):
    """A track offered (criteria.tracks), or any other kind and level that has active criteria
    (a level-free criterion applies at every level); never a track without criteria."""

    default_error_messages = {"invalid_choice": NO_CRITERIA}

    def valid_value(self, value):
        if super().valid_value(value):
            return True
        kind, level = parse_track(value)
        return (
            kind in DesignationKind.values
            and (not level or level in DesignationLevel.values)
            and has_criteria(kind, level)
        )


class PoolEntryForm(_ScopedOrganizationForm):
    """Add an enterprise to the pool for one track: a designation kind and level that has
    active criteria, offered as one choice."""

    track = TrackField(
        label=gettext_lazy("Designation track"),
        help_text=gettext_lazy(
            "The designation and level the enterprise works toward; only tracks with active "
            "criteria are offered."
        ),
    )

    class Meta:
        model = PoolEntry
        fields = ["organization", "year", "notes"]
        widgets = {"notes": TEXT}

    field_order = ["organization", "track", "year", "notes"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["track"].choices = [("", "---------"), *track_choices()]
        if not self.instance.pk:
            self.fields["year"].initial = timezone.localdate().year
            self.fields["year"].required = False

    def clean_track(self):
        # The choices are the tracks with active criteria (criteria.tracks).
        return parse_track(self.cleaned_data["track"])

    def clean_year(self):
        return _check_year(self.cleaned_data.get("year")) or timezone.localdate().year

    def clean(self):
        cleaned = super().clean()
        track, org = cleaned.get("track"), cleaned.get("organization")
        if track:
            self.instance.target_kind, self.instance.target_level = track
            if (
                org
                and PoolEntry.objects.filter(
                    organization=org, target_kind=track[0], target_level=track[1]
                )
                .exclude(pk=self.instance.pk)
                .exists()
            ):
                self.add_error(
                    "track", _("This enterprise is already in the pool for this designation.")
                )
        return cleaned


class PoolEntryEditForm(forms.ModelForm):
    """What may change on an entry by hand; the stage moves through `pool.move_stage`."""

    class Meta:
        model = PoolEntry
        fields = ["year", "notes"]
        widgets = {"notes": TEXT}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_year(self):
        return _check_year(self.cleaned_data.get("year"))


class SupportRecordForm(_ScopedOrganizationForm):
    class Meta:
        model = SupportRecord
        fields = [
            "organization",
            "kind",
            "date",
            "amount",
            "title",
            "description",
            "provider",
            "pool_entry",
        ]
        widgets = {"date": DATE, "description": TEXT}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        visible = (
            Organization.objects.all()
            if self.user is None
            else Organization.objects.restrict(self.user, "view")
        )
        self.fields["provider"].queryset = visible.only("id", "name").order_by("name")
        entries = (
            PoolEntry.objects.all()
            if self.user is None
            else PoolEntry.objects.restrict(self.user, "view")
        )
        self.fields["pool_entry"].queryset = entries.select_related("organization").order_by(
            "organization__name", "target_kind"
        )

    def clean(self):
        cleaned = super().clean()
        amount = cleaned.get("amount")
        if amount is not None and amount < 0:
            self.add_error("amount", _("The amount cannot be negative."))
        entry, org = cleaned.get("pool_entry"), cleaned.get("organization")
        if entry and org and entry.organization_id != org.pk:
            self.add_error("pool_entry", _("This pool entry is another enterprise's."))
        return cleaned


class MoveStageForm(forms.Form):
    """Move a pool entry; when it reaches “designated”, the designation obtained."""

    stage = forms.ChoiceField(label=gettext_lazy("Move to stage"), choices=PoolStage.choices)
    level = forms.ChoiceField(
        label=gettext_lazy("Level obtained"),
        choices=[("", "—"), *DesignationLevel.choices],
        required=False,
    )
    year = forms.IntegerField(
        label=gettext_lazy("Year designated"),
        required=False,
        min_value=MIN_YEAR,
        max_value=MAX_YEAR,
    )
    valid_from = forms.DateField(label=gettext_lazy("Valid from"), required=False, widget=DATE)
    valid_until = forms.DateField(label=gettext_lazy("Valid until"), required=False, widget=DATE)
    certificate_number = forms.CharField(
        label=gettext_lazy("Certificate number"), required=False, max_length=100
    )
    source_document = forms.CharField(
        label=gettext_lazy("Source document"), required=False, max_length=300
    )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("valid_from"), cleaned.get("valid_until")
        if start and end and end < start:
            self.add_error("valid_until", _("The end of validity comes before its start."))
        return cleaned


FINDER_MODES = [
    ("all", gettext_lazy("Meet every required criterion")),
    ("most", gettext_lazy("Miss at most one required criterion")),
]


class CandidateFinderForm(forms.Form):
    track = forms.ChoiceField(label=gettext_lazy("Designation track"))
    mode = forms.ChoiceField(
        label=gettext_lazy("Show enterprises that"), choices=FINDER_MODES, required=False
    )
    street = forms.ModelChoiceField(
        label=gettext_lazy("Street or town"), queryset=Region.objects.none(), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["track"].choices = track_choices()
        self.fields["street"].queryset = Region.objects.filter(kind__in=STREET_KINDS).order_by(
            "code"
        )

    def clean_track(self):
        return parse_track(self.cleaned_data["track"])

    def clean_mode(self):
        return self.cleaned_data.get("mode") or "all"
