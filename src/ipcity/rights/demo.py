"""Demo rights for a local trial: synthetic patents written as an incoPat-layout export and
brought in through the real import path (holder matching, attribution, high-value
classification), plus a few trademarks, geographical indications, plant varieties and software
copyrights, and the indicators computed for recent years.

Deterministic (a fixed seed) and loaded once: when any patent exists nothing is added.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
import tempfile
from pathlib import Path

from ipcity.rights.numbers import check_digit

PATENT_COUNT = 1500
SEED = 2024
FIRST_YEAR, LAST_YEAR = 2012, 2025

HEADERS = [
    "标题 (中文)",
    "摘要 (中文)",
    "申请号",
    "申请日",
    "公开（公告）号",
    "公开（公告）日",
    "专利类型",
    "IPC",
    "IPC主分类",
    "申请人",
    "申请人地址",
    "工商统一社会信用代码",
    "授权公告日",
    "当前法律状态",
    "同族国家/地区",
    "被引证次数",
    "发明人",
]
SUBJECTS = [
    ("图像识别", "G06N 3/08"),
    ("数据压缩", "G06F 16/00"),
    ("无线通信", "H04W 72/04"),
    ("网络安全", "H04L 9/40"),
    ("半导体封装", "H01L 23/31"),
    ("工业机器人", "B25J 9/16"),
    ("增材制造", "B33Y 10/00"),
    ("储能电池", "H01M 10/05"),
    ("污水处理", "C02F 3/28"),
    ("中药提取", "A61K 36/00"),
    ("智能家居", "G05B 19/418"),
    ("建筑构件", "E04B 1/38"),
    ("物流分拣", "B65G 47/00"),
    ("文创包装", "B65D 5/00"),
    ("食品加工", "A23L 5/00"),
]
KINDS = [("1", "发明", 0.5), ("2", "实用新型", 0.35), ("3", "外观设计", 0.15)]
OUTSIDE_HOLDERS = [
    ("示例海淀信息技术有限公司（演示）", "北京市海淀区示例路8号"),
    ("示例南通纺织科技有限公司（演示）", "江苏省南通市通州区示例路3号"),
    ("示例上海精密仪器有限公司（演示）", "上海市浦东新区示例路5号"),
]
UNRESOLVED_HOLDERS = [("示例未登记地址科技有限公司（演示）", "")]


def _pick_kind(rng: random.Random) -> tuple[str, str]:
    roll, acc = rng.random(), 0.0
    for digit, label, share in KINDS:
        acc += share
        if roll < acc:
            return digit, label
    return KINDS[-1][:2]


def _rows(enterprises: list[tuple[str, str, str]]) -> list[list[str]]:
    rng = random.Random(SEED)
    rows = []
    for n in range(PATENT_COUNT):
        roll = rng.random()
        if roll < 0.85:
            name, uscc, address = rng.choice(enterprises)
            address = f"北京市通州区{address}"
        elif roll < 0.97:
            name, address = rng.choice(OUTSIDE_HOLDERS)
            uscc = ""
        else:
            name, address = rng.choice(UNRESOLVED_HOLDERS)
            uscc = ""
        year = rng.randint(FIRST_YEAR, LAST_YEAR)
        filed = dt.date(year, rng.randint(1, 12), rng.randint(1, 28))
        digit, kind = _pick_kind(rng)
        digits = f"{year}{digit}{n + 1:07d}"
        subject, ipc = rng.choice(SUBJECTS)
        grant = status = ""
        lag = 2 if digit == "1" else 1
        if year + lag <= LAST_YEAR and rng.random() < (0.65 if digit == "1" else 0.9):
            granted = filed + dt.timedelta(days=365 * lag + rng.randint(0, 200))
            grant = granted.strftime("%Y.%m.%d")
            status = "有效" if rng.random() < 0.85 else "未缴年费"
        else:
            status = "实质审查" if digit == "1" else "驳回"
        family = "US;EP" if digit == "1" and rng.random() < 0.08 else ""
        rows.append(
            [
                f"一种{subject}{'方法' if digit == '1' else '装置'}（演示{n + 1}）",
                f"本{kind}公开了一种{subject}的技术方案。",
                f"{digits}.{check_digit(digits)}",
                filed.strftime("%Y.%m.%d"),
                f"CN{100000000 + n}{'A' if digit == '1' else 'U' if digit == '2' else 'S'}",
                (filed + dt.timedelta(days=180)).strftime("%Y-%m-%d"),
                kind,
                ipc,
                ipc,
                name,
                address,
                uscc,
                grant,
                status,
                family,
                str(rng.randint(0, 30)),
                "张示例;李示例",
            ]
        )
    return rows


def load_rights_demo() -> dict:
    from ipcity.orgs.choices import OrganizationKind
    from ipcity.orgs.models import Organization
    from ipcity.rights.imports import run_import
    from ipcity.rights.models import Patent

    if Patent.objects.exists():
        return {"patents": 0}
    enterprises = list(
        Organization.objects.filter(kind=OrganizationKind.ENTERPRISE, name__startswith="示例")
        .exclude(uscc_warning__gt="")
        .order_by("pk")
        .values_list("name", "uscc", "address")[:120]
    )
    if not enterprises:
        return {"patents": 0}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "demo-incopat.csv"
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(HEADERS)
            writer.writerows(_rows(enterprises))
        summary, _warnings, ok = run_import(path, layout="incopat")
    if not ok:
        raise RuntimeError(f"demo patents did not import: {summary['errors'][:3]}")
    _other_rights(enterprises)
    _indicators()
    return {"patents": summary["created"], "attribution": summary["attribution"]}


def _other_rights(enterprises) -> None:
    from ipcity.orgs.models import Organization
    from ipcity.rights.models import Copyright, GeographicalIndication, PlantVarietyRight, Trademark

    rng = random.Random(SEED + 1)
    holders = {o.name: o for o in Organization.objects.filter(name__in=[e[0] for e in enterprises])}
    names = list(holders)
    Trademark.objects.bulk_create(
        Trademark(
            registration_number=str(60_000_000 + n),
            mark=f"示例商标{n + 1}",
            nice_classes=rng.choice(["9", "35", "42", "9;42", "29;30"]),
            holder=holders[rng.choice(names)],
            status="registered",
            registration_date=dt.date(rng.randint(2015, 2025), rng.randint(1, 12), 1),
            is_madrid=rng.random() < 0.1,
            attribution="in_district",
        )
        for n in range(120)
    )
    stages = ["candidate", "reserve", "filed", "registered"]
    for n, stage in enumerate(stages):
        GeographicalIndication.objects.create(
            name=f"示例地理标志产品{n + 1}（演示）",
            kind="product",
            product="示例农产品",
            area="北京市通州区示例镇",
            stage=stage,
            applicant=holders[names[n]],
            filed_date=dt.date(2022, 5, 1) if stage in ("filed", "registered") else None,
            registered_date=dt.date(2023, 9, 1) if stage == "registered" else None,
        )
    PlantVarietyRight.objects.bulk_create(
        PlantVarietyRight(
            right_number=f"CNA2021{1000 + n:07d}",
            variety=f"示例品种{n + 1}",
            species="小麦",
            holder=holders[rng.choice(names)],
            grant_date=dt.date(2022, 3, 1 + n),
        )
        for n in range(6)
    )
    Copyright.objects.bulk_create(
        Copyright(
            kind="software",
            registration_number=f"{rng.randint(2018, 2025)}SR{100000 + n:07d}",
            title=f"示例管理软件V{1 + n % 3}.0（演示{n + 1}）",
            holder=holders[rng.choice(names)],
            registration_date=dt.date(rng.randint(2018, 2025), rng.randint(1, 12), 1),
        )
        for n in range(80)
    )


def _indicators() -> None:
    from ipcity.indicators.compute import compute_year

    for year in range(2020, LAST_YEAR + 1):
        compute_year(year)
