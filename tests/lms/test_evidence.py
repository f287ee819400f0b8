"""The launch evidence (``lms.evidence``, ``launch_evidence``) and the public
page confirming a record (``/launches/<reference>/``)."""

from __future__ import annotations

import datetime
import io
from pathlib import Path

import pypdfium2
import pytest
import zxingcpp
from django.conf import settings
from pypdf import PdfReader

from lms.evidence import EvidenceData, evidence_pdf
from lms.models import Launch
from lms.services.launches import launch_evidence, launch_record, launch_withdraw
from tests.lms.test_launches import gate_policy, officer
from tests.lms.test_readiness import staff

FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"


def _text(pdf: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def _data(units: int, **extra) -> EvidenceData:
    return EvidenceData(
        **{
            "reference": "ABCDEFGH2345",
            "kind": "launch",
            "policy_code": "SVC-2026-01",
            "policy_title": "首问负责制",
            "version": 2,
            "unit_code": "440000",
            "unit_name": "广东省",
            "by_name": "演示上线负责人",
            "at": datetime.datetime(2027, 1, 15, 9, 30),  # noqa: DTZ001 (local time)
            "note": "首批 <b>上线</b> & more",
            "thresholds": {
                "overall": 95,
                "unit": 90,
                "unit_level": "county",
                "exemption_cap": 5,
            },
            "snapshot": {
                "scope": {
                    "code": "440000",
                    "name": "广东省",
                    "certified": 9600,
                    "assigned": 10000,
                    "percent": 96.0,
                },
                "positions": [
                    {
                        "code": "management",
                        "name": "管理人员",
                        "threshold": 100,
                        "certified": 5,
                        "assigned": 5,
                        "percent": 100.0,
                    }
                ],
                "units": [
                    {
                        "code": f"44{i:04d}",
                        "name": f"县区{i}",
                        "level": "county",
                        "certified": 96,
                        "assigned": 100,
                        "percent": 96.0,
                    }
                    for i in range(units)
                ],
            },
            "confirm_url": "https://academy.example/launches/ABCDEFGH2345/",
            **extra,
        }
    )


needs_font = pytest.mark.skipif(
    not Path(FONT).is_file(), reason="fonts-wqy-microhei is not installed"
)


@needs_font
def test_the_evidence_reads_the_record_and_every_county_across_pages():
    pdf = evidence_pdf(_data(120), font_path=FONT)
    text = _text(pdf)
    for expected in (
        "上线凭证",
        "Launch evidence",
        "ABCDEFGH2345",
        "SVC-2026-01",
        "首问负责制",
        "第 2 版",
        "440000 广东省",
        "演示上线负责人",
        "2027-01-15 09:30",
        "首批 <b>上线</b> & more",
        "总体 overall 95 %",
        "exemption cap 5 %",
        "management 管理人员",
        "440000 广东省: 9600 / 10000 (96.0 %)",
        "440119 县区119",
    ):
        assert expected in text, expected
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 4
    assert len(PdfReader(io.BytesIO(evidence_pdf(_data(3), font_path=FONT))).pages) == 1


@needs_font
def test_the_qr_code_decodes_to_the_confirmation_page():
    pdf = evidence_pdf(_data(3), font_path=FONT)
    image = pypdfium2.PdfDocument(pdf)[0].render(scale=2).to_pil()
    assert [code.text for code in zxingcpp.read_barcodes(image)] == [
        "https://academy.example/launches/ABCDEFGH2345/"
    ]


def test_a_withdrawal_says_so_and_names_the_launch():
    text = _text(
        evidence_pdf(_data(0, kind="withdrawal", withdraws="ZZZZZZZZ2222", snapshot={}))
    )
    assert "撤回上线记录" in text and "ZZZZZZZZ2222" in text and "撤回原因" in text


@pytest.mark.django_db
class TestRecords:
    @pytest.fixture
    def record(self, tree, positions):
        policy = gate_policy()
        staff(policy, tree["GZ-TH"], 10, certified=9)
        return launch_record(
            policy=policy,
            unit=tree["GZ-TH"],
            user=officer(tree["GZ"]),
            note="备注里有人名",
        )

    def test_the_admin_pdf_is_the_records_evidence(self, client, tree, record):
        client.force_login(officer(tree["GD"]))
        response = client.get(f"/admin/lms/launches/{record.reference}/pdf/")
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        text = _text(response.content)
        assert record.reference in text and "GZ-TH 天河区" in text
        assert settings.SITE_URL + f"/launches/{record.reference}/" in text
        client.force_login(officer(tree["BJ"]))
        assert (
            client.get(f"/admin/lms/launches/{record.reference}/pdf/").status_code
            == 404
        )
        assert launch_evidence(record)[:5] == b"%PDF-"

    def test_the_public_page_confirms_without_people(self, client, tree, record):
        page = client.get(f"/launches/{record.reference.lower()}/")
        assert page.status_code == 200
        html = page.content.decode()
        assert record.reference in html and "天河区" in html and "in force" in html
        assert record.by_name not in html and "备注里有人名" not in html
        assert client.get("/launches/NOSUCHRECORD/").status_code == 404
        launch_withdraw(
            policy=record.policy,
            unit=tree["GZ-TH"],
            user=officer(tree["GZ"]),
            reason="故障",
        )
        html = client.get(f"/launches/{record.reference}/").content.decode()
        assert "has since been withdrawn" in html
        withdrawal = Launch.objects.get(kind="withdrawal")
        html = client.get(f"/launches/{withdrawal.reference}/").content.decode()
        assert "withdraws a launch" in html and record.reference in html
