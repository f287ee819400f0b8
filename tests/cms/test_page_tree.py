"""The course page tree cannot be built wrong."""

from wagtail.models import Page
from wagtail.test.utils import WagtailPageTestCase

from cms.models import CatalogPage, HomePage, ModulePage, PolicyPage, QuizPage


class CoursePageTreeTests(WagtailPageTestCase):
    def test_catalogue_goes_under_the_home_page_only(self):
        self.assertCanCreateAt(HomePage, CatalogPage)
        self.assertCanNotCreateAt(Page, CatalogPage)
        self.assertCanNotCreateAt(CatalogPage, CatalogPage)

    def test_policy_goes_in_a_catalogue_only(self):
        self.assertCanCreateAt(CatalogPage, PolicyPage)
        self.assertCanNotCreateAt(HomePage, PolicyPage)
        self.assertCanNotCreateAt(PolicyPage, PolicyPage)

    def test_modules_and_quiz_go_in_a_policy_only(self):
        self.assertAllowedSubpageTypes(PolicyPage, {ModulePage, QuizPage})
        self.assertAllowedParentPageTypes(ModulePage, {PolicyPage})
        self.assertAllowedParentPageTypes(QuizPage, {PolicyPage})
        self.assertAllowedSubpageTypes(ModulePage, set())
        self.assertAllowedSubpageTypes(QuizPage, set())

    def test_a_policy_has_one_quiz_at_most(self):
        home = HomePage.objects.get()
        catalogue = CatalogPage(title="Catalogue", slug="catalogue")
        home.add_child(instance=catalogue)
        policy = PolicyPage(title="P", slug="p", code="SVC-1", summary="s", live=False)
        catalogue.add_child(instance=policy)
        self.assertTrue(QuizPage.can_create_at(policy))
        policy.add_child(instance=QuizPage(title="Quiz", slug="quiz", live=False))
        self.assertFalse(QuizPage.can_create_at(policy))
        self.assertTrue(ModulePage.can_create_at(policy))
