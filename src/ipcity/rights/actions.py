"""State changes for the registry, shared by the HTML views and the API.

Each function checks the user's permission and scope, validates through the model's form, saves
in one transaction and leaves a history record naming the user. Field problems raise
`ValidationError` with a dict of field errors; a missing permission raises `PermissionDenied`.
A patent's `search_text` is recomputed whenever the patent or its holders change.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.forms.models import model_to_dict
from django.utils.translation import gettext as _

from ipcity.core.scope import has_perm

from .choices import GIStage
from .forms import (
    CopyrightForm,
    GeographicalIndicationForm,
    PatentForm,
    PlantVarietyRightForm,
    SoftwareLegalizationCheckForm,
    TrademarkForm,
)
from .highvalue import classify_queryset
from .models import (
    Copyright,
    GeographicalIndication,
    Patent,
    PatentHolder,
    PlantVarietyRight,
    SoftwareLegalizationCheck,
    Trademark,
)
from .search import refresh_search_text
from .signals import send_patents_changed

FORMS = {
    Patent: PatentForm,
    Trademark: TrademarkForm,
    GeographicalIndication: GeographicalIndicationForm,
    PlantVarietyRight: PlantVarietyRightForm,
    Copyright: CopyrightForm,
    SoftwareLegalizationCheck: SoftwareLegalizationCheckForm,
}


def _check_add(user, model) -> None:
    if not has_perm(user, model, "add"):
        raise PermissionDenied(
            _("You may not add %(things)s.") % {"things": model._meta.verbose_name_plural}
        )


def _check_change(user, obj) -> None:
    if not type(obj).objects.restrict(user, "change").filter(pk=obj.pk).exists():
        raise PermissionDenied(
            _("You may not change this %(thing)s.") % {"thing": type(obj)._meta.verbose_name}
        )


def _form_values(obj, form_class) -> dict:
    """The current values of `obj` as form data, so a partial update keeps the rest."""
    values = model_to_dict(obj, fields=form_class._meta.fields)
    return {k: ("" if v is None else v) for k, v in values.items()}


def _validated(form):
    if not form.is_valid():
        raise ValidationError(form.errors.as_data())
    return form


def _save(user, form, action: str):
    """Save a validated form; the saved row must still be inside the user's `action` scope."""
    model = form._meta.model
    try:
        with transaction.atomic():
            obj = form.save(commit=False)
            obj._history_user = user
            obj.save()
            if hasattr(form, "save_related"):
                form.save_related(obj)
            if not model.objects.restrict(user, action).filter(pk=obj.pk).exists():
                raise PermissionDenied(_("The record would fall outside your scope."))
    except IntegrityError:
        # Two requests racing for the same unique number: the database has the last word.
        raise ValidationError(
            {"__all__": [_("A record with this number already exists.")]}
        ) from None
    return obj


def create(user, model, data: dict):
    """Create a `model` row from form-style `data` (ids for foreign keys)."""
    _check_add(user, model)
    form = _validated(FORMS[model](data=data, user=user))
    if model is Patent:
        return _save_patent(user, form, "add")
    return _save(user, form, "add")


def update(user, obj, data: dict):
    """Change `obj` with the values in `data`; fields missing from `data` keep their value."""
    _check_change(user, obj)
    form_class = FORMS[type(obj)]
    values = _form_values(obj, form_class)
    if isinstance(obj, Patent) and "holders" not in data:
        values["holders"] = [link.organization_id for link in obj.holder_links.all()]
    values.update(dict(data.items()) if hasattr(data, "items") else data)
    form = _validated(form_class(data=values, instance=obj, user=user))
    if isinstance(obj, Patent):
        return _save_patent(user, form, "change")
    return _save(user, form, "change")


def save_form(user, form):
    """Save a form the caller has validated (the HTML views), with the same checks as above."""
    obj = form.instance
    if obj.pk:
        _check_change(user, obj)
    else:
        _check_add(user, type(obj))
    action = "change" if obj.pk else "add"
    if isinstance(obj, Patent):
        return _save_patent(user, form, action)
    return _save(user, form, action)


# patents


def set_holders(patent: Patent, organizations) -> None:
    """Make `organizations` (in order) the holders of `patent`."""
    wanted = [org.pk for org in organizations]
    current = {link.organization_id: link for link in patent.holder_links.all()}
    PatentHolder.objects.filter(patent=patent).exclude(organization_id__in=wanted).delete()
    for position, org in enumerate(organizations, start=1):
        link = current.get(org.pk)
        if link is None:
            PatentHolder.objects.create(
                patent=patent, organization=org, position=position, name_as_recorded=org.name
            )
        elif link.position != position:
            PatentHolder.objects.filter(pk=link.pk).update(position=position)


def _save_patent(user, form, action: str) -> Patent:
    holders = form.cleaned_data.get("holders")
    try:
        with transaction.atomic():
            patent = form.save(commit=False)
            patent.number_check_ok = form.number_check_ok
            if holders and not patent.holder_names:
                patent.holder_names = ";".join(org.name for org in holders)
            patent._history_user = user
            patent.save()
            if holders is not None:
                set_holders(patent, holders)
            refresh_search_text(patent)
            # Status, dates, family, awards or pledges may have changed the classification.
            classify_queryset(Patent.objects.filter(pk=patent.pk))
            patent.refresh_from_db(
                fields=["is_high_value", "high_value_criteria", "high_value_rule"]
            )
            if not Patent.objects.restrict(user, action).filter(pk=patent.pk).exists():
                raise PermissionDenied(_("The record would fall outside your scope."))
            send_patents_changed([patent.pk], user)
    except IntegrityError:
        raise ValidationError(
            {"application_number": [_("A patent with this application number already exists.")]}
        ) from None
    patent.number_warning = form.number_warning
    return patent


def create_patent(user, data: dict) -> Patent:
    return create(user, Patent, data)


def update_patent(user, patent: Patent, data: dict) -> Patent:
    return update(user, patent, data)


# geographical indications


def move_gi(user, gi: GeographicalIndication, stage: str) -> GeographicalIndication:
    """Move a GI to another stage of the pipeline (candidate → reserve → filed → registered)."""
    _check_change(user, gi)
    if stage not in GIStage.values:
        raise ValidationError({"stage": [_("Unknown stage.")]})
    if gi.stage == stage:
        return gi
    with transaction.atomic():
        gi.stage = stage
        gi._history_user = user
        gi.save()
    return gi
