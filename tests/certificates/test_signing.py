"""Signed certificate PDFs (``certificates.signing``): a PDF reader, or
pyHanko here, sees who signed and that nothing changed since."""

from __future__ import annotations

import io

import pytest
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from certificates.pdf import certificate_pdf
from certificates.signing import SIGNATURE_FIELD, pdf_sign, signing_pair_create
from tests.certificates.test_pdf import DATA


@pytest.fixture
def pair(settings, tmp_path):
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    signing_pair_create(key_path=key, cert_path=cert, issuer="Rollout Academy")
    settings.CERTIFICATE_SIGNING_KEY = str(key)
    settings.CERTIFICATE_SIGNING_CERT = str(cert)
    return cert


def _status(data: bytes, cert_path):
    reader = PdfFileReader(io.BytesIO(data))
    [signature] = reader.embedded_signatures
    context = ValidationContext(trust_roots=[load_cert_from_pemder(str(cert_path))])
    return signature, validate_pdf_signature(signature, context)


def test_a_signed_certificate_validates_and_names_its_signer(pair):
    signed = pdf_sign(certificate_pdf(DATA), reason="SVC-2026-01 v2")
    signature, status = _status(signed, pair)
    assert signature.field_name == SIGNATURE_FIELD
    assert status.intact and status.valid and status.trusted
    assert status.coverage.name == "ENTIRE_FILE"
    assert "Rollout Academy" in status.signing_cert.subject.human_friendly


def test_one_changed_byte_breaks_the_signature(pair):
    signed = bytearray(pdf_sign(certificate_pdf(DATA), reason="x"))
    position = signed.index(b"SVC-2026-01") if b"SVC-2026-01" in signed else 200
    signed[position] ^= 0x01
    try:
        _signature, status = _status(bytes(signed), pair)
    except Exception:  # noqa: BLE001 — an unreadable file fails too
        return
    assert not (status.intact and status.valid)


def test_without_a_pair_the_pdf_is_left_unsigned(settings, tmp_path):
    settings.CERTIFICATE_SIGNING_KEY = str(tmp_path / "missing.pem")
    data = certificate_pdf(DATA)
    assert pdf_sign(data, reason="x") == data
