"""The outreach demo: loads over the demo organizations, twice without duplicating."""

from ipcity.services.demo import outreach as demo
from ipcity.services.models import Attendance, Course, Event, Talent

from ..factories import make_org


def test_demo_loads_once(world):
    world.unit.name = "通州区" + demo.SCIENCE
    world.unit.save()
    make_org("通州区" + demo.PUBLICITY)
    for name in [*demo.ENTERPRISES, demo.AGENCY, demo.PATENT_AGENCY, demo.LAW_FIRM]:
        make_org(name)
    for name in (demo.CENTER, demo.HALL):
        make_org(name, kind="service")
    first = demo.load()
    assert first["publicity events"] == len(demo.EVENTS)
    assert Course.objects.count() == len(demo.COURSES)
    assert Talent.objects.count() == len(demo.TALENTS)
    assert Attendance.objects.filter(talent__isnull=False).exists()
    assert Event.objects.filter(starts_on__year=2026, kind="publicity_week").exists()
    assert set(demo.load().values()) == {0}
    assert Attendance.objects.count() == first["attendances"]
