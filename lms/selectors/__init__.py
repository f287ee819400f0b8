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
from lms.selectors.certificates import accepted_certificates, certificate_accepted
from lms.selectors.scope import (
    FULL_VIEW_PERMISSION,
    audience_queryset,
    employee_for,
    employees_in_scope,
    employees_in_subtree,
    employees_visible_to,
    scope_paths_for,
    unit_lineage,
    unit_visible_to,
    units_in_scope,
    units_visible_to,
)
from lms.selectors.standing import (
    EXPIRING_SOON_DAYS,
    TRAINING_STATE_LABELS,
    CertificateState,
    Standing,
    TrainingState,
    standing_for,
    standings_for,
)

__all__ = [
    "AdminSummary",
    "CertificateState",
    "EXPIRING_SOON_DAYS",
    "FULL_VIEW_PERMISSION",
    "TRAINING_STATE_LABELS",
    "Standing",
    "TrainingState",
    "admin_summary",
    "audience_queryset",
    "accepted_certificates",
    "certificate_accepted",
    "employee_for",
    "employees_annotate_for_listing",
    "employees_in_scope",
    "employees_in_subtree",
    "employees_visible_to",
    "positions_annotate_for_listing",
    "scope_paths_for",
    "standing_for",
    "standings_for",
    "unit_lineage",
    "unit_parent",
    "unit_visible_to",
    "units_annotate_for_listing",
    "units_in_scope",
    "units_parent_name",
    "units_visible_to",
]
