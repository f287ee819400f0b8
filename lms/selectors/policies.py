"""The policy a request names by its code (the API's every call names one)."""

from __future__ import annotations

import functools

from django.db import router
from wagtail.models import Page

from cms.models import PolicyPage
from lms.sql import Columns, column, planned_cursor, table

_POLICY = Columns(PolicyPage, {Page: "g", PolicyPage: "p"})


@functools.cache
def _policy_sql(using: str) -> str:
    return (
        f"SELECT {_POLICY.sql(using)} FROM {table(PolicyPage, using)} p "
        f"JOIN {table(Page, using)} g ON g.{column(Page, 'id', using)} "
        f"= p.{column(PolicyPage, 'page_ptr', using)} "
        f"WHERE p.{column(PolicyPage, 'code', using)} = %s"
    )


def policy_with_code(code: str) -> PolicyPage | None:
    """The policy ``code``, every field read as ``PolicyPage.objects.get``
    reads it, in one planned statement (``lms.sql``) instead of a compiled
    two-table join."""
    using = router.db_for_read(PolicyPage)
    with planned_cursor(using) as cursor:
        cursor.execute(_policy_sql(using), [code])
        row = cursor.fetchone()
    return None if row is None else _POLICY.build(row, 0, using)
