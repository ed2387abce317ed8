"""The organization import format: a sheet of units and enterprises, one per row.

Rows are matched to existing organizations by unified social credit code, then by exact name;
a match is updated (only the columns the file has and fills), anything else is created. A
parent (上级单位) may name an existing organization or another row of the same file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.core.validators import validate_email
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.utils import bulk_create_with_history

from ipcity.core.imports import Column, ImportFormat, ImportRefused, Row, RowError, register
from ipcity.core.imports import normalize_header as norm
from ipcity.core.scope import scope_q

from .choices import OrganizationKind
from .forms import uscc_check
from .models import Contact, Organization, Region

KIND_SYNONYMS = {
    OrganizationKind.GOVERNMENT: ("政府部门", "政府单位", "机关", "行政机关", "成员单位"),
    OrganizationKind.STREET_TOWN: ("街道", "乡镇", "街乡", "街道办事处", "镇政府"),
    OrganizationKind.ENTERPRISE: ("企业", "公司"),
    OrganizationKind.UNIVERSITY: ("高校", "科研院所", "高校院所", "大学", "研究院"),
    OrganizationKind.SERVICE: ("服务机构", "知识产权服务机构", "代理机构"),
    OrganizationKind.FINANCIAL: ("金融机构", "银行", "保险"),
    OrganizationKind.JUDICIAL: ("司法机关", "法院", "检察院", "公安", "公检法"),
    OrganizationKind.OTHER: ("其他",),
}
INDUSTRY_RE = re.compile(r"^([A-Ta-t](?:\d{2,4})?|\d{2,4})(?:$|[\s\-—:：])")
WRITE_BATCH = 500
UPDATABLE = (
    "name",
    "short_name",
    "kind",
    "uscc",
    "region",
    "address",
    "industry",
    "phone",
    "email",
)


def _kind_lookup() -> dict[str, str]:
    lookup: dict[str, str] = {}
    for kind in OrganizationKind:
        names = [kind.value, str(kind.label), *KIND_SYNONYMS.get(kind, ())]
        with translation.override("zh-hans"):
            names.append(str(kind.label))
        for name in names:
            lookup.setdefault(norm(name), kind.value)
    return lookup


def parse_email(text: str) -> str:
    validate_email(text)
    return text


def parse_industry(text: str) -> str:
    match = INDUSTRY_RE.match(text.strip())
    if not match:
        raise RowError(_("Use a GB/T 4754 code: a section letter or 2 to 4 digits, e.g. C3911."))
    return match.group(1).upper()


def parse_uscc(text: str) -> tuple[str, str]:
    return uscc_check(text)


@dataclass
class OrgImportContext:
    user: object
    kinds: dict[str, str]
    regions: dict[str, int]
    by_uscc: dict[str, int]
    by_name: dict[str, list[int]]
    paths: dict[int, str]
    parents: dict[int, int | None]
    usccs: dict[int, str]
    may_change_all: bool
    changeable: set[int] = field(default_factory=set)


@register
class OrganizationImportFormat(ImportFormat):
    key = "orgs.organization"
    title = gettext_lazy("Organizations")
    description = gettext_lazy(
        "One organization per row. Rows are matched to existing organizations by unified social "
        "credit code, then by exact name, and update them; other rows create new organizations. "
        "Empty cells leave the existing value unchanged."
    )
    permissions = ("orgs.add_organization", "orgs.change_organization")
    success_url_name = "orgs:organization_list"
    columns = [
        Column(
            "name",
            "名称",
            ("单位名称", "企业名称", "机构名称", "组织名称", "name"),
            True,
            max_length=200,
        ),
        Column("short_name", "简称", ("单位简称", "short name"), max_length=100),
        Column(
            "kind",
            "类型",
            ("单位类型", "机构类型", "组织类型", "kind", "type"),
            help=gettext_lazy("A kind's name or code; empty means enterprise for new rows."),
        ),
        Column(
            "uscc",
            "统一社会信用代码",
            ("信用代码", "社会信用代码", "USCC"),
            parse=parse_uscc,
            max_length=40,
        ),
        Column(
            "region",
            "所属区划",
            ("所属街乡", "所属街道", "街乡", "区划", "区划代码", "region"),
            help=gettext_lazy("A street or town of the district, by name or division code."),
        ),
        Column("address", "地址", ("注册地址", "通讯地址", "办公地址", "address"), max_length=300),
        Column(
            "industry",
            "行业代码",
            ("国民经济行业", "国民经济行业代码", "所属行业", "行业", "industry"),
            parse=parse_industry,
            max_length=100,
        ),
        Column(
            "parent",
            "上级单位",
            ("上级", "主管单位", "上级单位名称", "parent"),
            max_length=200,
            help=gettext_lazy("Name or credit code of an existing organization or of a row."),
        ),
        Column("phone", "联系电话", ("电话", "办公电话", "phone"), max_length=40),
        Column(
            "email",
            "邮箱",
            ("电子邮箱", "电子邮件", "email", "e-mail"),
            parse=parse_email,
            max_length=254,
        ),
        Column("contact", "联系人", ("联系人姓名", "contact"), max_length=100),
    ]

    # -- checking --------------------------------------------------------------------------

    def prepare(self, user) -> OrgImportContext:
        regions: dict[str, int] = {}
        for pk, code, name in Region.objects.values_list("pk", "code", "name"):
            regions[code] = pk
            regions.setdefault(norm(name), pk)
        by_uscc, by_name, paths, parents, usccs = {}, {}, {}, {}, {}
        rows = Organization.objects.values_list("pk", "name", "uscc", "path", "parent_id")
        for pk, name, uscc, path, parent_id in rows.iterator(chunk_size=5000):
            if uscc:
                by_uscc[uscc] = pk
                usccs[pk] = uscc
            by_name.setdefault(norm(name), []).append(pk)
            paths[pk] = path
            parents[pk] = parent_id
        q = scope_q(Organization, user, "change")
        may_change_all = q is not None and not q
        changeable = set()
        if not may_change_all:
            changeable = set(
                Organization.objects.restrict(user, "change").values_list("pk", flat=True)
            )
        return OrgImportContext(
            user,
            _kind_lookup(),
            regions,
            by_uscc,
            by_name,
            paths,
            parents,
            usccs,
            may_change_all,
            changeable,
        )

    def clean_row(self, row: Row, ctx: OrgImportContext) -> None:
        values = row.values
        uscc, warning = values.pop("uscc", ("", ""))
        if uscc:
            values["uscc"] = uscc
        if warning:
            row.warn(warning, "统一社会信用代码")
            values["uscc_warning"] = warning[:200]
        if "kind" in values:
            kind = ctx.kinds.get(norm(values["kind"]))
            if kind is None:
                raise RowError(_("Unknown kind “%(v)s”.") % {"v": values["kind"]}, "类型")
            values["kind"] = kind
        if "region" in values:
            region = ctx.regions.get(values["region"]) or ctx.regions.get(norm(values["region"]))
            if region is None:
                raise RowError(_("Unknown region “%(v)s”.") % {"v": values["region"]}, "所属区划")
            values["region"] = region
        values["match"] = self._match(values, ctx)
        if values["match"] and not (ctx.may_change_all or values["match"] in ctx.changeable):
            raise RowError(_("This organization exists but is outside what you may change."))

    def _match(self, values: dict, ctx: OrgImportContext) -> int | None:
        uscc = values.get("uscc")
        if uscc and uscc in ctx.by_uscc:
            return ctx.by_uscc[uscc]
        named = ctx.by_name.get(norm(values["name"]), [])
        if len(named) > 1:
            raise RowError(
                _("Several organizations have this name; add the credit code to pick one."), "名称"
            )
        if named:
            other = ctx.usccs.get(named[0])
            if uscc and other:
                raise RowError(
                    _("An organization with this name already has another credit code (%(c)s).")
                    % {"c": other},
                    "统一社会信用代码",
                )
            return named[0]
        return None

    def duplicate_keys(self, row: Row, ctx):
        if row.values.get("uscc"):
            yield "统一社会信用代码", row.values["uscc"]
        yield "名称", norm(row.values["name"])
        if row.values["match"]:
            yield _("existing organization"), str(row.values["match"])

    def check_rows(self, rows: list[Row], ctx: OrgImportContext) -> dict[int, RowError]:
        """Resolve 上级单位 to an existing organization or another row; refuse loops."""
        by_key: dict[str, Row] = {}
        for row in rows:
            if row.values.get("uscc"):
                by_key.setdefault(row.values["uscc"], row)
            by_key.setdefault(norm(row.values["name"]), row)
        failed: dict[int, RowError] = {}
        for row in rows:
            text = row.values.get("parent")
            if not text:
                continue
            key = norm(text)
            compact = key.upper().replace("-", "")
            if compact in ctx.by_uscc:
                row.values["parent_ref"] = ("org", ctx.by_uscc[compact])
            elif len(ctx.by_name.get(key, [])) == 1:
                row.values["parent_ref"] = ("org", ctx.by_name[key][0])
            elif (target := by_key.get(compact) or by_key.get(key)) is not None:
                row.values["parent_ref"] = (
                    ("org", target.values["match"])
                    if target.values["match"]
                    else ("row", target.number)
                )
            elif ctx.by_name.get(key):
                failed[row.number] = RowError(
                    _("Several organizations are named “%(v)s”; use its credit code.")
                    % {"v": text},
                    "上级单位",
                )
            else:
                failed[row.number] = RowError(
                    _("No organization or row named “%(v)s”.") % {"v": text}, "上级单位"
                )
        failed.update(self._loops(rows, ctx, failed))
        return failed

    def _loops(self, rows, ctx: OrgImportContext, failed) -> dict[int, RowError]:
        # Nodes are ("org", pk) for rows that update an organization and ("row", n) for new ones;
        # the file's parents win over the database's.
        parent_of: dict[tuple, tuple | None] = {}
        for row in rows:
            if row.number in failed or "parent_ref" not in row.values:
                continue
            parent_of[_node(row)] = row.values["parent_ref"]
        loops = {}
        for row in rows:
            start = _node(row)
            node, steps = parent_of.get(start), 0
            while node is not None and steps <= len(parent_of) + 64:
                if node == start:
                    loops[row.number] = RowError(
                        _("The parent chain loops back to this organization."), "上级单位"
                    )
                    break
                steps += 1
                if node in parent_of:
                    node = parent_of[node]
                elif node[0] == "org" and ctx.parents.get(node[1]):
                    node = ("org", ctx.parents[node[1]])
                else:
                    node = None
        return loops

    # -- writing ---------------------------------------------------------------------------

    def write(self, rows, ctx: OrgImportContext, user, progress) -> dict:
        now = timezone.now()
        done = 0
        created_rows = [r for r in rows if not r.values["match"]]
        updated_rows = [r for r in rows if r.values["match"]]
        pk_of_row: dict[int, int] = {}
        created: list[Organization] = []
        # Create level by level so that every parent exists (and has its path) before its
        # subordinates are inserted.
        pending = created_rows
        while pending:
            ready = [r for r in pending if _parent_pk(r, pk_of_row) is not False]
            if not ready:
                raise ImportRefused(_("Parent references could not be resolved."))
            pending = [r for r in pending if _parent_pk(r, pk_of_row) is False]
            for start in range(0, len(ready), WRITE_BATCH):
                chunk = ready[start : start + WRITE_BATCH]
                objs = self._create_chunk(chunk, ctx, pk_of_row, user, now)
                created.extend(objs)
                done += len(chunk)
                progress(done)
        unchanged = 0
        changed: list[Organization] = []
        if updated_rows:
            existing = Organization.objects.in_bulk([r.values["match"] for r in updated_rows])
            bulk: list[Organization] = []
            for row in updated_rows:
                org = existing[row.values["match"]]
                fields = _apply(org, row.values)
                parent_pk = _parent_pk(row, pk_of_row)
                if parent_pk is not None and parent_pk != org.parent_id:
                    org.parent_id = parent_pk
                    org._history_user = user
                    org.save()  # keeps the paths of the subtree it moves
                    changed.append(org)
                elif fields:
                    org.updated_at = now
                    bulk.append(org)
                    changed.append(org)
                else:
                    unchanged += 1
                done += 1
                if done % WRITE_BATCH == 0:
                    progress(done)
            if bulk:
                fields = [*UPDATABLE, "uscc_warning", "updated_at"]
                fields = [f if f != "region" else "region_id" for f in fields]
                Organization.objects.bulk_update(bulk, fields, batch_size=WRITE_BATCH)
                Organization.history.bulk_history_create(
                    bulk, update=True, default_user=user, default_date=now
                )
        self._check_scope(user, created)
        contacts = self._add_contacts(rows, pk_of_row, user)
        progress(done)
        return {
            "created": len(created),
            "updated": len(changed),
            "unchanged": unchanged,
            "contacts": contacts,
        }

    def _create_chunk(self, chunk, ctx, pk_of_row, user, now) -> list[Organization]:
        objs = []
        for row in chunk:
            org = Organization(kind=OrganizationKind.ENTERPRISE, created_at=now, updated_at=now)
            _apply(org, row.values)
            org.parent_id = _parent_pk(row, pk_of_row)
            objs.append(org)
        Organization.objects.bulk_create(objs)
        if any(o.pk is None for o in objs):
            raise ImportRefused(_("This database cannot return new row ids; import refused."))
        for row, org in zip(chunk, objs, strict=True):
            pk_of_row[row.number] = org.pk
            parent_path = ctx.paths.get(org.parent_id, "") if org.parent_id else ""
            org.path = f"{parent_path or '/'}{org.pk}/"
            ctx.paths[org.pk] = org.path
        Organization.objects.bulk_update(objs, ["path"], batch_size=WRITE_BATCH)
        Organization.history.bulk_history_create(objs, default_user=user, default_date=now)
        return objs

    def _check_scope(self, user, created: list[Organization]) -> None:
        """New rows must land inside the scope in which the user may add (e.g. below their
        own unit); otherwise the whole file is refused."""
        q = scope_q(Organization, user, "add")
        if q is None or not created or not q:
            return
        pks = [o.pk for o in created]
        inside = Organization.objects.filter(Q(pk__in=pks) & q).count()
        if inside != len(pks):
            raise ImportRefused(_("You may only add organizations inside your own scope."))

    def _add_contacts(self, rows, pk_of_row, user) -> int:
        wanted = {}
        for row in rows:
            name = row.values.get("contact")
            if name:
                org_pk = row.values["match"] or pk_of_row[row.number]
                wanted[(org_pk, name)] = row
        if not wanted:
            return 0
        org_pks = {pk for pk, _name in wanted}
        known = set(
            Contact.objects.filter(organization_id__in=org_pks).values_list(
                "organization_id", "name"
            )
        )
        with_contacts = {pk for pk, _name in known}
        new = []
        for (org_pk, name), row in wanted.items():
            if (org_pk, name) in known:
                continue
            new.append(
                Contact(
                    organization_id=org_pk,
                    name=name,
                    phone=row.values.get("phone", ""),
                    email=row.values.get("email", ""),
                    is_primary=org_pk not in with_contacts,
                )
            )
            with_contacts.add(org_pk)
        bulk_create_with_history(new, Contact, batch_size=WRITE_BATCH, default_user=user)
        return len(new)


def _node(row: Row) -> tuple:
    return ("org", row.values["match"]) if row.values["match"] else ("row", row.number)


def _parent_pk(row: Row, pk_of_row: dict[int, int]):
    """The parent's pk, None for no parent, False while the parent row is not created yet."""
    ref = row.values.get("parent_ref")
    if ref is None:
        return None
    kind, value = ref
    if kind == "org":
        return value
    return pk_of_row.get(value, False)


def _apply(org: Organization, values: dict) -> list[str]:
    """Copy the filled cells onto `org`; the names of the fields that changed."""
    changed = []
    for name in UPDATABLE:
        if name not in values:
            continue
        attr = "region_id" if name == "region" else name
        if getattr(org, attr) != values[name]:
            setattr(org, attr, values[name])
            changed.append(name)
    if "uscc" in changed:
        org.uscc_warning = values.get("uscc_warning", "")
    return changed
