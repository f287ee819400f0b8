"""Quiz attempts: start, answer (save), submit, result. Thin: each view reads
the form, calls one service of ``lms.services.attempts`` and renders.

Pages work without JavaScript: one form per attempt whose buttons post to
``save`` (keep the answers, stay on the page) or ``submit`` (grade). Every
refusal is a page with a message and a 4xx status, never a 500.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from certificates.models import Certificate
from cms.models import PolicyPage
from lms.auth import authenticate_with, session_user_id
from lms.models import Employee, QuizAttempt
from lms.quiz import questions_reviewed, questions_shown, quiz_pool
from lms.selectors import employee_for
from lms.services.attempts import (
    DEADLINE_GRACE,
    AttemptError,
    OwnedAttempt,
    attempt_read,
    attempt_save,
    attempt_start,
    attempt_status,
    attempt_submit,
    local_time,
    review_visible,
)

# Answers posted after the session expired wait here (in the new, anonymous
# session, which logging in keeps) until the attempt page shows them again.
PENDING_KEY = "quiz_pending_answers"
_NOT_ANSWERS = {"csrfmiddlewaretoken"}
_MAX_PENDING_QUESTIONS = 200


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


def _keep_pending(request: HttpRequest, pk: int) -> None:
    """Answers posted without a session: kept in the (new) session so the
    attempt page can show them again once the person has logged in."""
    answers = {
        key: [value[:64] for value in values[:20]]
        for key, values in list(_answers(request.POST).items())[:_MAX_PENDING_QUESTIONS]
        if len(key) <= 64
    }
    request.session[PENDING_KEY] = {"attempt": pk, "answers": answers}


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
    Django's checks): the caller takes the usual way, which says why."""
    user_id = session_user_id(request)
    if user_id is None:
        return None
    try:
        owned = attempt_read(attempt_id=pk, user_id=user_id)
    except AttemptError:
        return None
    return owned if authenticate_with(request, owned.user) else None


def _answers_post(request: HttpRequest, pk: int, service) -> HttpResponse:
    owned = _owned_by_session(request, pk)
    if owned is None:
        if not request.user.is_authenticated:
            _keep_pending(request, pk)
            return redirect_to_login(_attempt_url(pk))
        employee = _employee(request)
        if employee is None:
            return _no_employee(request)
    try:
        if owned is None:
            owned = attempt_read(attempt_id=pk, employee=employee)
        attempt = service(owned=owned, answers=_answers(request.POST))
    except AttemptError as error:
        return _refused(request, error, back_url=_attempt_url(pk))
    return attempt


@require_POST
def quiz_attempt_save(request: HttpRequest, pk: int) -> HttpResponse:
    result = _answers_post(request, pk, attempt_save)
    if isinstance(result, HttpResponse):
        return result
    if result.is_open:
        messages.success(
            request,
            _("Your answers are saved (%(time)s).")
            % {"time": local_time(timezone.now())},
        )
    return HttpResponseRedirect(_attempt_url(pk))


@require_POST
def quiz_attempt_submit(request: HttpRequest, pk: int) -> HttpResponse:
    result = _answers_post(request, pk, attempt_submit)
    if isinstance(result, HttpResponse):
        return result
    return HttpResponseRedirect(_attempt_url(pk))


@require_GET
def quiz_attempt(request: HttpRequest, pk: int) -> HttpResponse:
    """The attempt in progress (its form), or its result once submitted."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    employee = _employee(request)
    if employee is None:
        return _no_employee(request)
    attempt = QuizAttempt.objects.filter(pk=pk, employee=employee).first()
    if attempt is None:
        return _refused(
            request, AttemptError(_("There is no such attempt."), status=404)
        )
    policy = PolicyPage.objects.get(pk=attempt.policy_id)
    pool = quiz_pool(revision_id=attempt.quiz_revision_id)
    context = {
        "attempt": attempt,
        "policy": policy,
        "back_url": _policy_url(request, policy),
        "count": len(attempt.draw),
    }
    if attempt.is_open:
        answers = attempt.answers or {}
        pending = request.session.get(PENDING_KEY)
        if pending and pending.get("attempt") == attempt.pk:
            del request.session[PENDING_KEY]
            answers = pending.get("answers") or {}
            messages.warning(
                request,
                _(
                    "You were signed out before your answers reached us. They "
                    "are filled in again below: check them, then save or submit."
                ),
            )
        now = timezone.now()
        late = attempt.deadline is not None and now > attempt.deadline + DEADLINE_GRACE
        context.update(
            questions=questions_shown(pool=pool, draw=attempt.draw, answers=answers),
            late=late,
            stale=attempt.version != policy.version,
        )
        return render(request, "lms/quiz/attempt.html", context)

    used = QuizAttempt.objects.filter(
        employee=employee,
        policy_id=attempt.policy_id,
        version=attempt.version,
        submitted_at__isnull=False,
    ).count()
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
        attempts_left=max(policy.max_attempts - used, 0)
        if attempt.version == policy.version
        else None,
    )
    return render(request, "lms/quiz/result.html", context)


def quiz_page_context(*, request: HttpRequest, policy: PolicyPage) -> dict | None:
    """What the quiz page shows a logged-in employee (the ``before_serve_page``
    hook in ``lms.wagtail_hooks``): start or resume, attempts left, the wait,
    the last result. ``None`` for an account without an employee record."""
    employee = _employee(request)
    if employee is None:
        return None
    status = attempt_status(employee=employee, policy=policy)
    resume = status.open_attempt
    if resume is not None and resume.version != policy.version:
        resume = None  # an earlier version's: starting anew closes it
    return {
        "quiz_status": status,
        "quiz_resume": resume,
        "quiz_refusal": None if resume else status.refusal(now=timezone.now()),
        "quiz_policy": policy,
    }
