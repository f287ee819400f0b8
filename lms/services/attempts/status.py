"""Whether a new attempt may start: a pure function of the employee's
standing (``lms.selectors.standing``) and the time."""

from __future__ import annotations

from datetime import datetime

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from lms.selectors.standing import CertificateState, Standing
from lms.services.attempts.errors import AttemptRefused


def local_time(moment: datetime) -> str:
    """A moment as every page writes it: the site's time zone, the reader's
    language (``DATETIME_FORMAT``: "2026年12月5日 04:49", "Dec. 5, 2026,
    04:49")."""
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def attempt_refusal(*, standing: Standing, now: datetime) -> AttemptRefused | None:
    """Why a new attempt at the standing's policy cannot start at ``now``
    (``None``: it can). Not a question of the attempt in progress, which is
    resumed rather than started."""
    if not standing.assigned:
        return AttemptRefused(_("This course is not assigned to you."), status=403)
    if standing.certificate_state == CertificateState.VALID:
        return AttemptRefused(
            _("You are already certified for this course."),
            certificate=standing.certificate,
        )
    if standing.quiz is None:
        return AttemptRefused(_("This course has no quiz yet."))
    if standing.modules_done < standing.modules_total:
        return AttemptRefused(
            _("Finish every module first: %(done)d of %(total)d done.")
            % {"done": standing.modules_done, "total": standing.modules_total}
        )
    if standing.attempts_left == 0:
        return AttemptRefused(
            _("You have used all %(count)d attempts for this version.")
            % {"count": standing.max_attempts}
        )
    opens_at = standing.opens_at
    if opens_at is not None and now < opens_at:
        return AttemptRefused(
            _("Your next attempt opens at %(time)s (local time).")
            % {"time": local_time(opens_at)},
            opens_at=opens_at,
        )
    return None
