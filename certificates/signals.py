"""Signals the ``certificates`` app sends, for apps that build on it.

``certificate_revoking`` is sent inside the revocation's transaction, before
the certificate stops counting, with ``policy_id``: ``lms`` takes the
policy's readiness lock there, so a revocation and a launch of that policy
take turns (``lms.services.locks``) without ``certificates`` knowing ``lms``.
"""

from django.dispatch import Signal

certificate_revoking = Signal()
