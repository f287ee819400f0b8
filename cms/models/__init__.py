"""Wagtail page types: home → catalogue → policy (one per HQ measure) → modules
and one quiz; one module per concern, import them from here.

``cms`` knows nothing of the organisation: what links a policy to staff (its
audience of positions and unit subtrees, per-position thresholds) lives in
``lms`` as inline models with a ``ParentalKey`` to :class:`PolicyPage`, shown
there by their related names.

The imports run one way: ``publishing`` (what every course page shares) ←
``module``, ``quiz`` ← ``policy`` ← ``pages``, ``versions``; ``review`` needs
``publishing`` only.
"""

from cms.models.module import ModulePage
from cms.models.pages import CatalogPage, HomePage
from cms.models.policy import PERCENT, PolicyPage
from cms.models.publishing import VERSION_PERMISSION, MaterialChange, PublicationRules
from cms.models.quiz import DrawsQuestions, QuizPage
from cms.models.review import CourseReviewTask
from cms.models.versions import PolicyVersion

__all__ = [
    "PERCENT",
    "VERSION_PERMISSION",
    "CatalogPage",
    "CourseReviewTask",
    "DrawsQuestions",
    "HomePage",
    "MaterialChange",
    "ModulePage",
    "PolicyPage",
    "PolicyVersion",
    "PublicationRules",
    "QuizPage",
]
