"""Signed certificate PDFs: PAdES B-B signatures with pyHanko.

When a signing key and its X.509 certificate are configured
(``CERTIFICATE_SIGNING_KEY``, ``CERTIFICATE_SIGNING_CERT``, PEM files; an
optional ``CERTIFICATE_SIGNING_PASSPHRASE``), every certificate PDF is signed
when it is rendered, so a PDF reader shows who issued it and that it has not
been altered since. The demo makes a self-signed pair
(:func:`signing_pair_create`); production uses one issued by the group's CA.
``certificates.checks`` refuses a configured pair that cannot sign, and, in
``check --deploy``, a production without one.
"""

from __future__ import annotations

import datetime
import functools
import io
from pathlib import Path

from django.conf import settings

SIGNATURE_FIELD = "RolloutAcademyCertificate"


class SigningError(Exception):
    """The configured key or certificate cannot sign."""


def signing_configured() -> bool:
    key = getattr(settings, "CERTIFICATE_SIGNING_KEY", "")
    cert = getattr(settings, "CERTIFICATE_SIGNING_CERT", "")
    return bool(key and cert and Path(key).is_file() and Path(cert).is_file())


@functools.cache
def _signer(key: str, cert: str, passphrase: str | None):
    from pyhanko.sign import signers

    try:
        signer = signers.SimpleSigner.load(
            key, cert, key_passphrase=passphrase.encode() if passphrase else None
        )
    except Exception as error:  # pyHanko and cryptography raise many kinds
        raise SigningError(f"{type(error).__name__}: {error}") from error
    if signer is None:
        raise SigningError(f"cannot load the key {key} or the certificate {cert}")
    return signer


def signer():
    """The configured signer, or ``None`` when signing is not configured.
    Raises :class:`SigningError` for a pair that cannot be loaded."""
    if not signing_configured():
        return None
    return _signer(
        settings.CERTIFICATE_SIGNING_KEY,
        settings.CERTIFICATE_SIGNING_CERT,
        getattr(settings, "CERTIFICATE_SIGNING_PASSPHRASE", "") or None,
    )


def pdf_sign(data: bytes, *, reason: str, location: str = "") -> bytes:
    """``data`` (a PDF) with a PAdES B-B signature by the configured key, or
    unchanged when no key is configured."""
    configured = signer()
    if configured is None:
        return data
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    metadata = signers.PdfSignatureMetadata(
        field_name=SIGNATURE_FIELD,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason,
        location=location or None,
    )
    output = io.BytesIO()
    # The signature's room is reserved up front: pyHanko would otherwise sign
    # once more first, to learn its size (half of the cost).
    signers.sign_pdf(
        writer, metadata, signer=configured, output=output, bytes_reserved=16_384
    )
    return output.getvalue()


def signing_pair_create(*, key_path: Path, cert_path: Path, issuer: str) -> None:
    """Write a new self-signed signing pair (an EC P-256 key and a
    certificate valid ten years) for a demo or a test installation."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, f"{issuer} (demo signing key)"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, issuer),
        ]
    )
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    key_path.parent.mkdir(parents=True, exist_ok=True)
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key_path.chmod(0o600)
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
