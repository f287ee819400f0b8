"""The certificate PDF (``certificates.pdf``): what a reader, a scanner and a
PDF library find in it."""

from __future__ import annotations

import io
from pathlib import Path

import pypdfium2
import pytest
import zxingcpp
from pypdf import PdfReader

from bench.certificates import sample_data
from certificates.pdf import CertificateData, certificate_pdf

FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
needs_font = pytest.mark.skipif(
    not Path(FONT).is_file(), reason="fonts-wqy-microhei is not installed"
)

DATA = sample_data()


def _text(pdf: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def _fonts(pdf: bytes) -> list[dict]:
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    fonts = page["/Resources"]["/Font"]
    return [fonts[name].get_object() for name in fonts]


@needs_font
def test_the_pdf_reads_the_holder_the_measure_the_dates_and_the_serial():
    pdf = certificate_pdf(DATA, font_path=FONT)
    text = _text(pdf)
    for expected in (
        "王小明",
        "广东省",
        "天河区",
        "首问负责制",
        "SVC-2026-01",
        "version 2",
        "2026-12-02",
        "2028-12-02",
        "RA-0123-4567-89AB-CDEF-X",
        "培训合格证书",
        "Certificate of training",
    ):
        assert expected in text, expected
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1


@needs_font
def test_the_cjk_font_is_embedded_as_a_subset():
    pdf = certificate_pdf(DATA, font_path=FONT)
    embedded = []
    for font in _fonts(pdf):
        for descendant in font.get("/DescendantFonts", [font]):
            descriptor = descendant.get_object().get("/FontDescriptor")
            if descriptor and "/FontFile2" in descriptor.get_object():
                embedded.append(str(descendant.get_object()["/BaseFont"]))
    assert embedded, "no embedded font"
    assert len(pdf) < 80_000  # a subset, not the 5 MB collection


def test_without_the_font_the_pdf_uses_the_builtin_cid_font_and_still_renders():
    pdf = certificate_pdf(DATA, font_path="/nonexistent/font.ttc")
    names = [str(font.get("/BaseFont")) for font in _fonts(pdf)]
    assert any("STSong-Light" in name for name in names)
    assert "SVC-2026-01" in _text(pdf)


@needs_font
def test_the_qr_code_decodes_to_the_verification_url():
    pdf = certificate_pdf(DATA, font_path=FONT)
    document = pypdfium2.PdfDocument(pdf)
    image = document[0].render(scale=2).to_pil()
    codes = zxingcpp.read_barcodes(image)
    assert [code.text for code in codes] == [DATA.verify_url]


@needs_font
def test_a_certificate_without_expiry_says_so():
    data = CertificateData(**{**DATA.__dict__, "expires_on": None})
    text = _text(certificate_pdf(data, font_path=FONT))
    assert "长期有效" in text and "does not expire" in text
