"""Where a party of a transaction, pledge or designation stands: in the district or not.

The same signals as patent attribution (rights.attribution, DOMAIN.md §3), read from the
organization's record: its credit code, its address, its recorded region, and a person's
decision on the attribution review list. Unknown parties (no organization, or nothing that places
them) are None, never guessed.

Also here: matching a party typed as a name (or credit code) to an organization, as the
transaction form, the API and the import do.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from ipcity.core.scope import ScopeChoices, grants_for, perm_name
from ipcity.rights.attribution import District, Signals
from ipcity.rights.choices import Attribution
from ipcity.rights.holders import name_variants, normalize_name


@dataclass(frozen=True)
class Location:
    """Where an organization is: `inside` True, False or None (unknown), and what said so."""

    inside: bool | None
    detail: str = ""


def _region_outside(org, district: District) -> str:
    """A recorded region that is neither the district, one of its places, nor one of the
    areas containing it (the city, the province) places the organization outside."""
    if not org.region_id or org.region_id in district.region_ids:
        return ""
    region = org.region
    code = region.code
    stem = code[:6].rstrip("0")
    if len(stem) % 2:
        stem += "0"
    if stem and district.code.startswith(stem) and len(code) <= 6:
        return ""  # the city or province the district belongs to: says nothing
    return _("registered region %(name)s (%(code)s)") % {"name": region.name, "code": code}


def _by_record(org, district: District) -> Location | None:
    """Where the organization's own record places it (credit code, address, region), or None
    when it does not. Reads `org.region` only for a region outside the district."""
    decision = district.decide(
        Signals(
            uscc=org.uscc or "",
            addresses=[org.address] if org.address else [],
            region_id=org.region_id,
        )
    )
    if decision.attribution == Attribution.IN_DISTRICT:
        return Location(True, decision.detail)
    if decision.attribution == Attribution.OUTSIDE:
        return Location(False, decision.detail)
    outside = _region_outside(org, district)
    if outside:
        return Location(False, outside)
    return None


def _by_person(attribution: str | None) -> Location:
    """What a person decided on the attribution review list (None: nobody did)."""
    if attribution == Attribution.IN_DISTRICT:
        return Location(True, _("decided on the attribution review list"))
    if attribution == Attribution.OUTSIDE:
        return Location(False, _("decided on the attribution review list"))
    return Location(None, _("no credit code, address or region places it"))


def locate(org, district: District | None = None) -> Location:
    """Where `org` is, with the signal that decided (credit code, address, region, a person)."""
    if org is None:
        return Location(None, _("not linked to an organization"))
    district = district or District.load()
    found = _by_record(org, district)
    if found is not None:
        return found
    from ipcity.rights.models import HolderAttribution

    person = (
        HolderAttribution.objects.filter(organization_id=org.pk)
        .values_list("attribution", flat=True)
        .first()
    )
    return _by_person(person)


def locate_many(orgs, district: District | None = None) -> dict[int, Location]:
    """`locate` for many organizations at once: {organization id: Location}, in one query for
    the review-list decisions of those their record does not place. Load `orgs` with
    `select_related("region")` (see `organizations_to_locate`), so that a region outside the
    district is read with them."""
    district = district or District.load()
    result: dict[int, Location] = {}
    undecided: list[int] = []
    for org in orgs:
        found = _by_record(org, district)
        if found is None:
            undecided.append(org.pk)
        else:
            result[org.pk] = found
    if undecided:
        from ipcity.rights.models import HolderAttribution

        people = dict(
            HolderAttribution.objects.filter(organization_id__in=undecided).values_list(
                "organization_id", "attribution"
            )
        )
        for pk in undecided:
            result[pk] = _by_person(people.get(pk))
    return result


def organizations_to_locate(ids):
    """The organizations with `ids`, loaded with what `locate_many` reads (one query)."""
    from ipcity.orgs.models import Organization

    return (
        Organization.objects.filter(pk__in=ids)
        .select_related("region")
        .only("pk", "uscc", "address", "region", "region__code", "region__name")
    )


def in_district(org, district: District | None = None) -> bool | None:
    """True or False when the organization's record places it; None when nothing does."""
    return locate(org, district).inside


class PartyIndex:
    """Organizations by credit code and by normalized name, for matching typed parties.

    Built for a set of names (one query) or for the whole table (imports); a name shared by
    several organizations matches none of them, so a party is never linked to the wrong one.
    """

    def __init__(self, names=None, usccs=None):
        from ipcity.orgs.models import Organization

        qs = Organization.objects.only("pk", "name", "uscc", "kind", "region_id", "address")
        if names is not None or usccs is not None:
            variants: set[str] = set()
            for name in names or ():
                variants |= name_variants(name)
            qs = qs.filter(name__in=variants) | qs.filter(uscc__in=set(usccs or ()))
        self.by_uscc: dict[str, object] = {}
        self.by_name: dict[str, list] = {}
        for org in qs.order_by("pk"):
            if org.uscc:
                self.by_uscc.setdefault(org.uscc, org)
            self.by_name.setdefault(normalize_name(org.name), []).append(org)

    def match(self, name: str = "", uscc: str = ""):
        """The organization with this credit code, else the only one with this name; or None."""
        code = (uscc or "").strip().upper()
        if code and code in self.by_uscc:
            return self.by_uscc[code]
        text = (name or "").strip()
        if len(text) == 18 and text.upper() in self.by_uscc:
            return self.by_uscc[text.upper()]
        found = self.by_name.get(normalize_name(text), [])
        return found[0] if len(found) == 1 else None

    def ambiguous(self, name: str) -> bool:
        return len(self.by_name.get(normalize_name(name), [])) > 1


def match_organization(name: str = "", uscc: str = ""):
    """One lookup: the organization a typed party names (credit code, then exact name)."""
    if not (name or uscc):
        return None
    return PartyIndex(names=[name] if name else [], usccs=[uscc.upper()] if uscc else []).match(
        name, uscc
    )


def orgs_in_scope(user, model, action: str) -> set[int] | None:
    """Ids of the organizations through which `user` may `action` rows of `model`; None means
    every organization (a district-wide grant), an empty set none at all."""
    from ipcity.orgs.models import Organization

    if user is None or user.is_superuser:
        return None
    grants = grants_for(user, perm_name(model, action))
    if any(g.scope == ScopeChoices.DISTRICT for g in grants):
        return None
    ids: set[int] = set()
    for grant in grants:
        if grant.org_id is None:
            continue
        if grant.scope == ScopeChoices.SUBTREE:
            ids |= set(
                Organization.objects.filter(path__startswith=grant.org_path).values_list(
                    "pk", flat=True
                )
            )
        else:
            ids.add(grant.org_id)
    return ids
