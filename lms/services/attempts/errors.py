"""The refusals of the attempt services: each carries a message for the
person and the HTTP status a view answers with."""

from __future__ import annotations

from datetime import datetime

from certificates.models import Certificate


class AttemptError(Exception):
    """A refusal with a message for the person (``str(error)``) and the HTTP
    status a view answers with."""

    status = 400

    def __init__(self, message: str, *, status: int | None = None):
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status


class AttemptRefused(AttemptError):
    """An attempt cannot be started, saved or submitted now."""

    status = 409

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        opens_at: datetime | None = None,
        certificate: Certificate | None = None,
    ):
        super().__init__(message, status=status)
        self.opens_at = opens_at
        self.certificate = certificate


class AnswersRejected(AttemptError):
    """The answers do not fit the attempt's draw (forged or tampered)."""

    status = 400


class AttemptNotFound(AttemptError):
    """No such attempt of this employee (another's attempts are not found)."""

    status = 404
