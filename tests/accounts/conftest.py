"""The three administrators of separation of duties (三员), next to the shared personas."""

from dataclasses import dataclass

import pytest

from tests.factories import make_user


@dataclass
class Admins:
    sam: object  # system administrator: manages accounts
    sue: object  # security administrator: manages roles and who holds them
    ada: object  # audit administrator: reads history


@pytest.fixture
def admins(world) -> Admins:
    return Admins(
        sam=make_user("sam", world.office, "system_admin"),
        sue=make_user("sue", world.office, "security_admin"),
        ada=make_user("ada", world.office, "audit_admin"),
    )
