"""Staff roles and the levels of the administrative chain a role may be bound to."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    GRID_WORKER = "grid_worker"  # 网格员
    SECRETARY = "secretary"  # 社区书记
    STREET_STAFF = "street_staff"
    DISTRICT_STAFF = "district_staff"
    DEPARTMENT_HANDLER = "department_handler"
    ADMIN = "admin"


class ScopeLevel(StrEnum):
    GRID = "grid"
    COMMUNITY = "community"
    STREET = "street"
    DISTRICT = "district"
    DEPARTMENT = "department"


#: The levels each role may be bound to. A secretary may also head a street's committee
#: (the registry has street-level secretaries); an admin may sit anywhere and sees all.
ROLE_LEVELS: dict[Role, frozenset[ScopeLevel]] = {
    Role.GRID_WORKER: frozenset({ScopeLevel.GRID}),
    Role.SECRETARY: frozenset({ScopeLevel.COMMUNITY, ScopeLevel.STREET}),
    Role.STREET_STAFF: frozenset({ScopeLevel.STREET}),
    Role.DISTRICT_STAFF: frozenset({ScopeLevel.DISTRICT}),
    Role.DEPARTMENT_HANDLER: frozenset({ScopeLevel.DEPARTMENT}),
    Role.ADMIN: frozenset(ScopeLevel),
}

#: Every role (handy for ``console_route(..., roles=ALL_ROLES)``).
ALL_ROLES: frozenset[Role] = frozenset(Role)
