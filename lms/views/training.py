"""The learner's pages: "My training", the module "done" button, and the course
pages (policy, module) served with the learner's progress.

``cms`` renders its pages without knowing about ``lms``; for a logged-in user,
``lms.wagtail_hooks`` serves policy and module pages through
:func:`policy_page_response` and :func:`module_page_response`, whose templates
extend the ``cms`` ones and fill their blocks.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.response import TemplateResponse
from django.views.decorators.http import require_POST

from cms.models import ModulePage, PolicyPage
from lms.selectors import (
    Standing,
    employee_for,
    standing_for,
    standings_for,
    unit_lineage,
)
from lms.services.progress import module_complete


@login_required
def my_training(request: HttpRequest) -> HttpResponse:
    """Every assigned live policy of the employee, most urgent first."""
    employee = employee_for(user=request.user)
    items = standings_for(employee=employee) if employee else []
    return render(
        request,
        "lms/training/my_training.html",
        {
            "employee": employee,
            "lineage": unit_lineage(unit=employee.unit) if employee else [],
            "items": items,
        },
    )


def _training_item(request: HttpRequest, policy: PolicyPage) -> Standing | None:
    """The employee's standing on ``policy``, if it is assigned to them."""
    employee = employee_for(user=request.user)
    if employee is None:
        return None
    standing = standing_for(employee=employee, policy=policy)
    return standing if standing.assigned else None


@login_required
@require_POST
def module_done(request: HttpRequest, page_id: int) -> HttpResponse:
    """ "I have read this module": record it, then go to the next module to
    read, or after the last one to the quiz (every module read) or the
    policy page."""
    module = get_object_or_404(ModulePage.objects.live(), pk=page_id)
    policy = module.get_parent().specific
    if not isinstance(policy, PolicyPage) or not policy.live:
        raise Http404
    employee = employee_for(user=request.user)
    item = _training_item(request, policy)
    if employee is None or item is None:
        raise PermissionDenied
    module_complete(employee=employee, module=module)
    to_read = item.required_modules  # a renewal reads only what changed
    later = [m for m in to_read if m.path > module.path]
    if later:
        return redirect(later[0].get_url(request))
    undone = [m for m in to_read if m.pk not in item.done_module_ids and m != module]
    if not undone and item.quiz is not None:
        return redirect(item.quiz.get_url(request))
    return redirect(policy.get_url(request))


def _restricted(page, request: HttpRequest) -> bool:
    """Whether a view restriction of the page refuses this request (then
    Wagtail's own serving handles it)."""
    return any(
        not restriction.accept_request(request)
        for restriction in page.get_view_restrictions()
    )


def module_page_response(
    request: HttpRequest, page: ModulePage, args, kwargs
) -> HttpResponse | None:
    """The module page with its "I have read this module" button and the
    previous and next modules of the policy."""
    if _restricted(page, request):
        return None
    policy = page.get_parent().specific
    if not isinstance(policy, PolicyPage):
        return None
    item = _training_item(request, policy)
    modules = item.modules if item else list(policy.modules().defer("body"))
    position = next((i for i, m in enumerate(modules) if m.pk == page.pk), None)
    previous_module = next_module = None
    if position is not None:
        previous_module = modules[position - 1] if position > 0 else None
        if position + 1 < len(modules):
            next_module = modules[position + 1]
    request.is_preview = False
    context = page.get_context(request, *args, **kwargs)
    context.update(
        {
            "training": item,
            "module_done": bool(item and page.pk in item.done_module_ids),
            "module_number": (position or 0) + 1,
            "modules_total": len(modules),
            "previous_module": previous_module,
            "next_module": next_module,
        }
    )
    return TemplateResponse(request, "lms/training/module_page.html", context)


def policy_page_response(
    request: HttpRequest, page: PolicyPage, args, kwargs
) -> HttpResponse | None:
    """The policy page with the modules read, where to continue and whether
    the quiz is open."""
    if _restricted(page, request):
        return None
    item = _training_item(request, page)
    request.is_preview = False
    context = page.get_context(request, *args, **kwargs)
    context["training"] = item
    return TemplateResponse(request, "lms/training/policy_page.html", context)
