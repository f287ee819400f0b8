"""factory-boy factories and small builders for the organisation."""

from __future__ import annotations

import factory
from django.contrib.auth.models import Group

from lms.models import Employee, ManagerScope, OrgUnit, Position, User

DEMO_POSITIONS = {
    "counter": "营业厅柜面",
    "billing": "计费账务",
    "maintenance": "网络维护",
    "key_account": "大客户经理",
    "complaints": "投诉处理",
    "management": "管理人员",
}


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("name", locale="zh_CN")
    password = factory.django.Password("s3cret-pass")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.add(*Group.objects.filter(name__in=extracted))


class PositionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Position
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"pos{n}")
    name = factory.LazyAttribute(lambda o: DEMO_POSITIONS.get(o.code, o.code))


def unit_add(*, code: str, name: str, level: str, parent: OrgUnit | None = None):
    if parent is None:
        return OrgUnit.add_root(code=code, name=name, level=level)
    parent.refresh_from_db()
    return parent.add_child(code=code, name=name, level=level)


def build_tree() -> dict[str, OrgUnit]:
    """HQ → 广东省 (广州市: 天河区, 越秀区; 深圳市: 南山区), 北京市 (市辖区: 东城区)."""
    units: dict[str, OrgUnit] = {}
    units["HQ"] = unit_add(code="HQ", name="集团总部", level="hq")
    units["GD"] = unit_add(
        code="GD", name="广东省", level="province", parent=units["HQ"]
    )
    units["BJ"] = unit_add(
        code="BJ", name="北京市", level="province", parent=units["HQ"]
    )
    units["GZ"] = unit_add(code="GZ", name="广州市", level="city", parent=units["GD"])
    units["SZ"] = unit_add(code="SZ", name="深圳市", level="city", parent=units["GD"])
    units["BJ01"] = unit_add(
        code="BJ01", name="市辖区", level="city", parent=units["BJ"]
    )
    units["GZ-TH"] = unit_add(
        code="GZ-TH", name="天河区", level="county", parent=units["GZ"]
    )
    units["GZ-YX"] = unit_add(
        code="GZ-YX", name="越秀区", level="county", parent=units["GZ"]
    )
    units["SZ-NS"] = unit_add(
        code="SZ-NS", name="南山区", level="county", parent=units["SZ"]
    )
    units["BJ-DC"] = unit_add(
        code="BJ-DC", name="东城区", level="county", parent=units["BJ01"]
    )
    for unit in units.values():
        unit.refresh_from_db()
    return units


def demo_positions() -> dict[str, Position]:
    return {code: PositionFactory(code=code) for code in DEMO_POSITIONS}


class EmployeeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Employee

    employee_no = factory.Sequence(lambda n: f"E{n:06d}")
    name = factory.Faker("name", locale="zh_CN")
    user = factory.SubFactory(
        UserFactory,
        username=factory.SelfAttribute("..employee_no"),
        first_name=factory.SelfAttribute("..name"),
    )
    position = factory.SubFactory(PositionFactory, code="counter")
    unit = None  # pass a unit: employees always belong to one
    is_active = True


class ManagerScopeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ManagerScope

    user = factory.SubFactory(UserFactory)
    unit = None


# --- Courses (cms pages) ---------------------------------------------------------


def question(text: str, *, options=(("A", True), ("B", False)), kind="single"):
    """A question block value for a quiz's question pool."""
    if kind == "true_false":
        return {"type": "true_false", "value": {"text": text, "correct": "true"}}
    return {
        "type": kind,
        "value": {
            "text": text,
            "explanation": f"Because of {text}",
            "weight": 1,
            "options": [{"text": t, "correct": c} for t, c in options],
        },
    }


def catalogue(title: str = "服务措施"):
    from cms.models import CatalogPage, HomePage

    home = HomePage.objects.get()
    page = CatalogPage(title=title, slug=f"catalogue-{CatalogPage.objects.count()}")
    home.add_child(instance=page)
    page.save_revision().publish()
    return page


def course(
    parent,
    *,
    code: str = "SVC-2026-01",
    questions: int = 3,
    draw: int = 2,
    publish: bool = True,
    **fields,
):
    """A policy with one module and a quiz; published (children first) unless
    ``publish`` is False."""
    from cms.models import ModulePage, PolicyPage, QuizPage

    policy = PolicyPage(
        title=fields.pop("title", f"Measure {code}"),
        slug=code.lower(),
        code=code,
        summary="A measure",
        questions_per_attempt=draw,
        live=False,
        **fields,
    )
    parent.add_child(instance=policy)
    module = ModulePage(
        title="Module 1",
        slug="module-1",
        live=False,
        body=[{"type": "text", "value": "<p>Accept, handle, reply, follow up.</p>"}],
    )
    policy.add_child(instance=module)
    quiz = QuizPage(
        title="Quiz",
        slug="quiz",
        live=False,
        questions=[question(f"Q{i}") for i in range(questions)],
    )
    policy.add_child(instance=quiz)
    if publish:
        module.save_revision().publish()
        quiz.save_revision().publish()
        policy.save_revision().publish()
        policy.refresh_from_db()
    return policy
