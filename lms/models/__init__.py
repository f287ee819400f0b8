"""The tables of ``lms``, one module per concern; import them from here."""

from lms.models.activation import Activation, ActivationBatch
from lms.models.audience import (
    Assignment,
    AudiencePosition,
    AudienceUnit,
    PositionThreshold,
)
from lms.models.audit import ScopedLogEntry
from lms.models.deployment import SigningKey
from lms.models.exemptions import Exemption
from lms.models.exports import CertificateExport
from lms.models.imports import ImportJob
from lms.models.launches import ImmutableRecord, Launch, LaunchShortfall
from lms.models.learning import ModuleProgress, QuizAttempt
from lms.models.org import (
    Employee,
    ManagerScope,
    OrgUnit,
    Position,
    User,
    private_storage,
)
from lms.models.readiness import ReadinessCount
from lms.models.tokens import ApiTokenExpiry
from lms.models.webhooks import WebhookDelivery, WebhookEndpoint, WebhookEvent

__all__ = [
    "Activation",
    "ActivationBatch",
    "ApiTokenExpiry",
    "Assignment",
    "AudiencePosition",
    "AudienceUnit",
    "CertificateExport",
    "Employee",
    "Exemption",
    "ImmutableRecord",
    "ImportJob",
    "Launch",
    "LaunchShortfall",
    "ManagerScope",
    "ModuleProgress",
    "OrgUnit",
    "Position",
    "PositionThreshold",
    "QuizAttempt",
    "ReadinessCount",
    "ScopedLogEntry",
    "SigningKey",
    "User",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WebhookEvent",
    "private_storage",
]
