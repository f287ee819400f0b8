"""Strings the product shows that Django's or Wagtail's own Chinese catalogue
lacks (a msgid changed upstream and its translation did not follow).
``makemessages`` extracts them from here into the project's catalogue, which
comes first in ``LOCALE_PATHS`` and so supplies them. Nothing imports this
module at run time: it exists for the catalogue.

Strings of Wagtail's scripts belong to the ``djangojs`` domain, which
``makemessages`` does not extract from Python: they are kept by hand in
``locale/<language>/LC_MESSAGES/djangojs.po`` (compiled with the rest, served
by Wagtail's script catalogue, ``/admin/jsi18n/``)."""

from django.utils.translation import gettext_lazy, ngettext_lazy

SUPPLIED = [
    # wagtailadmin/shared/autosave/indicator.html, the explorer's breadcrumb
    gettext_lazy("Autosave is paused"),
    gettext_lazy("Autosave is <span>paused</span>"),
    gettext_lazy("Exploring"),
    # wagtailadmin/generic/index_results.html and views/generic/base.py
    gettext_lazy(
        'There are no %(model_name)s to display. Why not <a href="%(add_url)s">add '
        "one</a>?"
    ),
    gettext_lazy("No %(model_name)s match your query."),
    # wagtail/blocks/field_block.py: a ChoiceBlock's empty choice
    gettext_lazy("- Select an option -"),
    # django.contrib.auth.password_validation.MinimumLengthValidator (5.2)
    ngettext_lazy(
        "This password is too short. It must contain at least %d character.",
        "This password is too short. It must contain at least %d characters.",
        8,
    ),
    ngettext_lazy(
        "Your password must contain at least %d character.",
        "Your password must contain at least %d characters.",
        8,
    ),
    # Wagtail 8.0's admin: msgids its Chinese catalogue does not have yet
    # (found by tests/test_page_language.py)
    gettext_lazy("No, don't revoke"),
    gettext_lazy("You haven't uploaded any images."),
    gettext_lazy("A human-readable label to identify this token."),
    gettext_lazy("API tokens"),
    gettext_lazy("Actions (footer)"),
    gettext_lazy("Are you sure you want to revoke this API token?"),
    gettext_lazy("By task"),
    gettext_lazy("By workflow"),
    gettext_lazy("Can access Wagtail admin"),
    gettext_lazy("Can view"),
    gettext_lazy("Choose parent"),
    gettext_lazy("Compare"),
    gettext_lazy("Edit account avatar"),
    gettext_lazy("Grid layout"),
    gettext_lazy("Last used"),
    gettext_lazy("Layout"),
    gettext_lazy("List layout"),
    gettext_lazy("Oldest"),
    gettext_lazy("Page types usage"),
    gettext_lazy("Privacy and access"),
    gettext_lazy("Private, accessible to any logged-in users"),
    gettext_lazy("Private, accessible with a shared password"),
    gettext_lazy("Saved"),
    gettext_lazy("Search all pages…"),
    gettext_lazy("The new page will be a child of this given parent page."),
    gettext_lazy("Toggle all change permissions"),
    gettext_lazy("Toggle all custom permissions"),
    gettext_lazy("Toggle all delete permissions"),
    gettext_lazy("Toggle checks"),
    gettext_lazy("Token"),
    gettext_lazy("Usage count: (high to low)"),
    gettext_lazy("Usage count: (low to high)"),
    gettext_lazy("Yes, revoke"),
    gettext_lazy("Your pages and snippets in a workflow"),
]
