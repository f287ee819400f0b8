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
]
