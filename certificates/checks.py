"""System checks of the ``certificates`` app."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.checks import Error, Warning, register


@register()
def certificate_font(app_configs=None, **kwargs) -> list[Warning]:
    """Certificates print Chinese names: without the configured CJK font they
    fall back to a font the PDF reader must supply."""
    path = getattr(settings, "CERTIFICATE_FONT", "")
    if path and Path(path).is_file():
        return []
    return [
        Warning(
            f"The certificate font {path or '(none)'} is not installed: "
            "certificates use reportlab's built-in STSong-Light, which is not "
            "embedded, so Chinese may show in another font or not at all.",
            hint="Install Debian's fonts-wqy-microhei, or set "
            "DJANGO_CERTIFICATE_FONT to a .ttf/.otf/.ttc with CJK glyphs.",
            id="certificates.W001",
        )
    ]


@register()
def certificate_signing(app_configs=None, **kwargs) -> list[Error]:
    """A signing pair that is configured must sign: a broken key never
    silently gives unsigned PDFs."""
    from certificates.signing import SigningError, signer

    try:
        signer()
    except SigningError as error:
        return [
            Error(
                f"The certificate signing key or certificate cannot be used: {error}",
                hint="Check DJANGO_CERTIFICATE_SIGNING_KEY, "
                "DJANGO_CERTIFICATE_SIGNING_CERT and "
                "DJANGO_CERTIFICATE_SIGNING_PASSPHRASE.",
                id="certificates.E001",
            )
        ]
    return []


@register(deploy=True)
def certificate_signing_in_production(app_configs=None, **kwargs) -> list[Error]:
    """In production every certificate PDF is signed."""
    from certificates.signing import signing_configured

    if signing_configured():
        return []
    return [
        Error(
            "Certificate PDFs would not be signed: no signing key and certificate "
            "are configured.",
            hint="Set DJANGO_CERTIFICATE_SIGNING_KEY and "
            "DJANGO_CERTIFICATE_SIGNING_CERT to PEM files (README, Running in "
            "production).",
            id="certificates.E002",
        )
    ]
