"""System checks of the ``certificates`` app."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.checks import Warning, register


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
