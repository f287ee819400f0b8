"""Writes of the ``cms`` app: policy versions decided at publication."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from wagtail.models import Page, Revision

from cms.models import MaterialChange, ModulePage, PolicyPage, PolicyVersion


def policy_of(page: Page) -> PolicyPage | None:
    """The policy a course page belongs to: itself, or its parent."""
    specific = page.specific
    if isinstance(specific, PolicyPage):
        return specific
    parent = page.get_parent()
    return (
        parent.specific if parent and isinstance(parent.specific, PolicyPage) else None
    )


@transaction.atomic
def policy_version_publish(
    *, page: Page, revision: Revision | None, user=None
) -> PolicyVersion | None:
    """Record what the publication of ``page`` (a policy, module or quiz) means
    for its policy's version; return the new version, if one was made.

    - The first publication of a policy makes version 1.
    - A revision published with "material change" ticked raises the version, and
      says what happens to earlier certificates (still valid, or to be renewed
      within a grace period).
    - Anything else (a typo) keeps the version: nobody is asked to retrain.

    The "material change" answer belongs to one publication: it is cleared on
    the page and its revision afterwards, so the next revision starts unticked.
    """
    policy = policy_of(page)
    if policy is None:
        return None
    # Lock the policy row: two publications at once take turns.
    policy = PolicyPage.objects.select_for_update().get(pk=policy.pk)
    specific = page.specific
    material = isinstance(specific, MaterialChange) and specific.material_change
    current = policy.versions.aggregate(number=Max("number"))["number"]
    created = None
    now = timezone.now()
    if current is None:
        if isinstance(specific, PolicyPage):
            created = PolicyVersion.objects.create(
                policy=policy,
                number=1,
                published_at=now,
                published_by=user,
                revision=revision,
            )
    elif material:
        renew = specific.earlier_certificates == MaterialChange.Earlier.RENEW
        created = PolicyVersion.objects.create(
            policy=policy,
            number=current + 1,
            published_at=now,
            published_by=user,
            revision=revision,
            earlier_certificates=specific.earlier_certificates,
            changed_modules=[specific.pk] if isinstance(specific, ModulePage) else [],
            renew_by=(
                timezone.localdate(now)
                + datetime.timedelta(days=specific.renewal_grace_days)
                if renew
                else None
            ),
        )
    number = created.number if created else (current or 1)
    # Publication saved the page from its revision, whose version may be stale.
    PolicyPage.objects.filter(pk=policy.pk).exclude(version=number).update(
        version=number
    )
    if material:
        type(specific).objects.filter(pk=specific.pk).update(material_change=False)
        if revision is not None and revision.content.get("material_change"):
            revision.content["material_change"] = False
            revision.save(update_fields=["content"])
    return created
