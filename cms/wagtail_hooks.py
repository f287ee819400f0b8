"""Page and document serving rules of the ``cms`` app."""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.contrib.contenttypes.models import ContentType
from django.http import Http404
from wagtail import hooks
from wagtail.documents import get_document_model
from wagtail.models import Page, ReferenceIndex
from wagtail.permissions import policy_registry

from cms.models import CatalogPage, ModulePage, PolicyPage, QuizPage

COURSE_PAGES = (CatalogPage, PolicyPage, ModulePage, QuizPage)


@hooks.register("before_serve_page")
def courses_need_a_login(page, request, serve_args, serve_kwargs):
    """Courses are for the group's staff: anonymous visitors are sent to log in."""
    if isinstance(page, COURSE_PAGES) and not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    return None


def _in_a_live_course(document) -> bool:
    """Whether a live course page links to or embeds ``document`` (Wagtail's
    reference index records rich-text links and chooser blocks)."""
    page_ids = [
        int(object_id)
        for object_id in ReferenceIndex.get_references_to(document)
        .filter(base_content_type=ContentType.objects.get_for_model(Page))
        .values_list("object_id", flat=True)
        if object_id.isdigit()
    ]
    return Page.objects.live().type(*COURSE_PAGES).filter(pk__in=page_ids).exists()


@hooks.register("before_serve_document")
def documents_for_staff(document, request):
    """Course documents are for the group's staff, like the courses: anonymous
    visitors are sent to sign in; staff get the documents of live courses;
    those who manage documents get the documents they may choose or edit
    (drafts under review included). Anything else is 404, as for an unknown
    id, so that ids cannot be probed."""
    user = request.user
    if not user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    policy = policy_registry.get_by_type(get_document_model())
    if policy.user_has_any_permission_for_instance(
        user, ["change", "choose"], document
    ):
        return None
    if _in_a_live_course(document):
        return None
    raise Http404
