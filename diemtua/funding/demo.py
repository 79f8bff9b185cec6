"""Demo budget lines: the 2024 pilot (the Ministry's training and supervision, each pilot
Department's lines, one from a sponsor) and Hà Nội's 2025–2026 lines, partly spent.

Idempotent: a line is identified by its unit, fiscal year and title. Amounts are believable,
not real records; the sponsored line says "nguồn tài trợ" and names no real grant. Lines link
to the programs "thi-diem-2024" and "tt18-2025-2026" when programs/demo.py seeded them.
"""

import datetime
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Q

from diemtua.accounts.models import User
from diemtua.core import uploads
from diemtua.core.demo import school_code
from diemtua.core.demo_data import LOCALITIES
from diemtua.orgs.admin_units import MINISTRY_CODE
from diemtua.orgs.models import OrgKind, OrgUnit
from diemtua.programs.models import Program

from . import services
from .models import BudgetAttachment, BudgetLine, Purpose, Source

M = 1_000_000  # amounts below are in millions of đồng

MINISTRY_2024 = [
    ("Tập huấn, bồi dưỡng cán bộ phụ trách CTXH, TVTL các trường thí điểm (06/2024)",
     Purpose.TRAINING, 850, 820, 812),
    ("Khảo sát, kiểm tra, giám sát, hỗ trợ triển khai thí điểm tại 6 địa phương",
     Purpose.SUPERVISION, 420, 400, 386),
    ("Tổ chức trao đổi, học tập kinh nghiệm giữa các trường thí điểm",
     Purpose.TRAINING, 180, 175, 171),
]  # fmt: skip
DEPARTMENT_2024 = [
    ("Trang bị phòng tư vấn tâm lý tại 3 trường thí điểm", Purpose.EQUIPMENT, 150, 146, 146),
    ("Truyền thông về mô hình CTXH, TVTL trường học", Purpose.COMMUNICATION, 60, 55, 52),
    ("Hỗ trợ cán bộ phụ trách CTXH, TVTL tại trường thí điểm", Purpose.ALLOWANCE, 54, 54, 54),
]
HANOI_LATER = [
    (2025, "Tập huấn triển khai Thông tư 18/2025 cho cán bộ tư vấn học đường",
     Purpose.TRAINING, 300, 250, 180),
    (2025, "Kiểm tra, giám sát công tác tư vấn học đường năm học 2025–2026",
     Purpose.SUPERVISION, 120, 60, 35),
    (2026, "Trang bị phòng tư vấn học đường cho các trường THPT công lập",
     Purpose.EQUIPMENT, 500, 120, 0),
]  # fmt: skip


def _department_as_in_2024(code: str) -> OrgUnit | None:
    """The Department as it was in 2024 (Hà Giang, Hòa Bình ended on 30/06/2025)."""
    in_2024 = (Q(valid_to__isnull=True) | Q(valid_to__gte=datetime.date(2024, 1, 1))) & (
        Q(valid_from__isnull=True) | Q(valid_from__lte=datetime.date(2024, 12, 31))
    )
    return OrgUnit.objects.filter(in_2024, kind=OrgKind.DEPARTMENT, code=code).first()


def _program(code: str, unit: OrgUnit):
    from .selectors import programs_for_unit

    program = Program.objects.filter(code=code).first()
    if program is None or not programs_for_unit(unit).filter(pk=program.pk).exists():
        return None
    return program


def _line(actor, unit, year, title, purpose, amounts, *, source=Source.STATE, detail="",
          program=None, note="") -> BudgetLine | None:  # fmt: skip
    existing = BudgetLine.objects.filter(unit=unit, fiscal_year=year, title=title).first()
    if existing or actor is None:
        return None
    planned, committed, spent = (Decimal(a * M) for a in amounts)
    return services.budget_line_create(
        actor=actor, unit=unit, program=program, fiscal_year=year, source=source,
        source_detail=detail, purpose=purpose, title=title, planned=planned,
        committed=committed, spent=spent, note=note,
    )  # fmt: skip


def _estimate_pdf() -> bytes:
    from diemtua.awards.demo import simple_pdf

    return simple_pdf(
        "Dự toán kinh phí tập huấn tháng 6/2024 (demo)",
        [
            "Bộ Giáo dục và Đào tạo – Vụ Giáo dục Chính trị và Công tác học sinh, sinh viên",
            "Tập huấn, bồi dưỡng cán bộ phụ trách công tác xã hội, tư vấn tâm lý",
            "của 18 trường thí điểm tại 6 địa phương.",
            "Tổng dự toán: 850.000.000 đồng (tài liệu minh họa, không phải số liệu thật).",
        ],
    )


def _attach(line: BudgetLine, actor) -> None:
    original, stored = "du-toan-tap-huan-06-2024.pdf", "funding/demo-du-toan-tap-huan-2024.pdf"
    if BudgetAttachment.objects.filter(stored_name=stored).exists():
        return
    content = _estimate_pdf()
    upload = SimpleUploadedFile(original, content)
    kind = uploads.check_upload(upload, allowed=services.ALLOWED_FILES)
    storage = uploads.storage()
    if not storage.exists(stored):
        stored = storage.save(stored, upload)
    BudgetAttachment.objects.create(
        line=line, stored_name=stored, original_name=original, file_kind=kind.code,
        content_type=kind.content_type, size=len(content), uploaded_by=actor,
    )  # fmt: skip


def seed_funding() -> int:
    """Budget lines of the demo world; returns how many were created."""
    users = {u.username: u for u in User.objects.filter(username__in=_logins())}
    created = 0
    ministry = OrgUnit.objects.filter(kind=OrgKind.MINISTRY, code=MINISTRY_CODE).first()
    if ministry is not None and "bo.vu" in users:
        pilot = _program("thi-diem-2024", ministry)
        for title, purpose, *amounts in MINISTRY_2024:
            line = _line(users["bo.vu"], ministry, 2024, title, purpose, amounts, program=pilot)
            created += line is not None
        first = BudgetLine.objects.filter(unit=ministry, title=MINISTRY_2024[0][0]).first()
        if first is not None:
            _attach(first, users["bo.vu"])
    for locality in LOCALITIES:
        unit = _department_as_in_2024(locality.code_2024)
        actor = users.get(locality.officer)
        if unit is None or actor is None:
            continue
        pilot = _program("thi-diem-2024", unit)
        for title, purpose, *amounts in DEPARTMENT_2024:
            created += _line(actor, unit, 2024, title, purpose, amounts, program=pilot) is not None
        if locality.code_2024 == "38":
            line = _line(
                actor, unit, 2024, "Truyền thông phòng chống bạo lực học đường, hỗ trợ tâm lý "
                "học sinh", Purpose.COMMUNICATION, (80, 80, 72), source=Source.MOBILISED,
                detail="Nguồn tài trợ của tổ chức quốc tế (minh họa)", program=pilot,
                note="Nguồn ngoài ngân sách nhà nước, huy động theo chỉ đạo của tỉnh.",
            )  # fmt: skip
            created += line is not None
    hanoi = OrgUnit.objects.filter(kind=OrgKind.DEPARTMENT, code="01", valid_to=None).first()
    if hanoi is not None and "so.hanoi" in users:
        later = _program("tt18-2025-2026", hanoi)
        for year, title, purpose, *amounts in HANOI_LATER:
            line = _line(users["so.hanoi"], hanoi, year, title, purpose, amounts, program=later)
            created += line is not None
    trungtu = OrgUnit.objects.filter(
        kind=OrgKind.SCHOOL, code=school_code("01", "trungtu"), valid_to=None
    ).first()
    if trungtu is not None and "bgh.trungtu" in users:
        line = _line(
            users["bgh.trungtu"], trungtu, 2025, "Sắp xếp, trang bị phòng tư vấn học đường",
            Purpose.EQUIPMENT, (45, 45, 38), source=Source.MOBILISED,
            detail="Xã hội hóa: đóng góp tự nguyện của Ban đại diện cha mẹ học sinh",
        )  # fmt: skip
        created += line is not None
    return created


def _logins() -> list[str]:
    return ["bo.vu", "so.hanoi", "bgh.trungtu", *{loc.officer for loc in LOCALITIES}]
