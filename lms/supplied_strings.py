"""Strings the product shows that Django's or Wagtail's own Chinese catalogue
lacks (a msgid changed upstream and its translation did not follow).
``makemessages`` extracts them from here into the project's catalogue, which
comes first in ``LOCALE_PATHS`` and so supplies them. Nothing imports this
module at run time: it exists for the catalogue."""

from django.utils.translation import ngettext_lazy

SUPPLIED = [
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
