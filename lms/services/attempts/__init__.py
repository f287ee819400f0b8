"""Quiz attempts: start, save, submit and grade, on the server only.

An attempt draws ``policy.questions_per_attempt`` questions from the live quiz
revision and shuffles their options; the draw stays on the server (the page
shows it, the browser never sends it back). Answers are checked against the
draw, graded with the question weights and the pass mark, and a pass issues
the certificate atomically with the grade (``certificates.services``).

Submitting is idempotent: the grade is written by an UPDATE that only matches
an attempt still open (the database's row lock decides between two concurrent
ones), the certificate with it, and an attempt already submitted returns its
result unchanged, so a double click, a resubmitted form or two tabs give one
result and one certificate. The attempt is read and written with SQL written
once (``lms.sql``): two statements per submission on PostgreSQL.

Time limits: answers saved (``attempt_save``) before the deadline plus
:data:`DEADLINE_GRACE` count; a submission arriving later is graded on the
answers saved in time, whatever it carries.

See ``docs/quiz.md``.
"""

from lms.services.attempts.errors import (
    AnswersRejected,
    AttemptError,
    AttemptNotFound,
    AttemptRefused,
)
from lms.services.attempts.grading import (
    DEADLINE_GRACE,
    attempt_draw,
    attempt_late,
    attempt_save,
    attempt_start,
    attempt_submit,
    attempts_close_expired,
    grade,
    review_visible,
)
from lms.services.attempts.rows import OwnedAttempt, PolicyRules, attempt_read
from lms.services.attempts.status import attempt_refusal, local_time

__all__ = [
    "DEADLINE_GRACE",
    "PolicyRules",
    "local_time",
    "AnswersRejected",
    "AttemptError",
    "AttemptNotFound",
    "AttemptRefused",
    "OwnedAttempt",
    "attempt_draw",
    "attempt_late",
    "attempt_read",
    "attempt_refusal",
    "attempt_save",
    "attempt_start",
    "attempts_close_expired",
    "attempt_submit",
    "grade",
    "review_visible",
]
