"""A small organisation and its staff for the benchmarks that need many
employees in few units (quiz load, certificates): one province, one city,
``counties`` counties, and ``count`` employees with logins, bulk-inserted."""

from __future__ import annotations


def bench_units(*, counties: int):
    """HQ → 广东省 → 广州市 → ``counties`` counties; returns (province,
    [counties])."""
    from lms.models import OrgUnit

    hq = OrgUnit.add_root(code="HQ", name="集团总部", level="hq")
    province = hq.add_child(code="P1", name="广东省", level="province")
    city = OrgUnit.objects.get(pk=province.pk).add_child(
        code="C1", name="广州市", level="city"
    )
    return province, [
        OrgUnit.objects.get(pk=city.pk).add_child(
            code=f"K{i}", name=f"第{i}区", level="county"
        )
        for i in range(counties)
    ]


def bench_staff(*, count: int, prefix: str, counties: list, position) -> tuple:
    """``count`` active employees with (unusable-password) logins, spread over
    ``counties``, employee numbers ``{prefix}0000001``…; returns (users,
    employees). Call inside a transaction."""
    from lms.models import Employee, User

    users = User.objects.bulk_create(
        User(
            username=f"{prefix}{i:07d}",
            first_name=f"员工{i}",
            password="!bench-unusable",
            is_active=True,
        )
        for i in range(count)
    )
    employees = Employee.objects.bulk_create(
        Employee(
            user=user,
            employee_no=user.username,
            name=user.first_name,
            unit=counties[i % len(counties)],
            position=position,
        )
        for i, user in enumerate(users)
    )
    return users, employees
