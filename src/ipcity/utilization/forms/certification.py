"""Forms for GB/T 29490 certificates and their surveillance audits. They are also the validators
behind `utilization.certificates`, so the pages, the API and the import share one set of rules."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ipcity.orgs.choices import OrganizationKind
from ipcity.orgs.models import Organization

from .. import certificates
from ..choices import AuditResult, CertificateStatus, StandardVersion
from ..models import Certificate, SurveillanceAudit
from ..parties import orgs_in_scope

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


# How much later than issue date + validity an expiry may fall (bodies round it to a month end).
EXPIRY_TOLERANCE_DAYS = 7


def was_valid_on(status: str, status_date, day) -> bool:
    """Whether a certificate whose status is `status` since `status_date` was valid on `day`."""
    return status == CertificateStatus.VALID or (status_date is not None and status_date > day)


def conversion_problem(day, issue_date, expiry_date, eds: dict) -> str | None:
    """Why a 2013 certificate issued `issue_date` and expiring `expiry_date` could not have been
    converted to the 2023 edition on `day` (the editions' data), or None."""
    target = eds.get(StandardVersion.V2023)
    source = eds.get(StandardVersion.V2013)
    if issue_date and day < issue_date:
        return _("The certificate was converted before it was issued.")
    if expiry_date and day > expiry_date:
        return _("The certificate had expired by then.")
    if target is not None and day < target.effective_from:
        return _(
            "The 2023 edition took effect on %(date)s; nothing was converted to it earlier."
        ) % {"date": target.effective_from.isoformat()}
    if source is not None and source.transition_end and day > source.transition_end:
        return _(
            "The transition from the 2013 edition ended on %(date)s; a certificate could not be "
            "converted after it."
        ) % {"date": source.transition_end.isoformat()}
    return None


def check_certificate_dates(
    version: str,
    issue_date,
    expiry_date,
    converted_on,
    eds: dict,
) -> dict[str, str]:
    """{field: problem} for a certificate's dates against its edition's data: the expiry after
    the issue date and at most the edition's validity later; the conversion date within the
    transition; the issue date within the edition's life."""
    problems: dict[str, str] = {}
    edition = eds.get(version)
    if issue_date and expiry_date and expiry_date <= issue_date:
        problems["expiry_date"] = _("The expiry date must be after the issue date.")
    elif edition is not None and issue_date and expiry_date:
        longest = certificates.default_expiry(issue_date, edition)
        if expiry_date > longest + timedelta(days=EXPIRY_TOLERANCE_DAYS):
            problems["expiry_date"] = _(
                "A certificate is valid %(years)d years: the expiry cannot be later than %(date)s."
            ) % {"years": edition.validity_years, "date": longest.isoformat()}
    if converted_on:
        if version != StandardVersion.V2023:
            problems["converted_on"] = _(
                "Only a certificate converted to the 2023 edition has a conversion date."
            )
        elif problem := conversion_problem(converted_on, issue_date, expiry_date, eds):
            problems["converted_on"] = problem
    if edition is not None and issue_date:
        if edition.transition_end and issue_date > edition.transition_end:
            problems["issue_date"] = _(
                "No certificate to this edition was issued after %(date)s, the end of its "
                "transition."
            ) % {"date": edition.transition_end.isoformat()}
        elif not converted_on and issue_date < edition.effective_from:
            problems["issue_date"] = _(
                "This edition took effect on %(date)s; a certificate to it cannot be issued "
                "earlier (a converted certificate has a conversion date)."
            ) % {"date": edition.effective_from.isoformat()}
    return problems


class CertificateForm(forms.ModelForm):
    """A certificate. The expiry defaults to the issue date plus the edition's validity; the
    status is set here only when the certificate is entered (later through the status changes)."""

    class Meta:
        model = Certificate
        fields = [
            "organization",
            "standard_version",
            "number",
            "body_name",
            "body",
            "issue_date",
            "expiry_date",
            "status",
            "status_date",
            "converted_on",
            "scope_text",
            "notes",
        ]
        widgets = {
            "issue_date": DATE,
            "expiry_date": DATE,
            "status_date": DATE,
            "converted_on": DATE,
            "scope_text": forms.Textarea(attrs={"rows": 3}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, user=None, editions=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.editions = editions  # {version: edition}, when the caller has them already
        # The enterprises the user may add (or, editing, change) certificates for: choosing
        # one never ends in a refusal after the form was accepted.
        action = "change" if self.instance.pk else "add"
        ids = None if user is None else orgs_in_scope(user, Certificate, action)
        holders = Q(kind=OrganizationKind.ENTERPRISE)
        if ids is not None:
            holders &= Q(pk__in=ids)
        if self.instance.organization_id:
            holders |= Q(pk=self.instance.organization_id)
        self.fields["organization"].queryset = (
            Organization.objects.filter(holders).only("id", "name").order_by("name")
        )
        orgs = Organization.objects.all() if user is None else Organization.objects.restrict(user)
        self.fields["body"].queryset = (
            orgs.filter(kind=OrganizationKind.SERVICE).only("id", "name").order_by("name")
        )
        self.fields["expiry_date"].required = False
        self.fields["expiry_date"].help_text = _(
            "Empty: the issue date plus the edition's validity (3 years)."
        )
        self.fields["status"].required = False
        if self.instance.pk:
            # A certificate's status changes through suspend, withdraw, reinstate or expire.
            del self.fields["status"]
            del self.fields["status_date"]

    def clean_number(self):
        number = " ".join((self.cleaned_data.get("number") or "").split())
        if not number:
            raise forms.ValidationError(_("This field is required."))
        # Numbers are matched whatever their case (as the import matches them).
        clash = Certificate.objects.filter(number__iexact=number)
        if self.instance.pk:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError(_("A certificate with this number already exists."))
        return number

    def clean(self):
        cleaned = super().clean()
        eds = self.editions if self.editions is not None else certificates.editions()
        version = cleaned.get("standard_version")
        issue = cleaned.get("issue_date")
        if (
            issue
            and version
            and not cleaned.get("expiry_date")
            and "expiry_date" not in self.errors
        ):
            cleaned["expiry_date"] = certificates.default_expiry(issue, eds.get(version))
        if "status" in self.fields and not cleaned.get("status"):
            cleaned["status"] = CertificateStatus.VALID
        if version:
            problems = check_certificate_dates(
                version, issue, cleaned.get("expiry_date"), cleaned.get("converted_on"), eds
            )
            for field, message in problems.items():
                self.add_error(field, message)
        converted = cleaned.get("converted_on")
        if converted and "converted_on" not in self.errors:
            self._check_conversion(converted, cleaned)
        return cleaned

    def _check_conversion(self, converted, cleaned) -> None:
        """A conversion recorded here: on a day the certificate was valid, and in step with the
        audit that converted it, when there is one."""
        instance = self.instance
        if instance.pk:
            if converted == instance.converted_on:
                return
            valid = was_valid_on(instance.status, instance.status_date, converted)
            status = instance.get_status_display()
        else:
            status_value = cleaned.get("status") or CertificateStatus.VALID
            since = cleaned.get("status_date")
            # Entered with its current status and no date: nothing tells when that began.
            valid = since is None or was_valid_on(status_value, since, converted)
            status = CertificateStatus(status_value).label
        if not valid:
            self.add_error(
                "converted_on",
                _("The certificate was %(status)s by then; only a valid certificate is converted.")
                % {"status": str(status).lower()},
            )
            return
        if instance.pk:
            audit = instance.audits.filter(converts_to_2023=True).order_by("pk").first()
            if audit is not None and audit.done_date != converted:
                self.add_error(
                    "converted_on",
                    _(
                        "The certificate was converted at the surveillance audit of %(date)s; "
                        "change that audit's date instead."
                    )
                    % {"date": audit.done_date.isoformat() if audit.done_date else "—"},
                )


class AuditForm(forms.ModelForm):
    """A surveillance audit: when it is due, and once held its date and result. A 2013
    certificate may be converted to the 2023 edition at an audit it passed."""

    class Meta:
        model = SurveillanceAudit
        fields = ["due_date", "done_date", "result", "converts_to_2023", "notes"]
        widgets = {
            "due_date": DATE,
            "done_date": DATE,
            "notes": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, certificate=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.certificate = certificate or getattr(self.instance, "certificate", None)
        self.fields["result"].required = False
        self.was_converting = bool(self.instance.pk and self.instance.converts_to_2023)

    def clean(self):
        cleaned = super().clean()
        cert = self.certificate
        result = cleaned.get("result") or AuditResult.PLANNED
        cleaned["result"] = result
        done = cleaned.get("done_date")
        due = cleaned.get("due_date")
        if result != AuditResult.PLANNED and not done:
            self.add_error("done_date", _("Give the date the audit was held."))
        if done and result == AuditResult.PLANNED:
            self.add_error("result", _("Choose the result of the audit that was held."))
        if done and done > certificates.current_date():
            self.add_error("done_date", _("The date cannot be in the future."))
        if cert is not None:
            if due and not (cert.issue_date < due <= cert.expiry_date):
                self.add_error(
                    "due_date", _("An audit falls between the issue date and the expiry.")
                )
            if done and done < cert.issue_date:
                self.add_error("done_date", _("The audit cannot precede the certificate."))
        converting = cleaned.get("converts_to_2023")
        if self.was_converting and not converting:
            self.add_error(
                "converts_to_2023",
                _("A conversion cannot be undone here; edit the certificate instead."),
            )
        elif self.was_converting and cert is not None:
            self._check_converting_audit(cert, result, done)
        elif converting and cert is not None:
            self._check_conversion(cert, result, done)
        return cleaned

    def _conversion_day_problem(self, cert, done) -> str | None:
        problem = conversion_problem(
            done, cert.issue_date, cert.expiry_date, certificates.editions()
        )
        if problem is None and not was_valid_on(cert.status, cert.status_date, done):
            problem = _(
                "The certificate was %(status)s by then; only a valid certificate is converted."
            ) % {"status": cert.get_status_display().lower()}
        return problem

    def _check_conversion(self, cert, result, done):
        if cert.standard_version != StandardVersion.V2013:
            self.add_error(
                "converts_to_2023", _("Only a 2013-edition certificate can be converted.")
            )
        elif result != AuditResult.PASSED:
            self.add_error("converts_to_2023", _("A certificate is converted at a passed audit."))
        elif done and (problem := self._conversion_day_problem(cert, done)):
            self.add_error("converts_to_2023", problem)

    def _check_converting_audit(self, cert, result, done):
        """The audit that converted the certificate: it stays passed, and a new date must be one
        the certificate could have been converted on (the certificate follows it)."""
        if result != AuditResult.PASSED:
            self.add_error(
                "result",
                _(
                    "This audit converted the certificate to the 2023 edition, so it stays "
                    "passed; undo the conversion on the certificate first."
                ),
            )
        elif (
            done
            and done != self.instance.done_date
            and (problem := self._conversion_day_problem(cert, done))
        ):
            self.add_error("done_date", problem)


class StatusForm(forms.Form):
    action = forms.ChoiceField(
        label=_("Change"),
        choices=[(a.key, a.label) for a in certificates.STATUS_ACTIONS.values()],
    )
    on = forms.DateField(label=_("Effective on"), widget=DATE)
    note = forms.CharField(label=_("Reason"), max_length=90, required=False)

    def __init__(self, *args, certificate=None, **kwargs):
        super().__init__(*args, **kwargs)
        if certificate is not None:
            self.fields["action"].choices = [
                (a.key, a.label) for a in certificates.available_actions(certificate)
            ]
        if not self.is_bound:
            self.initial.setdefault("on", certificates.current_date())
