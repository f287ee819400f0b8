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
    # Wagtail 8.0's editor, status panel and workflow screens (found by the
    # approver's and the trainer's walk-through, in workflow states the
    # access matrix does not reach)
    gettext_lazy("Go to the first error"),
    gettext_lazy("There are validation errors, click save to highlight them."),
    gettext_lazy("The page could not be saved due to validation errors."),
    gettext_lazy("The page could not be created due to validation errors."),
    gettext_lazy(
        "Preview cannot display due to validation errors. <br /> Click save to "
        "highlight the relevant fields."
    ),
    gettext_lazy(
        "Correct the validation errors to resume preview (saving will highlight errors)"
    ),
    gettext_lazy("Locking: "),
    gettext_lazy(
        "Anyone can edit this %(model_name)s – lock it to prevent others from editing"
    ),
    gettext_lazy("Anyone can edit this %(model_name)s"),
    gettext_lazy("This page is locked, by you, to further editing"),
    gettext_lazy("Cancelled by %(cancelled_by)s"),
    gettext_lazy("at %(time)s by %(user_display_name)s"),
    gettext_lazy("%(time)s by %(user_display_name)s"),
    gettext_lazy("%(time_period)s ago by %(user_display_name)s"),
    gettext_lazy("Changes requested %(finished_at)s"),
    gettext_lazy("Sent to %(task_name)s %(started_at)s"),
    ngettext_lazy("Referenced %(count)s time", "Referenced %(count)s times", 1),
    gettext_lazy("This %(model_name)s is currently awaiting moderation."),
    gettext_lazy("Only reviewers for this task can edit the %(model_name)s."),
    gettext_lazy("Locked by workflow"),
    gettext_lazy(
        "Reviewers can edit this %(model_name)s – lock it to prevent other "
        "reviewers from editing"
    ),
    gettext_lazy("Only reviewers can edit and approve the %(model_name)s"),
    ngettext_lazy(
        '%(total)s Page <span class="w-sr-only">created in %(site_name)s</span>',
        '%(total)s Pages <span class="w-sr-only">created in %(site_name)s</span>',
        1,
    ),
    ngettext_lazy(
        '%(total)s Image <span class="w-sr-only">created in %(site_name)s</span>',
        '%(total)s Images <span class="w-sr-only">created in %(site_name)s</span>',
        1,
    ),
    ngettext_lazy(
        '%(total)s Document <span class="w-sr-only">created in %(site_name)s</span>',
        '%(total)s Documents <span class="w-sr-only">created in %(site_name)s</span>',
        1,
    ),
    # Wagtail's "Approve and Publish": its catalogue's "%(label)s 和发布" reads
    # "批准 和发布"; ours says "批准并发布".
    gettext_lazy("%(label)s and Publish"),
    # Wagtail's review e-mails (wagtailadmin/notifications/): subjects and
    # bodies its Chinese catalogue lacks
    gettext_lazy(
        'The %(model_name)s "%(title)s" has been approved in moderation '
        'stage "%(task)s".'
    ),
    gettext_lazy('The %(model_name)s "%(title)s" has been approved in "%(task)s".'),
    gettext_lazy(
        'The %(model_name)s "%(title)s" has been rejected in moderation '
        'stage "%(task)s".'
    ),
    gettext_lazy('The %(model_name)s "%(title)s" has been rejected during "%(task)s".'),
    gettext_lazy(
        'The %(model_name)s "%(title)s" has been submitted for approval in '
        'moderation stage "%(task)s".'
    ),
    gettext_lazy(
        'The %(model_name)s "%(title)s" has been submitted for approval to '
        'moderation stage "%(task)s".'
    ),
    gettext_lazy(
        'The %(model_name)s "%(title)s" has been submitted for approval in '
        'moderation stage "%(task)s"'
    ),
    gettext_lazy(
        'The %(model_name)s "%(title)s" has been approved in workflow "%(workflow)s".'
    ),
    gettext_lazy('The %(model_name)s "%(title)s" has been approved in "%(workflow)s".'),
    gettext_lazy(
        'The %(model_name)s "%(title)s" has been rejected during '
        '"%(task)s" in workflow "%(workflow)s" by %(rejector)s.'
    ),
    gettext_lazy(
        'The %(model_name)s "%(title)s" has been rejected during '
        '"%(task)s" in workflow "%(workflow)s".'
    ),
    gettext_lazy(
        'The %(model_name)s "%(title)s" has been rejected during "%(workflow)s".'
    ),
    gettext_lazy(
        'The %(model_name)s "%(title)s" has been submitted for moderation '
        'to workflow "%(workflow)s" by %(requester)s.'
    ),
    gettext_lazy(
        'The %(model_name)s "%(title)s" has been submitted for moderation '
        'to workflow "%(workflow)s".'
    ),
    gettext_lazy('The page "%(title)s" has been submitted to workflow "%(workflow)s"'),
    gettext_lazy(
        'The %(model_name)s "%(title)s" has been submitted to workflow "%(workflow)s"'
    ),
]
