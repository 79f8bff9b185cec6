"""The official .docx in the Decree 30/2020 format, read back with python-docx.

The last test seeds the demo (module-scoped: it must stay last in this file, since tests after
it would see the demo's units)."""

import datetime
import io
import re

import pytest
import time_machine
from django.urls import reverse
from docx import Document
from docx.shared import Pt

from diemtua.reporting import report_content, services
from diemtua.reporting.docx import build_docx
from diemtua.reporting.indicators import all_indicators
from diemtua.reporting.indicators.base import Kind
from diemtua.reporting.models import PeriodKind, Report
from diemtua.reporting.periods import get_period
from diemtua.reporting.tests.test_approval import approve_school_a, province_report
from diemtua.reporting.tests.test_reports import (  # noqa: F401  (fake is a fixture)
    FakeIndicators,
    fake,
    semester,
)

SUBMITTED_AT = datetime.datetime(2026, 6, 5, 2, 0, tzinfo=datetime.UTC)  # 09:00 in Hà Nội
DATE_LINE = re.compile(r"^(?P<place>[^,]+), ngày (\d{2}) tháng (0[12]|[3-9]|1[0-2]) năm (\d{4})$")


def read(content: bytes):
    return Document(io.BytesIO(content))


def all_text(document) -> str:
    parts = [p.text for p in document.paragraphs]

    def cells(table):
        for row in table.rows:
            for cell in row.cells:
                yield cell.text
                for inner in cell.tables:
                    yield from cells(inner)

    for table in document.tables:
        parts += list(cells(table))
    for section in document.sections:
        parts += [p.text for p in section.header.paragraphs]
    return "\n".join(parts)


def header_cells(document):
    left, right = document.tables[0].rows[0].cells
    return [p.text for p in left.paragraphs if p.text], [p.text for p in right.paragraphs if p.text]


def signature(document):
    table = document.tables[-1]
    left, right = table.rows[0].cells
    return left, right


def school_report(world, **fields):
    counselor = world.users["counselor"]
    report = services.report_start(actor=counselor, unit=world.school_a, period=semester())
    values = {
        "narrative": "Trường tổ chức tư vấn đều đặn.\nCác lớp 6 tham gia sinh hoạt chủ đề.",
        "difficulties": "Chưa có phòng riêng.",
        "proposals": "Đề nghị hỗ trợ kinh phí.",
        "number_symbol": "05",
        "place": "Hà Nội",
        "signer_name": "Trần Văn Bình",
        "recipients": "- Như trên;\n- Phòng Giáo dục (để b/c);\n- Lưu: VT.",
    }
    values.update(fields)
    services.report_update(actor=counselor, report=report, **values)
    with time_machine.travel(SUBMITTED_AT, tick=False):
        return services.report_submit(actor=counselor, report=report)


def test_school_report_docx_has_the_decree_30_layout(world, fake):  # noqa: F811
    fake.add("help_requests_x", name="Yêu cầu hỗ trợ đã nhận (thử)")
    fake.set("help_requests_x", world.school_a, 12)
    report = school_report(world)
    document = read(build_docx(report, exact=True))

    section = document.sections[0]
    assert round(section.page_width.mm) == 210 and round(section.page_height.mm) == 297
    mm = {
        name: round(getattr(section, f"{name}_margin").mm)
        for name in ("top", "bottom", "left", "right")
    }
    assert 20 <= mm["top"] <= 25 and 20 <= mm["bottom"] <= 25
    assert 30 <= mm["left"] <= 35 and 15 <= mm["right"] <= 20

    left, right = header_cells(document)
    assert left == ["UBND PHƯỜNG ĐỐNG ĐA", "TRƯỜNG THCS LĨNH NAM", "Số: 05/BC-THCSLN"]
    assert right[:2] == ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"]
    assert right[2] == "Hà Nội, ngày 05 tháng 6 năm 2026"
    assert DATE_LINE.match(right[2])
    motto_cell = document.tables[0].rows[0].cells[1]
    national, motto = motto_cell.paragraphs[0], motto_cell.paragraphs[1]
    assert national.runs[0].bold and Pt(12) <= national.runs[0].font.size <= Pt(13)
    assert motto.runs[0].bold and Pt(13) <= motto.runs[0].font.size <= Pt(14)
    date_run = next(p for p in motto_cell.paragraphs if p.text == right[2]).runs[0]
    assert date_run.italic
    issuing = document.tables[0].rows[0].cells[0].paragraphs[1].runs[0]
    assert issuing.bold and not document.tables[0].rows[0].cells[0].paragraphs[0].runs[0].bold

    texts = [p.text for p in document.paragraphs]
    title = next(p for p in document.paragraphs if p.text == "BÁO CÁO")
    assert title.runs[0].bold and title.alignment == 1  # centred
    summary = texts[texts.index("BÁO CÁO") + 1]
    assert summary.startswith("Kết quả công tác tư vấn tâm lý, công tác xã hội trong trường học")
    assert "học kỳ II năm học 2025-2026" in summary
    assert "Kính gửi: Ủy ban nhân dân phường Đống Đa" in texts
    assert "I. TÌNH HÌNH THỰC HIỆN" in texts and "IV. ĐỀ XUẤT, KIẾN NGHỊ" in texts
    body = next(p for p in document.paragraphs if p.text == "Trường tổ chức tư vấn đều đặn.")
    assert body.alignment == 3 and body.paragraph_format.first_line_indent > 0  # justified
    assert body.runs[0].font.size == Pt(14)

    # The figures are a table: the exact count for the school's own staff.
    figures = [t for t in document.tables[1:-1]]
    rows = {r.cells[0].text: r.cells[-1].text for t in figures for r in t.rows}
    assert rows["Yêu cầu hỗ trợ đã nhận (thử)"] == "12"

    recipients, signer = signature(document)
    lines = [p for p in recipients.paragraphs if p.text]
    assert lines[0].text == "Nơi nhận:" and lines[0].runs[0].bold and lines[0].runs[0].italic
    assert lines[0].runs[0].font.size == Pt(12)
    assert [p.text for p in lines[1:]] == [
        "- Như trên;",
        "- Phòng Giáo dục (để b/c);",
        "- Lưu: VT.",
    ]
    assert all(p.runs[0].font.size == Pt(11) for p in lines[1:])
    signed = [p for p in signer.paragraphs if p.text]
    assert signed[0].text == "HIỆU TRƯỞNG" and signed[0].runs[0].bold
    assert signed[-1].text == "Trần Văn Bình" and signed[-1].runs[0].bold

    # Times New Roman everywhere it is set, and as the default.
    assert document.styles["Normal"].font.name == "Times New Roman"
    fonts = {run.font.name for p in document.paragraphs for run in p.runs}
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                fonts |= {run.font.name for p in cell.paragraphs for run in p.runs}
    assert fonts <= {"Times New Roman", None} and "Times New Roman" in fonts


def test_province_report_docx_header_and_signer(world, fake):  # noqa: F811
    approve_school_a(world)
    officer = world.users["department_officer"]
    report = province_report(world)
    services.report_update(
        actor=officer, report=report, signer_title="KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC", number_symbol=""
    )
    report = services.report_submit(actor=officer, report=report)
    document = read(build_docx(report, exact=False))
    left, right = header_cells(document)
    assert left[:2] == ["UBND THÀNH PHỐ HÀ NỘI", "SỞ GIÁO DỤC VÀ ĐÀO TẠO"]
    assert re.fullmatch(r"Số: +/BC-SGDĐT", left[2])  # the clerk writes the number in
    assert DATE_LINE.match(right[2]).group("place") == "Hà Nội"
    texts = [p.text for p in document.paragraphs]
    assert "Kính gửi: Bộ Giáo dục và Đào tạo" in texts
    assert any("trên địa bàn thành phố Hà Nội" in t for t in texts)
    _recipients, signer = signature(document)
    signed = [p.text for p in signer.paragraphs if p.text]
    assert signed == ["KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC", "Phạm Sở"]


def test_a_province_docx_is_headed_by_its_peoples_committee(world):
    officer = world.users["department_officer_b"]
    report = services.report_start(actor=officer, unit=world.dept_b, period=semester())
    left, _right = header_cells(read(build_docx(report, exact=False)))
    assert left[0] == "UBND TỈNH THANH HÓA"
    assert report.signer_title == "GIÁM ĐỐC" and report.place == "Thanh Hóa"


def test_decree_date_pads_days_and_the_first_two_months_only():
    assert report_content.decree_date(datetime.date(2027, 2, 5), "Tuyên Quang") == (
        "Tuyên Quang, ngày 05 tháng 02 năm 2027"
    )
    assert report_content.decree_date(datetime.date(2026, 11, 25), "Hà Nội") == (
        "Hà Nội, ngày 25 tháng 11 năm 2026"
    )
    assert report_content.decree_date(datetime.date(2026, 3, 9), "Hà Nội").endswith(
        "ngày 09 tháng 3 năm 2026"
    )


def test_officers_copy_hides_small_counts_the_schools_copy_does_not(world, fake):  # noqa: F811
    fake.add("help_requests_x", name="Yêu cầu hỗ trợ đã nhận (thử)")
    fake.add("staff_x", name="Cán bộ được tập huấn (thử)", sensitive=False)
    fake.set("help_requests_x", world.school_a, 3)
    fake.set("staff_x", world.school_a, 2)
    report = school_report(world)

    def figures(document):
        return {r.cells[0].text: r.cells[-1].text for t in document.tables[1:-1] for r in t.rows}

    school = figures(read(build_docx(report, exact=True)))
    officer = figures(read(build_docx(report, exact=False)))
    assert school["Yêu cầu hỗ trợ đã nhận (thử)"] == "3"
    assert officer["Yêu cầu hỗ trợ đã nhận (thử)"] == "<5"
    assert officer["Cán bộ được tập huấn (thử)"] == "2"  # staff are not children


def test_the_docx_export_uses_the_requesters_view(world, client, fake, settings, tmp_path):  # noqa: F811
    """Through the export job: the department officer's file is suppressed."""
    settings.STORAGES = {
        **settings.STORAGES,
        "uploads": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path, "base_url": None},
        },
    }
    fake.add("help_requests_x", name="Yêu cầu hỗ trợ đã nhận (thử)")
    fake.set("help_requests_x", world.school_a, 4)
    report = school_report(world)
    client.force_login(world.users["department_officer"])
    response = client.post(reverse("report_docx", kwargs={"pk": report.pk}))
    job_url = response["Location"]
    from diemtua.reporting import exports
    from diemtua.reporting.models import ExportJob

    job = exports.run(ExportJob.objects.get().pk)
    assert job.status == "done", job.error
    download = client.get(reverse("export_download", kwargs={"pk": job.pk}))
    document = read(b"".join(download.streaming_content))
    text = all_text(document)
    assert "<5" in text
    assert client.get(job_url).status_code == 200


# --- on the demo data (keep last: the demo stays loaded until the end of this module) --------


SMALL = re.compile(r"^[1-4]$")


def _allowed_small_labels() -> list[str]:
    """Rows where a number from 1 to 4 is not a count of children: amounts, medians, and
    counts of staff, schools or visits."""
    return [
        str(ind.name) for ind in all_indicators() if ind.kind != Kind.COUNT or not ind.sensitive
    ]


@pytest.mark.django_db
def test_department_officers_copy_of_a_demo_school_report_shows_no_small_count_and_no_name(
    seeded_demo, monkeypatch
):
    from diemtua.accounts.models import User
    from diemtua.orgs.models import OrgUnit
    from diemtua.students.models import Student

    fake_small = FakeIndicators(monkeypatch, extra_registry=True)
    fake_small.add("demo_small_x", name="Học sinh được hỗ trợ đặc biệt (thử)")
    school = OrgUnit.objects.get(kind="school", code="01-LINHNAM")
    fake_small.set("demo_small_x", school, 2)
    counselor = User.objects.get(username="tv.linhnam")
    officer = User.objects.get(username="so.hanoi")
    period = get_period(PeriodKind.SEMESTER, "2026-2027-HK1")
    report = services.report_start(actor=counselor, unit=school, period=period)
    report = services.report_update(
        actor=counselor,
        report=report,
        narrative="Học kỳ I: tư vấn cá nhân và nhóm cho học sinh các khối.",
        signer_name="Nguyễn Thị Lan",
    )
    report = services.report_submit(actor=counselor, report=report)
    assert Report.objects.filter(pk=report.pk, status="submitted").exists()

    from diemtua.reporting import access

    assert not access.sees_exact(officer, school)
    document = read(build_docx(report, exact=access.sees_exact(officer, school)))
    allowed = _allowed_small_labels()
    small_cells = []
    for table in document.tables[1:-1]:
        for row in table.rows[1:]:
            label, *values = [cell.text for cell in row.cells]
            if any(label.startswith(name) for name in allowed):
                continue
            small_cells += [(label, v) for v in values if SMALL.match(v.strip())]
    assert small_cells == []
    officer_rows = {
        r.cells[0].text: r.cells[-1].text for t in document.tables[1:-1] for r in t.rows
    }
    assert officer_rows["Học sinh được hỗ trợ đặc biệt (thử)"] == "<5"

    text = all_text(document)
    names = list(Student.objects.values_list("full_name", flat=True))
    assert len(names) > 50
    assert [name for name in names if name in text] == []

    # The school's own copy is exact (the same figure, unhidden).
    exact = read(build_docx(report, exact=True))
    exact_rows = {r.cells[0].text: r.cells[-1].text for t in exact.tables[1:-1] for r in t.rows}
    assert exact_rows["Học sinh được hỗ trợ đặc biệt (thử)"] == "2"
