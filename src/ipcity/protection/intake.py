"""The intake check of a right named in a lead or a case: is it in the registry, is it still in
force, and does the complainant hold it?

    result = check_right("patent", "ZL201710117081.7", holder_name="示例甲科技有限公司")
    result["found"]   # True when the registry has it
    result["notes"]   # translated sentences: not in the registry, lapsed, invalid, not held ...
    result["patent"]  # the linked Patent (or None); likewise trademark, geographical_indication,
                      # plant_variety, copyright

Numbers are read the way people write them: patents by application or patent number of either
era, with or without "ZL"/"CN" and spaces (rights/numbers.py); trademarks, plant variety rights,
copyrights and geographical indications by their registration numbers, spaces and case aside.
Holders are compared by credit code first, then by the normalized name (parties.name_key).
"""

from __future__ import annotations

import datetime
import unicodedata

from django.utils import timezone
from django.utils.translation import gettext as _

from .choices import RightType
from .parties import clean_uscc, name_key

LINK_KEYS = ("patent", "trademark", "geographical_indication", "plant_variety", "copyright")


def _plain(number: str) -> str:
    text = unicodedata.normalize("NFKC", str(number or "")).upper()
    return "".join(text.split())


def normalize_number(right_type: str, number: str) -> str:
    """The form a number is stored in on a case: a patent's normalized application number when
    it parses, else the number as typed without spaces."""
    if right_type == RightType.PATENT:
        from ipcity.rights.numbers import PatentNumberError, parse_application_number

        try:
            return parse_application_number(number).normalized
        except PatentNumberError:
            pass
    return _plain(number)


def _holders(obj, right_type) -> list[tuple[str, str]]:
    """(name, credit code) of each holder the registry records."""
    if right_type == RightType.PATENT:
        holders = [
            (link.name_as_recorded or link.organization.name, link.organization.uscc or "")
            for link in obj.holder_links.select_related("organization")
        ]
        if not holders and obj.holder_names:
            holders = [(n.strip(), "") for n in obj.holder_names.split(";") if n.strip()]
        return holders
    org = getattr(obj, "applicant" if right_type == RightType.GEOGRAPHICAL_INDICATION else "holder")
    return [(org.name, org.uscc or "")] if org is not None else []


def _held_by(holders, complainants) -> bool:
    """True when one of `complainants` [(name, uscc)] is one of `holders` [(name, uscc)]:
    the credit codes decide when both sides have one, else the normalized names."""
    for c_name, c_uscc in complainants:
        c_uscc, c_key = clean_uscc(c_uscc), name_key(c_name)
        for h_name, h_uscc in holders:
            h_uscc = clean_uscc(h_uscc)
            if c_uscc and h_uscc:
                if c_uscc == h_uscc:
                    return True
                continue
            if c_key and c_key == name_key(h_name):
                return True
    return False


def _find(right_type: str, number: str):
    from ipcity.rights.models import (
        Copyright,
        GeographicalIndication,
        Patent,
        PlantVarietyRight,
        Trademark,
    )

    if right_type == RightType.PATENT:
        normalized = normalize_number(right_type, number)
        return "patent", Patent.objects.filter(application_number=normalized).first()
    plain = _plain(number)
    if right_type == RightType.TRADEMARK:
        return "trademark", Trademark.objects.filter(registration_number__iexact=plain).first()
    if right_type == RightType.PLANT_VARIETY:
        return "plant_variety", PlantVarietyRight.objects.filter(right_number__iexact=plain).first()
    if right_type == RightType.COPYRIGHT:
        match = Copyright.objects.filter(registration_number__iexact=plain).first()
        if match is None:
            match = Copyright.objects.filter(certificate_number__iexact=plain).first()
        return "copyright", match
    if right_type == RightType.GEOGRAPHICAL_INDICATION:
        return "geographical_indication", GeographicalIndication.objects.filter(
            registration_number__iexact=plain
        ).exclude(registration_number="").first()
    return None, None


def _status_notes(right_type: str, obj, on: datetime.date) -> list[str]:
    from ipcity.rights.choices import (
        GIStage,
        PatentStatus,
        PlantVarietyStatus,
        TrademarkStatus,
    )

    notes = []
    if right_type == RightType.PATENT:
        status = obj.legal_status
        if status == PatentStatus.LAPSED:
            notes.append(
                _("Patent %(number)s has lapsed (fees unpaid)%(since)s.")
                % {
                    "number": obj.application_number,
                    "since": _(" since %(date)s") % {"date": obj.lapse_date}
                    if obj.lapse_date
                    else "",
                }
            )
        elif status == PatentStatus.EXPIRED:
            notes.append(_("Patent %(number)s has expired.") % {"number": obj.application_number})
        elif status == PatentStatus.INVALIDATED:
            notes.append(
                _("Patent %(number)s has been declared invalid.")
                % {"number": obj.application_number}
            )
        elif status in (PatentStatus.REJECTED, PatentStatus.WITHDRAWN):
            notes.append(
                _("The application %(number)s was %(status)s: no patent was granted.")
                % {"number": obj.application_number, "status": obj.get_legal_status_display()}
            )
        elif status == PatentStatus.PENDING:
            notes.append(
                _("Application %(number)s is still pending: no patent has been granted yet.")
                % {"number": obj.application_number}
            )
        elif status == PatentStatus.UNKNOWN:
            notes.append(
                _("The registry does not know the legal status of patent %(number)s.")
                % {"number": obj.application_number}
            )
        elif obj.lapse_date and obj.lapse_date <= on:
            notes.append(
                _("Patent %(number)s lapsed on %(date)s.")
                % {"number": obj.application_number, "date": obj.lapse_date}
            )
    elif right_type == RightType.TRADEMARK:
        number = obj.registration_number
        if obj.status == TrademarkStatus.EXPIRED or (
            obj.status == TrademarkStatus.REGISTERED and obj.expiry_date and obj.expiry_date < on
        ):
            notes.append(
                _("Trademark %(number)s has expired%(since)s.")
                % {
                    "number": number,
                    "since": _(" on %(date)s") % {"date": obj.expiry_date}
                    if obj.expiry_date
                    else "",
                }
            )
        elif obj.status == TrademarkStatus.CANCELLED:
            notes.append(
                _("Trademark %(number)s has been cancelled or revoked.") % {"number": number}
            )
        elif obj.status == TrademarkStatus.INVALIDATED:
            notes.append(_("Trademark %(number)s has been declared invalid.") % {"number": number})
        elif obj.status == TrademarkStatus.PENDING:
            notes.append(
                _("Trademark %(number)s is an application, not yet registered.")
                % {"number": number}
            )
    elif right_type == RightType.PLANT_VARIETY:
        if obj.status == PlantVarietyStatus.TERMINATED:
            notes.append(
                _("Plant variety right %(number)s has been terminated.")
                % {"number": obj.right_number}
            )
        elif obj.status == PlantVarietyStatus.PENDING:
            notes.append(
                _("Plant variety right %(number)s is an application, not yet granted.")
                % {"number": obj.right_number}
            )
    elif right_type == RightType.GEOGRAPHICAL_INDICATION and obj.stage != GIStage.REGISTERED:
        notes.append(
            _("Geographical indication %(name)s is not registered (%(stage)s).")
            % {"name": obj.name, "stage": obj.get_stage_display()}
        )
    return notes


def check(right_type: str, number: str, complainants=(), on: datetime.date | None = None) -> dict:
    """`check_right` for several complainants [(name, credit code)]: the right counts as held by
    the complainant when any one of them holds it."""
    on = on or timezone.localdate()
    result = {"found": False, "notes": [], **dict.fromkeys(LINK_KEYS)}
    number = str(number or "").strip()
    if right_type in (RightType.TRADE_SECRET, RightType.OTHER):
        result["notes"].append(
            _("There is no public registry for this kind of right; nothing was checked.")
        )
        return result
    if not number:
        result["notes"].append(_("No number given; the registry was not checked."))
        return result
    if right_type == RightType.PATENT:
        from ipcity.rights.numbers import PatentNumberError, parse_application_number

        try:
            parse_application_number(number)
        except PatentNumberError:
            result["notes"].append(
                _("%(number)s is not a patent application or patent number.") % {"number": number}
            )
            return result
    key, obj = _find(right_type, number)
    if obj is None:
        result["notes"].append(_("%(number)s is not in the registry.") % {"number": number})
        return result
    result["found"] = True
    result[key] = obj
    result["notes"].extend(_status_notes(right_type, obj, on))
    complainants = [(n or "", u or "") for n, u in complainants if (n or "").strip() or u]
    if complainants:
        holders = _holders(obj, right_type)
        if not holders:
            result["notes"].append(_("The registry does not name a holder of this right."))
        elif not _held_by(holders, complainants):
            result["notes"].append(
                _("The registry names %(holders)s as holder, not the complainant.")
                % {"holders": "、".join(name for name, _uscc in holders)}
            )
    return result


def check_right(right_type, number, holder_name="", holder_uscc="") -> dict:
    """Look a right up in the registry; see the module docstring for the answer's keys."""
    complainants = [(holder_name, holder_uscc)] if (holder_name or holder_uscc) else []
    return check(right_type, number, complainants)
