"""State changes of the marketplace, shared by its pages, its API and its import: listings are
created, published, closed and deleted (drafts nobody has written about); a party contacts the
owner of a listing, the owner answers or declines, and once answered the giving side (the
assignor or licensor) or the office concludes the request into a transaction through
`deals.record_transaction` (origin marketplace), once.

Requests change state by claiming their row (a conditional update), so a page opened before
another change can never undo it: a request concluded in one tab cannot be answered, declined
or concluded again from another.

Each function checks the user's permission and scope, writes in one transaction and leaves a
history record naming the user. Bad input raises `ValidationError` (a dict of field errors);
a missing permission raises `PermissionDenied`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from ipcity.core.notifications import notify
from ipcity.core.scope import has_perm, scope_q
from ipcity.rights.models import Patent, PatentHolder
from ipcity.rights.numbers import PatentNumberError, parse_application_number
from ipcity.rights.search import normalize, tokenize

from . import deals
from .choices import ContactStatus, ListingStatus, TransactionKind, TransactionOrigin
from .matching import ipc_from_patents
from .models import ContactRequest, DemandListing, SupplyListing, Transaction

LISTED = (ListingStatus.PUBLISHED, ListingStatus.CLOSED)
OPEN_CONTACT = (ContactStatus.SENT, ContactStatus.ANSWERED)
MAX_PATENTS = 200
MAX_MESSAGE = 2000
NOTIFY_USERS = 20
_NUMBERS = re.compile(r"[;；,，、\s]+")


# -- who may do what ------------------------------------------------------------------------


def acts_for_any(user, model, action: str = "add") -> bool:
    """True for a district-wide grant (the office): it may act for any organization and offer
    any patent of the registry."""
    q = scope_q(model, user, action)
    return q is not None and not q


def may_change(user, obj) -> bool:
    return type(obj).objects.restrict(user, "change").filter(pk=obj.pk).exists()


def _check_change(user, obj) -> None:
    if not may_change(user, obj):
        raise PermissionDenied(
            _("You may not change this %(thing)s.") % {"thing": type(obj)._meta.verbose_name}
        )


def _organization(user):
    org = getattr(user, "organization", None)
    if org is None:
        raise ValidationError({"__all__": [_("Your account is not linked to an organization.")]})
    return org


# -- patents of an offer ---------------------------------------------------------------------


def split_numbers(value) -> list[str]:
    if isinstance(value, str):
        return [part for part in _NUMBERS.split(value) if part]
    return [str(part).strip() for part in value or () if str(part).strip()]


def resolve_patents(numbers, holder, any_holder: bool = False, field: str = "patents"):
    """The registry's patents for application numbers typed in any usual form; each must be
    held by `holder` unless `any_holder` (the office's explicit override). Problems raise
    ValidationError."""
    wanted: dict[str, str] = {}
    problems = []
    for raw in split_numbers(numbers):
        try:
            number = parse_application_number(raw).normalized
        except PatentNumberError:
            problems.append(_("“%(n)s” is not an application number.") % {"n": raw})
            continue
        wanted.setdefault(number, raw)
    if len(wanted) > MAX_PATENTS:
        problems.append(_("At most %(n)d patents per listing.") % {"n": MAX_PATENTS})
    if problems:
        raise ValidationError({field: problems})
    if not wanted:
        return []
    found = {p.application_number: p for p in Patent.objects.filter(application_number__in=wanted)}
    missing = [raw for number, raw in wanted.items() if number not in found]
    if missing:
        raise ValidationError(
            {field: [_("Not in the registry: %(list)s.") % {"list": "、".join(missing)}]}
        )
    patents = [found[n] for n in wanted]
    if not any_holder:
        check_held(holder, patents, field)
    return patents


def check_held(holder, patents, field: str = "patents") -> None:
    """ValidationError unless `holder` holds every one of `patents` in the registry now."""
    patents = list(patents)
    if not patents:
        return
    held = set()
    if holder is not None:
        held = set(
            PatentHolder.objects.filter(organization=holder, patent__in=patents).values_list(
                "patent_id", flat=True
            )
        )
    foreign = [p.application_number for p in patents if p.pk not in held]
    if foreign:
        raise ValidationError(
            {
                field: [
                    _("%(owner)s does not hold: %(list)s.")
                    % {"owner": holder or _("Your organization"), "list": "、".join(foreign)}
                ]
            }
        )


def may_override_holders(user) -> bool:
    """Only a district-wide user (the office) may offer or transfer patents the registry does
    not show the owner holding, and only when it says so explicitly."""
    return acts_for_any(user, SupplyListing, "add")


# -- search text -----------------------------------------------------------------------------


def build_search_text(listing, patents: Iterable[Patent] = ()) -> str:
    """Tokens of title, description, keywords, IPC codes, owner and offered patents, then the
    whole values, as rights.search does for patents."""
    values = [
        listing.title,
        listing.description,
        listing.keywords,
        *listing.ipc_list(),
        listing.owner.name if listing.owner_id else "",
    ]
    for patent in patents:
        values.extend([patent.application_number, patent.title])
    seen: dict[str, None] = {}
    for value in values:
        for token in tokenize(value or ""):
            seen.setdefault(token, None)
    for value in values:
        whole = normalize(value or "")
        if whole:
            seen.setdefault(whole, None)
    return " ".join(seen)


def refresh_search_text(listing) -> None:
    patents = listing.patents.all() if isinstance(listing, SupplyListing) else ()
    text = build_search_text(listing, patents)
    if text != listing.search_text:
        listing.search_text = text
        type(listing).objects.filter(pk=listing.pk).update(search_text=text)


# -- listings --------------------------------------------------------------------------------


def save_listing(user, form):
    """Save a validated listing form (create or edit). An offer's IPC codes default to its
    patents' codes; the saved listing must lie inside the user's scope."""
    obj = form.instance
    model = type(obj)
    action = "change" if obj.pk else "add"
    if obj.pk:
        _check_change(user, obj)
    elif not has_perm(user, model, "add"):
        raise PermissionDenied(
            _("You may not add %(things)s.") % {"things": model._meta.verbose_name_plural}
        )
    patents = form.cleaned_data.get("patents")
    with transaction.atomic():
        listing = form.save(commit=False)
        if model is SupplyListing and not listing.ipc_codes and patents:
            listing.ipc_codes = ipc_from_patents(patents)
        listing._history_user = user
        listing.save()
        if model is SupplyListing and patents is not None:
            listing.patents.set(patents)
        refresh_search_text(listing)
        if not model.objects.restrict(user, action).filter(pk=listing.pk).exists():
            raise PermissionDenied(_("The record would fall outside your scope."))
    return listing


def _form_class(model):
    from .forms.marketplace import DemandListingForm, SupplyListingForm

    return SupplyListingForm if model is SupplyListing else DemandListingForm


def _validated(form):
    if not form.is_valid():
        raise ValidationError(form.errors.as_data())
    return form


def create_listing(user, model, data: dict, publish_now: bool = False):
    """Create an offer or a need from form-style data (the API and the import)."""
    if not has_perm(user, model, "add"):
        raise PermissionDenied(
            _("You may not add %(things)s.") % {"things": model._meta.verbose_name_plural}
        )
    form = _validated(_form_class(model)(data=data, user=user))
    with transaction.atomic():
        listing = save_listing(user, form)
        if publish_now:
            publish(user, listing)
    return listing


def update_listing(user, listing, data: dict):
    """Change a listing; fields missing from `data` keep their value."""
    _check_change(user, listing)
    form_class = _form_class(type(listing))
    values = form_class.initial_data(listing)
    values.update(data)
    form = _validated(form_class(data=values, instance=listing, user=user))
    return save_listing(user, form)


def publish(user, listing):
    """A draft (or a closed listing, reopened) becomes visible to every marketplace user."""
    _check_change(user, listing)
    if listing.status == ListingStatus.PUBLISHED:
        raise ValidationError({"status": [_("The listing is already published.")]})
    with transaction.atomic():
        listing.status = ListingStatus.PUBLISHED
        listing.published_at = timezone.now()
        listing.closed_at = None
        listing._history_user = user
        listing.save()
    return listing


def close(user, listing):
    """A published listing leaves the marketplace; its requests and transactions stay."""
    _check_change(user, listing)
    if listing.status != ListingStatus.PUBLISHED:
        raise ValidationError({"status": [_("Only a published listing can be closed.")]})
    with transaction.atomic():
        listing.status = ListingStatus.CLOSED
        listing.closed_at = timezone.now()
        listing._history_user = user
        listing.save()
    return listing


def listing_fk(model_or_listing) -> str:
    """The field of a contact request or a transaction that points to this kind of listing."""
    model = model_or_listing if isinstance(model_or_listing, type) else type(model_or_listing)
    return "supply_listing" if issubclass(model, SupplyListing) else "demand_listing"


def has_requests_or_deals(listing) -> bool:
    fk = listing_fk(listing)
    return (
        ContactRequest.objects.filter(**{fk: listing.pk}).exists()
        or Transaction.objects.filter(**{fk: listing.pk}).exists()
    )


def owner_is_locked(listing) -> bool:
    """A listing keeps its owner once it was published or has requests or transactions: its
    requests and deals were made with that organization."""
    if listing.pk is None:
        return False
    if listing.status != ListingStatus.DRAFT or listing.published_at is not None:
        return True
    return has_requests_or_deals(listing)


def delete_listing(user, listing) -> None:
    """Only drafts nobody wrote about are deleted: a listing once published, or attached to a
    request, keeps its requests, its transactions and its history."""
    if not type(listing).objects.restrict(user, "delete").filter(pk=listing.pk).exists():
        raise PermissionDenied
    if listing.status != ListingStatus.DRAFT:
        raise ValidationError(
            {"status": [_("Only drafts can be deleted; close a published listing instead.")]}
        )
    with transaction.atomic():
        if has_requests_or_deals(listing):
            raise ValidationError(
                {
                    "__all__": [
                        _(
                            "This listing belongs to contact requests or transactions and "
                            "cannot be deleted."
                        )
                    ]
                }
            )
        listing._history_user = user
        listing.delete()


# -- contact requests --------------------------------------------------------------------------


def recipients(org):
    """Active users of `org` who may read contact requests (at most NOTIFY_USERS)."""
    from ipcity.accounts.models import User

    return (
        User.objects.filter(organization=org, is_active=True)
        .filter(
            Q(is_superuser=True)
            | Q(
                role_assignments__role__is_active=True,
                role_assignments__role__permissions__codename="view_contactrequest",
                role_assignments__role__permissions__content_type__app_label="utilization",
            )
        )
        .distinct()
        .order_by("pk")[:NOTIFY_USERS]
    )


def _notify_org(org, title: str, link: str) -> None:
    for user in recipients(org):
        notify(user, title, link=link)


def contact(user, listing, message: str, about=None) -> ContactRequest:
    """Ask the owner of a published listing to talk. `about` is one of the requester's own
    listings of the other kind (the need an offer would answer, or the offer for a need)."""
    if not has_perm(user, ContactRequest, "add"):
        raise PermissionDenied(_("You may not send contact requests."))
    org = _organization(user)
    message = (message or "").strip()
    errors = {}
    if not message:
        errors["message"] = [_("Write a message to the owner.")]
    elif len(message) > MAX_MESSAGE:
        errors["message"] = [_("At most %(n)d characters.") % {"n": MAX_MESSAGE}]
    if listing.status != ListingStatus.PUBLISHED:
        errors["__all__"] = [_("Only a published listing can be contacted.")]
    elif listing.owner_id == org.pk:
        errors["__all__"] = [_("This is your own listing.")]
    if about is not None and (isinstance(about, type(listing)) or about.owner_id != org.pk):
        errors["about"] = [_("Attach one of your own listings of the other kind.")]
    elif about is not None and about.status != ListingStatus.PUBLISHED:
        errors["about"] = [_("Only a published listing of yours can be attached.")]
    if errors:
        raise ValidationError(errors)
    is_offer = isinstance(listing, SupplyListing)
    target = {"supply_listing" if is_offer else "demand_listing": listing}
    with transaction.atomic():
        # Lock the listing: of two requests sent at once, the second waits here and then
        # finds the first (SQLite serializes writing transactions anyway).
        locked = type(listing).objects.select_for_update().filter(pk=listing.pk).first()
        if locked is None or locked.status != ListingStatus.PUBLISHED:
            raise ValidationError({"__all__": [_("Only a published listing can be contacted.")]})
        if about is not None:
            attached = type(about).objects.select_for_update().filter(pk=about.pk).first()
            if attached is None or attached.status != ListingStatus.PUBLISHED:
                raise ValidationError(
                    {"about": [_("Only a published listing of yours can be attached.")]}
                )
        if ContactRequest.objects.filter(requester=org, status__in=OPEN_CONTACT, **target).exists():
            raise ValidationError(
                {"__all__": [_("Your organization already has an open request on this listing.")]}
            )
        created = ContactRequest(requester=org, message=message, **target)
        if about is not None:
            setattr(created, "demand_listing" if is_offer else "supply_listing", about)
        created._history_user = user
        created.save()
        if not ContactRequest.objects.restrict(user, "add").filter(pk=created.pk).exists():
            raise PermissionDenied(_("The record would fall outside your scope."))
        _notify_org(
            listing.owner,
            _("Contact request from %(org)s: %(title)s") % {"org": org, "title": listing.title},
            created.get_absolute_url(),
        )
    return created


def may_reply(user, contact: ContactRequest) -> bool:
    """The owner of the listing the contact is about (or the office) answers and declines."""
    listing = contact.listing
    return (
        listing is not None
        and may_change(user, contact)
        and type(listing).objects.restrict(user, "change").filter(pk=listing.pk).exists()
    )


def _check_reply(user, contact: ContactRequest) -> None:
    if not may_reply(user, contact):
        raise PermissionDenied(_("Only the owner of the listing answers its requests."))
    if not contact.is_open or contact.transaction_id is not None:
        raise _no_longer_open()


def _no_longer_open() -> ValidationError:
    return ValidationError(
        {"__all__": [_("This request is no longer open; it may already be concluded.")]}
    )


def _claim(user, contact: ContactRequest, status: str, *, reply: str = "", answered_now: bool):
    """Move an open request to `status` if it is still open in the database (whatever the
    caller's copy says), then save only what changed, with a history record naming `user`."""
    now = timezone.now()
    claimed = ContactRequest.objects.filter(
        pk=contact.pk, status__in=OPEN_CONTACT, transaction__isnull=True
    ).update(
        status=status,
        answered_at=now if answered_now else Coalesce("answered_at", now),
        updated_at=now,
    )
    if not claimed:
        contact.refresh_from_db()
        raise _no_longer_open()
    contact.refresh_from_db()
    fields = ["updated_at"]
    if reply:
        contact.reply = reply
        fields.append("reply")
    contact._history_user = user
    contact.save(update_fields=fields)


def answer(user, contact: ContactRequest, reply: str) -> ContactRequest:
    _check_reply(user, contact)
    reply = (reply or "").strip()
    if not reply:
        raise ValidationError({"reply": [_("Write a reply.")]})
    if len(reply) > MAX_MESSAGE:
        raise ValidationError({"reply": [_("At most %(n)d characters.") % {"n": MAX_MESSAGE}]})
    with transaction.atomic():
        _claim(user, contact, ContactStatus.ANSWERED, reply=reply, answered_now=True)
        _notify_org(
            contact.requester,
            _("Your contact request was answered: %(title)s") % {"title": contact.listing},
            contact.get_absolute_url(),
        )
    return contact


def decline(user, contact: ContactRequest, reply: str = "") -> ContactRequest:
    _check_reply(user, contact)
    reply = (reply or "").strip()[:MAX_MESSAGE]
    with transaction.atomic():
        _claim(user, contact, ContactStatus.DECLINED, reply=reply, answered_now=False)
        _notify_org(
            contact.requester,
            _("Your contact request was declined: %(title)s") % {"title": contact.listing},
            contact.get_absolute_url(),
        )
    return contact


def parties(contact: ContactRequest):
    """(assignor or licensor, assignee or licensee) of the deal a contact would lead to: the
    offer's owner gives, the need's owner takes; the requester stands in for the missing side."""
    supply, demand = contact.supply_listing, contact.demand_listing
    assignor = supply.owner if supply is not None else contact.requester
    assignee = demand.owner if demand is not None else contact.requester
    return assignor, assignee


def allowed_kinds(contact: ContactRequest) -> list[str]:
    """The transaction kinds the deal may take: offered by the offer and wanted by the need
    (a side that names none accepts any)."""
    offered = set(contact.supply_listing.kinds) if contact.supply_listing_id else set()
    wanted = set(contact.demand_listing.kinds) if contact.demand_listing_id else set()
    if offered and wanted:
        allowed = offered & wanted
    else:
        allowed = offered or wanted or set(TransactionKind.values)
    return [k for k in TransactionKind.values if k in allowed]


def check_conclude(user, contact: ContactRequest) -> None:
    """Raise unless `user` may now record the deal `contact` led to: the request was
    answered and not concluded, and the user records for the giving side (the assignor or
    licensor) or for the office."""
    if not may_change(user, contact):
        raise PermissionDenied(_("You may not change this contact request."))
    if not has_perm(user, Transaction, "add"):
        raise PermissionDenied(_("You may not record transactions."))
    if contact.transaction_id is not None or not contact.is_open:
        raise _no_longer_open()
    if contact.status != ContactStatus.ANSWERED:
        raise ValidationError(
            {"__all__": [_("The request must be answered before the deal is recorded.")]}
        )
    assignor, _assignee = parties(contact)
    if not acts_for_any(user, Transaction) and user.organization_id != assignor.pk:
        raise PermissionDenied(
            _("The assignor or licensor (%(org)s) or the office records the deal.")
            % {"org": assignor}
        )


def may_conclude(user, contact: ContactRequest) -> bool:
    try:
        check_conclude(user, contact)
    except (PermissionDenied, ValidationError):
        return False
    return True


def conclude(
    user,
    contact: ContactRequest,
    *,
    kind: str,
    contract_date,
    amount=None,
    patents=None,
    start_date=None,
    end_date=None,
    registration_number: str = "",
    registration_date=None,
    notes: str = "",
    any_holder: bool = False,
) -> Transaction:
    """Record the transaction a contact led to (once: a second submission finds the contact
    concluded and writes nothing) and link it to the contact and its listings. The patents
    (the offer's by default) must be held by the assignor when the deal is recorded, unless
    the office overrides with `any_holder`."""
    check_conclude(user, contact)
    if kind not in allowed_kinds(contact):
        raise ValidationError(
            {
                "kind": [
                    _("Choose a kind both listings accept: %(kinds)s.")
                    % {"kinds": "、".join(kind_labels(allowed_kinds(contact))) or "—"}
                ]
            }
        )
    assignor, assignee = parties(contact)
    if assignor.pk == assignee.pk:
        raise ValidationError({"__all__": [_("Both sides of the deal are one organization.")]})
    if patents is None:
        patents = list(contact.supply_listing.patents.all()) if contact.supply_listing_id else []
    patents = list(patents)
    with transaction.atomic():
        # Claim the contact first: of two submissions, only one finds it answered and free.
        claimed = ContactRequest.objects.filter(
            pk=contact.pk, status=ContactStatus.ANSWERED, transaction__isnull=True
        ).update(status=ContactStatus.CONCLUDED, updated_at=timezone.now())
        if not claimed:
            raise _no_longer_open()
        if not (any_holder and may_override_holders(user)):
            check_held(assignor, patents)
        deal = deals.record_transaction(
            user,
            kind=kind,
            assignor=assignor,
            assignee=assignee,
            patents=patents,
            amount=amount,
            contract_date=contract_date,
            start_date=start_date,
            end_date=end_date,
            registration_number=registration_number or "",
            registration_date=registration_date,
            supply_listing=contact.supply_listing,
            demand_listing=contact.demand_listing,
            origin=TransactionOrigin.MARKETPLACE,
            notes=notes or "",
        )
        contact.refresh_from_db()
        contact.transaction = deal
        contact._history_user = user
        contact.save(update_fields=["transaction", "updated_at"])
        title = _("A transaction was recorded from the marketplace: %(deal)s") % {"deal": deal}
        for org in (assignor, assignee):
            if org.pk != user.organization_id:
                _notify_org(org, title, contact.get_absolute_url())
    return deal


def kind_labels(kinds) -> list[str]:
    labels = dict(TransactionKind.choices)
    return [str(labels.get(k, k)) for k in kinds]


# -- conversion --------------------------------------------------------------------------------


def contacted_exists(model, user):
    """A listing was contacted: a request the user may see names it, as the listing asked
    about or as the requester's own listing attached to a request on another organization's
    listing, and so put its owner in touch with another organization. A request its own
    owner sent about it alone does not count. Offers and needs count alike, so a listing
    that led to a transaction through the marketplace also counts as contacted. One
    definition for the marketplace figures and the `contacted` filter (a Q)."""
    fk = listing_fk(model)
    other = "demand_listing" if fk == "supply_listing" else "supply_listing"
    requests = ContactRequest.objects.restrict(user, "view").filter(**{fk: OuterRef("pk")})
    asked = requests.exclude(requester_id=OuterRef("owner_id"))
    attached = requests.filter(**{f"{other}__isnull": False}).exclude(
        **{f"{other}__owner_id": OuterRef("owner_id")}
    )
    return Q(Exists(asked)) | Q(Exists(attached))


def concluded_exists(model, user) -> Exists:
    """A listing led to a transaction the user may see (one definition for the figures and the
    `concluded` filter): competitors' deals stay theirs."""
    return Exists(
        Transaction.objects.restrict(user, "view").filter(**{listing_fk(model): OuterRef("pk")})
    )


def conversion(user) -> dict:
    """Per kind of listing: listed (published, or closed after publishing), with at least one
    contact request, with a transaction, and the conversion rate (transactions / listed),
    counted over the listings the user sees, and over the requests and transactions the user
    sees (the office sees all of them): two queries."""
    figures = {}
    for key, model in (("offers", SupplyListing), ("needs", DemandListing)):
        contacted = contacted_exists(model, user)
        concluded = concluded_exists(model, user)
        row = (
            model.objects.restrict(user, "view")
            .filter(status__in=LISTED)
            .aggregate(
                listed=Count("pk"),
                published=Count("pk", filter=Q(status=ListingStatus.PUBLISHED)),
                contacted=Count("pk", filter=Q(contacted)),
                concluded=Count("pk", filter=Q(concluded)),
            )
        )
        row["rate"] = round(100 * row["concluded"] / row["listed"], 1) if row["listed"] else None
        figures[key] = row
    return figures
