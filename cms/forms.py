"""Admin forms of the course pages."""

from __future__ import annotations

import copy

from django import forms
from django.forms.models import construct_instance
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from wagtail.admin.forms import WagtailAdminPageForm


def _is_publishing(data) -> bool:
    """Whether the editor's submit publishes (Publish, or a workflow approval)."""
    if data.get("action-publish"):
        return True
    return bool(data.get("action-workflow-action")) and (
        data.get("workflow-action-name") == "approve"
    )


class CoursePageForm(WagtailAdminPageForm):
    """Refuses to publish a course page that staff could not complete, and
    gives a course page a readable address: a slug the editor derived from a
    Chinese title (``%E6%B5%8B…`` in a link) is replaced by the page type's
    own (a policy's code, ``module-2``, ``quiz``)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if "slug" in self.fields and hasattr(self.instance, "readable_slug"):
            self.fields["slug"].required = False  # clean_slug gives one

    def clean_code(self) -> str:
        """A code already used says by which page, and offers to continue it:
        Wagtail's autosave creates a policy as soon as its form is valid, so
        a trainer who left a new measure half-written finds it here instead
        of a bare "already exists"."""
        code = self.cleaned_data.get("code") or ""
        model = type(self.instance)
        taken = (
            model._default_manager.filter(code=code)
            .exclude(pk=self.instance.pk)
            .first()
            if code
            else None
        )
        if taken is None:
            return code
        state = (
            pgettext("page state", "published")
            if taken.live
            else pgettext("page state", "draft")
        )
        raise forms.ValidationError(
            format_html(
                _(
                    "The code {code} is already used by “{title}” ({state}). "
                    '<a href="{url}">Continue editing it</a>, or choose another '
                    "code."
                ),
                code=code,
                title=taken.get_admin_display_title(),
                state=state,
                url=reverse("wagtailadmin_pages:edit", args=[taken.pk]),
            ),
            code="unique",
        )

    def clean_slug(self) -> str:
        slug = self.cleaned_data.get("slug") or ""
        readable = getattr(self.instance, "readable_slug", None)
        if readable is None or self.parent_page is None or not self._replaces(slug):
            return slug
        base = readable(parent=self.parent_page, code=self.data.get("code", ""))
        return _available(base, self.parent_page, self.instance) if base else slug

    def _replaces(self, slug: str) -> bool:
        """An empty or non-ASCII slug; and a new policy's slug that is only
        its title's (the editor's suggestion): its code reads better."""
        if not slug or not slug.isascii():
            return True
        title = self.cleaned_data.get("title") or self.data.get("title") or ""
        return (
            getattr(self.instance, "slug_from_code", False)
            and not self.instance.pk
            and slug == slugify(title)
        )

    def clean(self):
        cleaned_data = super().clean()
        problems = getattr(self.instance, "publication_problems", None)
        if problems and _is_publishing(self.data) and not self.errors:
            # Judge the page as it would be published: with this form's values.
            candidate = construct_instance(self, copy.copy(self.instance))
            for problem in candidate.publication_problems():
                self.add_error(None, problem)
        return cleaned_data


def _available(base: str, parent, instance) -> str:
    """``base``, or ``base-2``, ``base-3``… whichever no sibling uses."""
    taken = set(
        parent.get_children().exclude(pk=instance.pk).values_list("slug", flat=True)
    )
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    return slug
