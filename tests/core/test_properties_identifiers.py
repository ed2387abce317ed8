"""Property-based tests of the validators of Chinese identifiers.

- unified social credit codes (GB 32100-2015): `orgs.forms.uscc_check` and the import parsers
  built on it or beside it;
- CNIPA patent application numbers, both eras: `rights.numbers.parse_application_number`;
- trademark registration numbers and Nice classes (`rights.forms`);
- IPC codes (`utilization.matching`);
- phone numbers (`protection.leads.valid_phone`) and the public status look-up that compares them.

The check characters are computed here from the definitions in the domain notes, independently
of the code under test.
"""

from __future__ import annotations

import datetime
import re
import string

import pytest
from django import forms
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ipcity.core.imports import RowError
from ipcity.orgs.forms import uscc_check
from ipcity.protection.choices import LeadSource, RightType
from ipcity.protection.leads import find_for_status, phone_digits, valid_phone
from ipcity.protection.models import Lead
from ipcity.rights.forms import TrademarkForm, parse_nice_classes
from ipcity.rights.numbers import PatentNumberError, parse_application_number
from ipcity.utilization.imports import cultivation, transfers
from ipcity.utilization.matching import IPC, normalize_ipc_codes, parse_ipc

PROPS = settings(max_examples=80, deadline=None, database=None)
FUZZ = settings(max_examples=200, deadline=None, database=None)
DB_PROPS = settings(
    max_examples=15,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

# Every exotic input the robustness properties try besides st.text().
ODD_TEXT = st.sampled_from(
    ["", " ", "\u3000", "\x00", "ß", "ﬁ", "²", "⑨", "١٢٣", "０１２", "𝟗", "İ", "\ud7ff", "X" * 200]
)
texts = st.one_of(st.text(), ODD_TEXT)

# Full-width forms of A-Z, 0-9 and "/", as a Chinese input method types them.
FULL_WIDTH = str.maketrans(
    string.ascii_uppercase + string.digits + "/",
    "".join(chr(0xFF21 + i) for i in range(26))
    + "".join(chr(0xFF10 + i) for i in range(10))
    + "／",
)


# -- unified social credit code (GB 32100-2015) ---------------------------------------------------

# 18 characters from 0-9 A-H J-N P-R T U W-Y (no I O S V Z); weights 3^(i-1) mod 31;
# check = 31 - (sum mod 31), 31 -> 0.
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
NOT_IN_ALPHABET = "IOSVZ"
USCC_SHAPE = re.compile(r"[0-9]{8}[0-9A-HJ-NP-RTUW-Y]{10}", re.ASCII)


def gb32100_check(body: str) -> str:
    total = sum(USCC_ALPHABET.index(ch) * pow(3, i, 31) for i, ch in enumerate(body))
    value = 31 - total % 31
    return USCC_ALPHABET[0 if value == 31 else value]


def test_the_check_character_of_a_published_code():
    # The example in python-stdnum's documentation.
    assert gb32100_check("91110000600037341") == "L"


uscc_bodies = st.tuples(
    st.text(alphabet=string.digits, min_size=8, max_size=8),
    st.text(alphabet=USCC_ALPHABET, min_size=9, max_size=9),
).map("".join)
valid_usccs = uscc_bodies.map(lambda body: body + gb32100_check(body))


@st.composite
def written_like_people_do(draw, code: str) -> str:
    """The code lower-cased in places, with spaces or hyphens between groups, and whitespace
    around it."""
    out = []
    for ch in code:
        if draw(st.booleans()):
            out.append(draw(st.sampled_from(["", " ", "-", "  "])))
        out.append(ch.lower() if draw(st.booleans()) else ch)
    around = st.text(alphabet=" \t\n\u3000", max_size=3)
    return draw(around) + "".join(out) + draw(around)


@PROPS
@given(code=valid_usccs)
def test_a_code_with_its_check_character_is_valid(code):
    assert uscc_check(code) == (code, "")


@PROPS
@given(data=st.data(), code=valid_usccs)
def test_case_spaces_and_hyphens_do_not_matter(data, code):
    written = data.draw(written_like_people_do(code))
    assert uscc_check(written) == (code, "")
    # The import parsers read it the same way, so imported rows match organizations.
    assert transfers.parse_uscc(written) == code
    assert cultivation.parse_uscc(written) == code


@PROPS
@given(data=st.data(), code=valid_usccs, position=st.integers(0, 17))
def test_any_single_substitution_in_a_code_is_caught(data, code, position):
    """31 is prime and every weight is non-zero mod 31, so no single substitution can keep the
    sum: the code is kept, with a warning (early codes exist that fail the check)."""
    allowed = string.digits if position < 8 else USCC_ALPHABET
    new = data.draw(st.sampled_from([ch for ch in allowed if ch != code[position]]))
    changed = code[:position] + new + code[position + 1 :]
    normalized, warning = uscc_check(changed)
    assert normalized == changed
    assert warning


@PROPS
@given(code=valid_usccs, position=st.integers(0, 16))
def test_any_adjacent_transposition_in_a_code_is_caught(code, position):
    """Neighbouring weights differ (w(i+1) = 3 w(i), the check counting with weight 1), so a
    swap of two different neighbours is caught too, or breaks the shape (a letter moved into
    the first eight characters)."""
    a, b = code[position], code[position + 1]
    if a == b:
        return
    swapped = code[:position] + b + a + code[position + 2 :]
    try:
        normalized, warning = uscc_check(swapped)
    except forms.ValidationError as exc:
        assert exc.code == "uscc_format"
        assert not swapped[:8].isdigit()
        return
    assert (normalized, bool(warning)) == (swapped, True)


@PROPS
@given(code=valid_usccs, position=st.integers(0, 17), letter=st.sampled_from(NOT_IN_ALPHABET))
def test_letters_outside_the_alphabet_are_refused(code, position, letter):
    for ch in (letter, letter.lower()):
        with pytest.raises(forms.ValidationError) as caught:
            uscc_check(code[:position] + ch + code[position + 1 :])
        assert caught.value.code == "uscc_format"
    with pytest.raises(RowError):
        transfers.parse_uscc(code[:position] + letter + code[position + 1 :])


@PROPS
@given(code=st.text(alphabet=USCC_ALPHABET, min_size=1, max_size=40).filter(lambda c: len(c) != 18))
def test_a_code_of_another_length_is_refused_with_its_length(code):
    with pytest.raises(forms.ValidationError) as caught:
        uscc_check(code)
    assert caught.value.code == "uscc_length"
    assert caught.value.params == {"n": len(code)}


@FUZZ
@given(text=st.one_of(texts, valid_usccs.map(lambda c: c[:17] + "?"), uscc_bodies))
def test_any_text_is_a_code_a_warning_or_a_validation_error(text):
    try:
        normalized, warning = uscc_check(text)
    except forms.ValidationError as exc:
        assert exc.code in ("uscc_length", "uscc_format")
        with pytest.raises(RowError):
            transfers.parse_uscc(text)
        return
    if not normalized:
        assert (normalized, warning) == ("", "")
        return
    assert USCC_SHAPE.fullmatch(normalized)
    assert bool(warning) == (normalized[17] != gb32100_check(normalized[:17]))
    assert uscc_check(normalized) == (normalized, warning)  # idempotent
    assert transfers.parse_uscc(text) == normalized


@FUZZ
@given(text=st.one_of(texts, uscc_bodies))
def test_the_cultivation_import_refuses_with_a_row_error_only(text):
    try:
        code = cultivation.parse_uscc(text)
    except RowError:
        return
    assert re.fullmatch(r"[0-9A-Z]{18}", code, re.ASCII)


# -- patent application numbers -------------------------------------------------------------------

# Since 2003-10-01: YYYY + type + 7-digit serial + check; 1985-2003: YY + type + 5-digit serial +
# check. Weights 2,3,4,5,6,7,8,9,2,3,4,5; sum mod 11; 10 -> X.
PATENT_WEIGHTS = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)
PATENT_TYPES = {
    "1": ("invention", False),
    "2": ("utility_model", False),
    "3": ("design", False),
    "8": ("invention", True),
    "9": ("utility_model", True),
}
CHECKS = "0123456789X"


def cnipa_check(digits: str) -> str:
    value = sum(int(d) * w for d, w in zip(digits, PATENT_WEIGHTS, strict=False)) % 11
    return "X" if value == 10 else str(value)


def test_the_check_character_of_the_documented_example():
    assert cnipa_check("201710117081") == "7"


type_digits = st.sampled_from(sorted(PATENT_TYPES))
new_era = st.builds(
    lambda year, kind, serial: f"{year}{kind}{serial:07d}",
    st.integers(2003, 2099),
    type_digits,
    st.integers(0, 9_999_999),
)
old_era = st.builds(
    lambda year, kind, serial: f"{year % 100:02d}{kind}{serial:05d}",
    st.integers(1985, 2003),
    type_digits,
    st.integers(0, 99_999),
)
application_digits = st.one_of(new_era, old_era)


def type_position(digits: str) -> int:
    return 4 if len(digits) == 12 else 2


def filing_year(digits: str) -> int:
    if len(digits) == 12:
        return int(digits[:4])
    year = int(digits[:2])
    return 1900 + year if year >= 85 else 2000 + year


@st.composite
def written_numbers(draw, digits: str, check: str) -> str:
    """An application number as exports and people write it: CN/ZL prefixes in either case,
    spaces, a dot or a middle dot before the check, a lower-case x."""
    prefix = draw(st.sampled_from(["", "CN", "ZL", "cn", "zl", "ZL ", " CN"]))
    body = digits
    if len(digits) == 12 and draw(st.booleans()):
        body = f"{digits[:4]} {digits[4]} {digits[5:]}"
    dot = draw(st.sampled_from(["", ".", "·", "．", " ."]))
    tail = check.lower() if draw(st.booleans()) else check
    return prefix + body + dot + tail


@PROPS
@given(data=st.data(), digits=application_digits)
def test_a_valid_number_parses_and_its_normalized_form_parses_to_itself(data, digits):
    check = cnipa_check(digits)
    number = parse_application_number(data.draw(written_numbers(digits, check)))
    patent_type, is_pct = PATENT_TYPES[digits[type_position(digits)]]
    assert (number.digits, number.check, number.check_ok) == (digits, check, True)
    assert (number.patent_type, number.is_pct) == (patent_type, is_pct)
    assert number.normalized == f"{digits}.{check}"
    assert number.filing_year == filing_year(digits)
    assert parse_application_number(number.normalized) == number


@PROPS
@given(digits=application_digits)
def test_a_number_without_its_check_gets_it(digits):
    number = parse_application_number(digits)
    assert (number.check, number.check_ok) == (cnipa_check(digits), True)
    assert number.normalized == f"{digits}.{cnipa_check(digits)}"


@PROPS
@given(data=st.data(), digits=application_digits)
def test_a_wrong_check_is_kept_and_flagged(data, digits):
    wrong = data.draw(st.sampled_from([c for c in CHECKS if c != cnipa_check(digits)]))
    number = parse_application_number(data.draw(written_numbers(digits, wrong)))
    assert (number.digits, number.check, number.check_ok) == (digits, wrong, False)
    assert number.normalized == f"{digits}.{wrong}"
    assert parse_application_number(number.normalized) == number


@PROPS
@given(data=st.data(), digits=application_digits)
def test_any_single_digit_error_in_an_application_number_is_caught(data, digits):
    """11 is prime and every weight is 2..9, so one wrong digit always changes the sum mod 11.
    A wrong type digit is refused outright when it names no type."""
    position = data.draw(st.integers(0, len(digits) - 1))
    new = data.draw(st.sampled_from([d for d in string.digits if d != digits[position]]))
    changed = digits[:position] + new + digits[position + 1 :]
    written = f"{changed}.{cnipa_check(digits)}"
    if position == type_position(digits) and new not in PATENT_TYPES:
        with pytest.raises(PatentNumberError):
            parse_application_number(written)
        return
    assert not parse_application_number(written).check_ok


@PROPS
@given(digits=application_digits, position=st.integers(0, 11))
def test_any_adjacent_transposition_in_an_application_number_is_caught(digits, position):
    """Neighbouring weights differ by 1 (or by 7 between 9 and 2), never by a multiple of 11."""
    if position + 1 >= len(digits) or digits[position] == digits[position + 1]:
        return
    swapped = digits[:position] + digits[position + 1] + digits[position] + digits[position + 2 :]
    try:
        number = parse_application_number(f"{swapped}.{cnipa_check(digits)}")
    except PatentNumberError:
        assert swapped[type_position(swapped)] not in PATENT_TYPES
        return
    assert not number.check_ok


@PROPS
@given(digits=application_digits, kind=st.sampled_from("04567"))
def test_an_unknown_type_digit_is_refused(digits, kind):
    at = type_position(digits)
    changed = digits[:at] + kind + digits[at + 1 :]
    with pytest.raises(PatentNumberError):
        parse_application_number(f"{changed}.{cnipa_check(changed)}")


@PROPS
@given(digits=st.text(alphabet=string.digits, min_size=1, max_size=16))
def test_other_lengths_are_refused(digits):
    if len(digits) in (8, 9, 12, 13):
        return
    with pytest.raises(PatentNumberError):
        parse_application_number(digits)


@FUZZ
@given(
    raw=st.one_of(
        texts,
        st.none(),
        st.integers(),
        st.from_regex(r"\A(CN|ZL|cn)?\s?[0-9Xx. ·]{6,16}\Z"),
        application_digits.map(lambda d: d + "?"),
    )
)
def test_any_input_parses_or_raises_patent_number_error(raw):
    try:
        number = parse_application_number(raw)
    except PatentNumberError as exc:
        assert isinstance(exc, ValueError)
        return
    assert len(number.digits) in (8, 12)
    assert parse_application_number(number.normalized) == number


@PROPS
@given(data=st.data(), digits=new_era)
@example(data=None, digits="201710117081")
def test_full_width_digits_normalize_to_the_ascii_number(data, digits):
    if data is None:  # the explicit example: everything but the type digit full-width
        written = digits[:4].translate(FULL_WIDTH) + digits[4] + digits[5:].translate(FULL_WIDTH)
        written += ".7"
    else:
        written = data.draw(written_numbers(digits, cnipa_check(digits))).translate(FULL_WIDTH)
    assert parse_application_number(written).normalized == f"{digits}.{cnipa_check(digits)}"


# -- trademark registration numbers and Nice classes ----------------------------------------------


def clean_registration_number(value: str) -> str:
    form = TrademarkForm(user=None)
    form.cleaned_data = {"registration_number": value}
    return form.clean_registration_number()


@PROPS
@given(
    digits=st.text(alphabet=string.digits, min_size=1, max_size=12),
    madrid=st.sampled_from(["", "G", "g"]),
    data=st.data(),
)
def test_a_registration_number_is_compacted_and_upper_cased(digits, madrid, data):
    spaced = "".join(ch + data.draw(st.sampled_from(["", "", " "])) for ch in madrid + digits)
    value = clean_registration_number(f" {spaced}\t")
    assert value == madrid.upper() + digits
    assert clean_registration_number(value) == value


@PROPS
@given(
    value=st.one_of(
        st.text(alphabet=string.digits, min_size=13, max_size=20),
        st.text(alphabet=string.digits, max_size=12).map(lambda d: f"{d}G"),
        st.builds(
            lambda d, at, ch: d[:at] + ch + d[at:],
            st.text(alphabet=string.digits, min_size=1, max_size=11),
            st.integers(1, 11),
            st.sampled_from("ABFHX-./第号"),
        ),
    )
)
def test_anything_but_digits_with_an_optional_g_is_refused(value):
    with pytest.raises(forms.ValidationError):
        clean_registration_number(value)


@FUZZ
@given(text=texts)
@example(text="１２３４５６７")
def test_an_accepted_registration_number_is_ascii(text):
    try:
        value = clean_registration_number(text)
    except forms.ValidationError:
        return
    assert re.fullmatch(r"G?[0-9]{1,12}", value, re.ASCII)


NICE_SEPARATORS = ["、", ",", "，", ";", "；", " ", "\n", ", "]


@PROPS
@given(
    classes=st.lists(st.integers(1, 45), min_size=1, max_size=12),
    data=st.data(),
)
def test_nice_classes_are_sorted_without_duplicates(classes, data):
    parts = []
    for c in classes:
        parts.append(data.draw(st.sampled_from([f"{c}", f"第{c}类", f"{c}类", f"第{c}"])))
    text = "".join(p + data.draw(st.sampled_from(NICE_SEPARATORS)) for p in parts)
    result = parse_nice_classes(text)
    assert result == ";".join(str(c) for c in sorted(set(classes)))
    assert parse_nice_classes(result) == result


@PROPS
@given(
    good=st.lists(st.integers(1, 45), max_size=5),
    bad=st.one_of(st.integers(46, 10**6), st.just(0)),
    at=st.integers(0, 5),
)
def test_a_class_outside_1_to_45_is_refused(good, bad, at):
    parts = [str(c) for c in good]
    parts.insert(min(at, len(parts)), str(bad))
    with pytest.raises(forms.ValidationError) as caught:
        parse_nice_classes("、".join(parts))
    assert caught.value.code == "nice_class"


@FUZZ
@given(text=texts)
@example(text="第⑨类")
def test_any_text_gives_nice_classes_or_a_validation_error(text):
    try:
        result = parse_nice_classes(text)
    except forms.ValidationError:
        return
    assert result == "" or re.fullmatch(r"\d+(;\d+)*", result, re.ASCII)


# -- IPC codes -------------------------------------------------------------------------------------

ipc_parts = st.tuples(
    st.sampled_from("ABCDEFGH"),
    st.integers(1, 99),
    st.sampled_from(string.ascii_uppercase),
    st.integers(1, 999),
    st.text(alphabet=string.digits, min_size=2, max_size=6),
)


@PROPS
@given(parts=ipc_parts, data=st.data())
def test_an_ipc_code_is_read_in_the_ways_people_type_it(parts, data):
    section, cls, sub, group, subgroup = parts
    canonical = f"{section}{cls:02d}{sub}{group}/{subgroup}"
    written = data.draw(
        st.sampled_from(
            [
                canonical,
                f"{section}{cls:02d}{sub} {group}/{subgroup}",
                f"{section}{cls:02d}{sub}{group:04d}/{subgroup}".lower(),
                f" {section} {cls:02d} {sub} {group} / {subgroup} ",
                canonical.translate(FULL_WIDTH),
            ]
        )
    )
    ipc = parse_ipc(written)
    assert ipc == IPC(f"{section}{cls:02d}{sub}", f"{section}{cls:02d}{sub}{group}", canonical)
    assert parse_ipc(ipc.code) == ipc
    assert parse_ipc(ipc.subclass) == IPC(ipc.subclass, "", ipc.subclass)


@PROPS
@given(
    codes=st.lists(ipc_parts, max_size=6), separator=st.sampled_from([";", "；", ", ", "、", " "])
)
def test_normalized_ipc_codes_normalize_to_themselves(codes, separator):
    text = separator.join(f"{s}{c:02d}{u} {g}/{sg}" for s, c, u, g, sg in codes)
    stored, bad = normalize_ipc_codes(text)
    assert bad == []
    assert normalize_ipc_codes(stored) == (stored, [])
    wanted = {f"{s}{c:02d}{u}{g}/{sg}" for s, c, u, g, sg in codes}
    assert set(stored.split(";")) - {""} == wanted


@FUZZ
@given(text=texts)
def test_any_text_gives_an_ipc_code_or_none(text):
    ipc = parse_ipc(text)
    assert ipc is None or (parse_ipc(ipc.code) == ipc and ipc.code.startswith(ipc.subclass))
    normalize_ipc_codes(text)


# -- phone numbers ---------------------------------------------------------------------------------

mobiles = st.builds(
    lambda second, rest: f"1{second}{rest:09d}",
    st.sampled_from("3456789"),
    st.integers(0, 10**9 - 1),
)
landlines = st.builds(
    lambda area, rest: f"0{area}{rest:08d}",
    st.sampled_from(["10", "22", "21"]),
    st.integers(10**7, 10**8 - 1),
)


@st.composite
def written_phones(draw, number: str, country_code: bool = True) -> str:
    """The number as people type it: groups separated by spaces or dashes, the area code in
    brackets, +86 in front."""
    if number.startswith("1"):
        groups = [number[:3], number[3:7], number[7:]]
    else:
        groups = [number[:3], number[3:]]
        if draw(st.booleans()):
            groups[0] = f"({groups[0]})"
    text = draw(st.sampled_from(["", " ", "-"])).join(groups)
    prefixes = ["", "+86 ", "+86-", "86"] if country_code else [""]
    return draw(st.sampled_from(prefixes)) + text


@PROPS
@given(data=st.data(), number=st.one_of(mobiles, landlines))
def test_phone_numbers_as_people_type_them_are_valid(data, number):
    written = data.draw(written_phones(number))
    assert valid_phone(written)
    assert valid_phone(f" \t{written}\u3000 ")
    assert phone_digits(written).endswith(number)


@PROPS
@given(
    data=st.data(),
    number=st.one_of(mobiles, landlines),
    intruder=st.sampled_from([*"abcXOl转号#*,.;/", "分机"]),
)
def test_a_letter_or_sign_in_a_phone_number_makes_it_invalid(data, number, intruder):
    at = data.draw(st.integers(1, len(number)))
    assert not valid_phone(number[:at] + intruder + number[at:])


@PROPS
@given(digits=st.one_of(st.integers(0, 6), st.integers(21, 30)), data=st.data())
def test_too_few_or_too_many_digits_are_invalid(digits, data):
    number = data.draw(st.text(alphabet=string.digits, min_size=digits, max_size=digits))
    assert not valid_phone(" ".join(number[i : i + 3] for i in range(0, len(number), 3)))


@FUZZ
@given(text=st.one_of(texts, st.from_regex(r"\A\+?[0-9 ()\-]{0,32}\Z")))
def test_any_text_is_a_valid_phone_or_not(text):
    result = valid_phone(text)
    assert isinstance(result, bool)
    if result:
        assert 7 <= len(phone_digits(text)) <= 20
        assert re.fullmatch(r"\+?[\d\s\-()]+", text.strip())
    assert valid_phone(f"  {text}  ") == result


STORED_PHONE = "13800138000"


def lead_with_phone() -> Lead:
    lead, _created = Lead.objects.get_or_create(
        tracking_code="PROPTEST23",
        defaults={
            "source": LeadSource.PUBLIC,
            "received_on": datetime.date(2026, 3, 2),
            "decision_due": datetime.date(2026, 3, 23),
            "complainant_name": "张三",
            "complainant_phone": "138-0013-8000",
            "right_type": RightType.TRADEMARK,
            "description": "销售假冒注册商标的商品",
        },
    )
    return lead


@pytest.mark.django_db
@DB_PROPS
@given(data=st.data())
def test_the_complainant_finds_the_lead_with_the_phone_typed_any_way(data):
    """The digits must be the ones given (+86 in front is another number to this look-up)."""
    lead = lead_with_phone()
    written = data.draw(written_phones(STORED_PHONE, country_code=False))
    assert find_for_status(f" {lead.tracking_code.lower()} ", written) == lead
    assert find_for_status(lead.tracking_code, "13800138001") is None


@pytest.mark.django_db
@DB_PROPS
@given(data=st.data())
@example(data=None)
def test_a_phone_typed_with_full_width_digits_finds_the_lead(data):
    lead = lead_with_phone()
    written = STORED_PHONE if data is None else data.draw(written_phones(STORED_PHONE, False))
    assert valid_phone(written.translate(FULL_WIDTH))
    assert find_for_status(lead.tracking_code, written.translate(FULL_WIDTH)) == lead


def test_digits_of_other_scripts_are_not_numbers():
    """Only ASCII (and full-width, folded) digits make a number: Arabic-Indic or Devanagari
    digits would pass Unicode \\d but never match the registry's ASCII numbers."""
    arabic = "٢٠١٧١٠١١٧٠٨١٫٧"
    with pytest.raises(PatentNumberError):
        parse_application_number(arabic)
    with pytest.raises(forms.ValidationError):
        clean_registration_number("१२३४५")
    assert (
        parse_application_number("ＣＮ２０１７１０１１７０８１．７").normalized == "201710117081.7"
    )
