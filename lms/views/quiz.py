"""Quiz attempts: start, answer (save), submit, result. Thin: each view reads
the form, calls one service of ``lms.services.attempts`` and renders.

Pages work without JavaScript: one form per attempt whose buttons post to
``save`` (keep the answers, stay on the page) or ``submit`` (grade). Every
refusal is a page with a message and a 4xx status, never a 500.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core import signing
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from certificates.models import Certificate
from cms.models import PolicyPage
from cms.quiz import questions_reviewed, questions_shown, quiz_pool
from lms.auth import authenticate_with, session_user_id
from lms.models import Employee
from lms.selectors import employee_for, standing_for
from lms.services.attempts import (
    AttemptError,
    OwnedAttempt,
    attempt_late,
    attempt_read,
    attempt_refusal,
    attempt_save,
    attempt_start,
    attempt_submit,
    local_time,
    review_visible,
)

# Answers posted after the session expired wait in a signed cookie of the
# browser, not on the server (an anonymous request stores nothing), until the
# attempt page shows them again after sign-in.
PENDING_COOKIE = "quiz_pending"
_PENDING_SALT = "lms.views.quiz.pending"
_PENDING_MAX_AGE = 2 * 3600
_PENDING_MAX_BYTES = 3500  # a cookie holds about 4 KB
_NOT_ANSWERS = {"csrfmiddlewaretoken"}
_MAX_PENDING_QUESTIONS = 100


def _refused(request: HttpRequest, error: AttemptError, **context) -> HttpResponse:
    return render(
        request,
        "lms/quiz/refused.html",
        {
            "message": error.message,
            "opens_at": getattr(error, "opens_at", None),
            "certificate": getattr(error, "certificate", None),
            **context,
        },
        status=error.status,
    )


def _employee(request: HttpRequest) -> Employee | None:
    return employee_for(user=request.user)


def _no_employee(request: HttpRequest) -> HttpResponse:
    return _refused(
        request,
        AttemptError(
            _("This account is not linked to an active employee record."),
            status=403,
        ),
    )


def _answers(data: QueryDict) -> dict[str, list[str]]:
    """Form fields named by question id, option ids as values."""
    return {key: data.getlist(key) for key in data if key not in _NOT_ANSWERS}


def _attempt_url(pk: int) -> str:
    # A path, given to HttpResponseRedirect: redirect() would first try (and
    # fail) to reverse it as a view name, on every submission.
    return reverse("quiz_attempt", args=[pk])


def _keep_pending(request: HttpRequest, pk: int, response: HttpResponse) -> None:
    """Answers posted without a session: kept in a signed cookie (compressed,
    two hours) so the attempt page can show them again once the person has
    signed in. What does not fit in a cookie is not kept."""
    answers = {
        key: [value[:64] for value in values[:20]]
        for key, values in list(_answers(request.POST).items())[:_MAX_PENDING_QUESTIONS]
        if len(key) <= 64
    }
    value = signing.dumps(
        {"attempt": pk, "answers": answers}, salt=_PENDING_SALT, compress=True
    )
    if len(value) <= _PENDING_MAX_BYTES:
        response.set_cookie(
            PENDING_COOKIE,
            value,
            max_age=_PENDING_MAX_AGE,
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Lax",
        )


def _policy_url(request: HttpRequest, policy: PolicyPage) -> str | None:
    quiz = policy.quiz()
    return (quiz or policy).get_url(request)


@require_POST
def quiz_start(request: HttpRequest, policy_id: int) -> HttpResponse:
    policy = PolicyPage.objects.live().filter(pk=policy_id).first()
    if not request.user.is_authenticated:
        return redirect_to_login(policy.url if policy else reverse("my_account"))
    employee = _employee(request)
    if employee is None:
        return _no_employee(request)
    if policy is None:
        return _refused(
            request, AttemptError(_("There is no such course."), status=404)
        )
    try:
        attempt = attempt_start(employee=employee, policy=policy)
    except AttemptError as error:
        return _refused(request, error, back_url=_policy_url(request, policy))
    return HttpResponseRedirect(_attempt_url(attempt.pk))


def _owned_by_session(request: HttpRequest, pk: int) -> OwnedAttempt | None:
    """The attempt ``pk`` of the signed-in employee, read together with the
    user the session names; Django then authenticates the request with that
    row (``lms.auth.authenticate_with``): one query for both, where loading
    ``request.user`` first would take two. ``None`` when this does not work
    out (no user in the session, not their attempt, a session that fails
    Django's checks): :func:`attempt_view` then takes the usual way, which
    says why."""
    user_id = session_user_id(request)
    if user_id is None:
        return None
    try:
        owned = attempt_read(attempt_id=pk, user_id=user_id)
    except AttemptError:
        return None
    return owned if authenticate_with(request, owned.user) else None


AttemptView = Callable[[HttpRequest, OwnedAttempt], HttpResponse]


def attempt_view(view: AttemptView) -> Callable[[HttpRequest, int], HttpResponse]:
    """The one way into an attempt: resolves the attempt ``pk`` of the signed-in
    employee (:class:`OwnedAttempt`) and calls ``view(request, owned)``, or
    answers the refusal itself.

    The attempt is read with its owner in one query and the request
    authenticated with that row (:func:`_owned_by_session`, the hot path of a
    submission, ``docs/decisions.md`` 11). Otherwise: not signed in, to the
    sign-in page (answers posted meanwhile are kept for after it); an account
    without an active employee record, 403; another's or no such attempt,
    404. An :class:`AttemptError` the view raises becomes its refusal page.
    """

    @functools.wraps(view)
    def wrapper(request: HttpRequest, pk: int) -> HttpResponse:
        owned = _owned_by_session(request, pk)
        try:
            if owned is None:
                if not request.user.is_authenticated:
                    response = redirect_to_login(_attempt_url(pk))
                    if request.method == "POST":
                        _keep_pending(request, pk, response)
                    return response
                employee = _employee(request)
                if employee is None:
                    return _no_employee(request)
                owned = attempt_read(attempt_id=pk, employee=employee)
            return view(request, owned)
        except AttemptError as error:
            return _refused(request, error, back_url=_attempt_url(pk))

    return wrapper


@require_POST
@attempt_view
def quiz_attempt_save(request: HttpRequest, owned: OwnedAttempt) -> HttpResponse:
    attempt = attempt_save(owned=owned, answers=_answers(request.POST))
    if attempt.is_open:
        messages.success(
            request,
            _("Your answers are saved (%(time)s).")
            % {"time": local_time(timezone.now())},
        )
    return HttpResponseRedirect(_attempt_url(attempt.pk))


@require_POST
@attempt_view
def quiz_attempt_submit(request: HttpRequest, owned: OwnedAttempt) -> HttpResponse:
    attempt = attempt_submit(owned=owned, answers=_answers(request.POST))
    return HttpResponseRedirect(_attempt_url(attempt.pk))


def _pending_answers(request: HttpRequest, attempt_id: int) -> dict | None:
    """Answers kept by :func:`_keep_pending` for this attempt, if any (the
    view then deletes the cookie: taken once)."""
    try:
        pending = signing.loads(
            request.COOKIES.get(PENDING_COOKIE, ""),
            salt=_PENDING_SALT,
            max_age=_PENDING_MAX_AGE,
        )
    except signing.BadSignature:
        return None
    if not isinstance(pending, dict) or pending.get("attempt") != attempt_id:
        return None
    messages.warning(
        request,
        _(
            "You were signed out before your answers reached us. They "
            "are filled in again below: check them, then save or submit."
        ),
    )
    answers = pending.get("answers")
    return answers if isinstance(answers, dict) else {}


@require_GET
@attempt_view
def quiz_attempt(request: HttpRequest, owned: OwnedAttempt) -> HttpResponse:
    """The attempt in progress (its form), or its result once submitted."""
    attempt = owned.attempt
    policy = PolicyPage.objects.get(pk=attempt.policy_id)
    pool = quiz_pool(revision_id=attempt.quiz_revision_id)
    context = {
        "attempt": attempt,
        "policy": policy,
        "back_url": _policy_url(request, policy),
        "count": len(attempt.draw),
    }
    if attempt.is_open:
        pending = _pending_answers(request, attempt.pk)
        answers = (attempt.answers or {}) if pending is None else pending
        context.update(
            questions=questions_shown(pool=pool, draw=attempt.draw, answers=answers),
            late=attempt_late(attempt=attempt, now=timezone.now()),
            stale=attempt.version != policy.version,
        )
        response = render(request, "lms/quiz/attempt.html", context)
        if pending is not None:
            response.delete_cookie(PENDING_COOKIE, samesite="Lax")
        return response

    standing = standing_for(employee=owned.employee, policy=policy)
    current = attempt.version == policy.version
    # The attempts of its version used so far: of an earlier version, whose
    # series is closed, this attempt's own number.
    used = standing.attempts_used if current else attempt.number
    reveal = review_visible(attempt=attempt, policy=policy, used=used)
    graded = attempt.passed is not None
    context.update(
        graded=graded,
        reveal=reveal,
        questions=questions_reviewed(
            pool=pool, draw=attempt.draw, answers=attempt.answers, reveal=reveal
        )
        if graded
        else [],
        certificate=Certificate.objects.filter(attempt=attempt).first(),
        standing=standing if current else None,
    )
    return render(request, "lms/quiz/result.html", context)


def quiz_page_context(*, request: HttpRequest, policy: PolicyPage) -> dict | None:
    """What the quiz page shows a logged-in employee (the ``before_serve_page``
    hook in ``lms.wagtail_hooks``): start or resume, attempts left, the wait,
    the last result, all from the employee's standing. ``None`` for an account
    without an employee record."""
    employee = _employee(request)
    if employee is None:
        return None
    now = timezone.now()
    standing = standing_for(employee=employee, policy=policy, now=now)
    resume = standing.resumable
    return {
        "standing": standing,
        "quiz_resume": resume,
        "quiz_refusal": None if resume else attempt_refusal(standing=standing, now=now),
        "quiz_policy": policy,
    }
