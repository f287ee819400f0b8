"""Reads that cross relations, one module per area; import them from here."""

from lms.selectors.admin import (
    AdminSummary,
    admin_summary,
    employees_annotate_for_listing,
    positions_annotate_for_listing,
    unit_parent,
    units_annotate_for_listing,
    units_parent_name,
)
from lms.selectors.scope import (
    FULL_VIEW_PERMISSION,
    audience_queryset,
    employee_for,
    employees_in_scope,
    employees_in_subtree,
    employees_visible_to,
    scope_paths_for,
    unit_lineage,
    units_in_scope,
    units_visible_to,
)
from lms.selectors.training import (
    EXPIRING_SOON_DAYS,
    TRAINING_STATE_LABELS,
    CertificateStanding,
    TrainingItem,
    TrainingState,
    certificate_standing,
    training_for,
)

__all__ = [
    "AdminSummary",
    "CertificateStanding",
    "EXPIRING_SOON_DAYS",
    "FULL_VIEW_PERMISSION",
    "TRAINING_STATE_LABELS",
    "TrainingItem",
    "TrainingState",
    "admin_summary",
    "audience_queryset",
    "certificate_standing",
    "employee_for",
    "employees_annotate_for_listing",
    "employees_in_scope",
    "employees_in_subtree",
    "employees_visible_to",
    "positions_annotate_for_listing",
    "scope_paths_for",
    "training_for",
    "unit_lineage",
    "unit_parent",
    "units_annotate_for_listing",
    "units_in_scope",
    "units_parent_name",
    "units_visible_to",
]
