"""Demo data of reporting: where the merged provinces' pilot schools sat in 2024, the
indicator rollups of the whole demo, and reports at every stage of approval."""

from diemtua.core.demo_data import LOCALITIES
from diemtua.orgs import services as org_services
from diemtua.orgs.admin_units import MERGER_LAST_DAY
from diemtua.orgs.models import OrgKind, OrgUnit, PastPlacement

from . import rollup


def seed_history() -> int:
    """The pilot schools of Hà Giang and Hòa Bình were created under today's provinces; until
    30/06/2025 they reported under their old Departments (Resolution 202/2025/QH15)."""
    from diemtua.core.demo import school_code

    created = 0
    for locality in LOCALITIES:
        if locality.code_2024 == locality.today_code:
            continue
        old = OrgUnit.objects.get(
            kind=OrgKind.DEPARTMENT, code=locality.code_2024, valid_to=MERGER_LAST_DAY
        )
        for school in locality.schools:
            unit = OrgUnit.objects.filter(
                kind=OrgKind.SCHOOL,
                code=school_code(locality.code_2024, school.slug),
                valid_to__isnull=True,
            ).first()
            if unit is None or PastPlacement.objects.filter(unit=unit).exists():
                continue
            org_services.past_placement_record(
                actor=None, unit=unit, parent=old, until=MERGER_LAST_DAY
            )
            created += 1
    return created


# Principals who sign the schools' reports (believable names, not real people).
PRINCIPALS = [
    "Nguyễn Thị Thanh Hương", "Trần Văn Bình", "Lê Thị Mai", "Phạm Quốc Khánh", "Hoàng Thị Lan",
    "Vũ Đức Thắng", "Đặng Thị Hồng", "Bùi Văn Toàn", "Đỗ Thị Ngọc Anh", "Ngô Minh Tuấn",
]  # fmt: skip
NARRATIVE = {
    "primary": (
        "Trong học kỳ, tổ tư vấn duy trì giờ tiếp học sinh vào giờ ra chơi hai buổi mỗi tuần, "
        "phối hợp với giáo viên chủ nhiệm nắm bắt các em có biểu hiện buồn, thu mình. Nhà "
        "trường tổ chức sinh hoạt dưới cờ về kỹ năng tự bảo vệ bản thân và buổi họp cha mẹ học "
        "sinh về đồng hành cùng con."
    ),
    "lower_secondary": (
        "Nhà trường duy trì phòng tư vấn mở cửa các buổi chiều thứ Ba và thứ Năm, hộp thư và mã "
        "QR để học sinh gửi yêu cầu hỗ trợ. Các vấn đề học sinh quan tâm nhiều nhất là áp lực "
        "học tập, quan hệ bạn bè và mâu thuẫn trong gia đình. Tổ tư vấn phối hợp với Đội và giáo "
        "viên chủ nhiệm tổ chức chuyên đề phòng chống bắt nạt học đường."
    ),
    "upper_secondary": (
        "Tổ tư vấn tiếp nhận yêu cầu qua mã QR, trực tiếp và qua giáo viên chủ nhiệm; tổ chức "
        "chuyên đề về quản lý căng thẳng mùa thi và định hướng nghề nghiệp. Các trường hợp có "
        "nguy cơ được đánh giá, lập kế hoạch hỗ trợ và chuyển gửi cơ sở y tế khi cần, có sự đồng "
        "ý của học sinh và gia đình."
    ),
}
DIFFICULTIES = (
    "Cán bộ tư vấn kiêm nhiệm giảng dạy nên thời gian dành cho tư vấn còn hạn chế; một số cha "
    "mẹ học sinh chưa hợp tác khi được mời trao đổi."
)
PROPOSALS = (
    "Đề nghị Sở tổ chức tập huấn chuyên sâu về đánh giá nguy cơ và hỗ trợ kinh phí mua tài liệu "
    "cho phòng tư vấn."
)
RETURN_COMMENT = (
    "Đề nghị nhà trường bổ sung phần khó khăn, vướng mắc và nêu rõ số buổi sinh hoạt chuyên đề "
    "đã tổ chức trong học kỳ."
)
LAST_SEMESTER = "2025-2026-HK2"
CURRENT_SEMESTER = "2026-2027-HK1"
# (school code, what happened to its report of the last semester, submitted on, decided on).
# Hà Nội's Kim Liên and Phương Mai have no counselor yet: no report (the tracker shows it).
LAST_SEMESTER_STORY = [
    ("01-TRUNGTU", "approved", (2026, 6, 4), (2026, 6, 9)),
    ("01-LINHNAM", "approved", (2026, 6, 8), (2026, 6, 11)),
    ("01-MINHPHU", "submitted", (2026, 6, 15), None),
    ("79-KIMDONG", "approved", (2026, 6, 3), (2026, 6, 8)),
    ("79-LEQUYDON", "approved", (2026, 6, 5), (2026, 6, 8)),
    ("79-NGUYENTHIMINHKHAI", "approved", (2026, 6, 10), (2026, 6, 12)),
    ("02-LUNGCU", "approved", (2026, 6, 6), (2026, 6, 10)),
    ("02-DONGVAN", "returned", (2026, 6, 9), (2026, 6, 12)),
    ("02-CHUYENHAGIANG", "approved", (2026, 6, 2), (2026, 6, 10)),
    ("08-PHANTHIET", "approved", (2026, 6, 8), (2026, 6, 10)),
    ("08-NONGTIEN", "approved", (2026, 6, 12), (2026, 6, 15)),
    ("08-TANTRAO", "approved", (2026, 6, 4), (2026, 6, 10)),
    ("17-DONGTIEN", "submitted", (2026, 6, 9), None),
    ("17-MAICHAU", "submitted", (2026, 6, 11), None),
    ("17-HOANGVANTHU", "draft", None, None),
    ("38-DIENBIEN", "approved", (2026, 6, 3), (2026, 6, 6)),
    ("38-TRANMAININH", "approved", (2026, 6, 5), (2026, 6, 8)),
    ("38-BATHUOC", "approved", (2026, 6, 9), (2026, 6, 11)),
]
# Departments whose schools were all approved: Thanh Hóa's report approved by the Ministry,
# Hồ Chí Minh City's waiting for it.
PROVINCE_STORY = [
    ("38", "approved", (2026, 6, 18), (2026, 6, 24)),
    ("79", "submitted", (2026, 6, 19), None),
]


def _moment(parts, hour=9):
    import datetime

    from django.utils import timezone

    return timezone.make_aware(datetime.datetime(*parts, hour, 30))


def _backdate(report, submitted, decided) -> None:
    from .models import Report, ReportEvent, ReportEventKind

    stamps = {}
    if submitted:
        stamps.update(submitted_at=_moment(submitted), figures_at=_moment(submitted))
        ReportEvent.objects.filter(report=report, kind=ReportEventKind.SUBMITTED).update(
            at=_moment(submitted)
        )
    if decided:
        stamps["decided_at"] = _moment(decided, 15)
        ReportEvent.objects.filter(report=report).exclude(kind=ReportEventKind.SUBMITTED).update(
            at=_moment(decided, 15)
        )
    if stamps:
        Report.objects.filter(pk=report.pk).update(**stamps)


def _fill(report, actor, index: int, level: str):
    from . import services

    return services.report_update(
        actor=actor,
        report=report,
        number_symbol=f"{12 + index}/BC-{report.org_unit.code.split('-')[-1][:6]}",
        narrative=NARRATIVE.get(level, NARRATIVE["lower_secondary"]),
        difficulties=DIFFICULTIES if index % 3 else "",
        proposals=PROPOSALS,
        signer_name=PRINCIPALS[index % len(PRINCIPALS)],
    )


def seed_reports() -> int:
    """Reports of the last semester at every stage, two province reports, a draft of this
    semester and the Ministry's pilot evaluation in preparation."""
    from diemtua.accounts.models import User
    from diemtua.programs.models import Program

    from . import services
    from .models import PeriodKind, Report
    from .periods import get_period, program_period

    if Report.objects.exists():
        return 0
    last = get_period(PeriodKind.SEMESTER, LAST_SEMESTER)
    officers = {
        "01": "so.hanoi", "79": "so.hcm", "02": "so.tuyenquang", "08": "so.tuyenquang",
        "17": "so.phutho", "38": "so.thanhhoa",
    }  # fmt: skip
    count = 0
    for index, (code, stage, submitted, decided) in enumerate(LAST_SEMESTER_STORY):
        school = OrgUnit.objects.get(kind=OrgKind.SCHOOL, code=code, valid_to__isnull=True)
        counselor = User.objects.get(username=f"tv.{code.split('-', 1)[1].lower()}")
        officer = User.objects.get(username=officers[code[:2]])
        report = services.report_start(actor=counselor, unit=school, period=last)
        report = _fill(report, counselor, index, school.school_level)
        count += 1
        if stage == "draft":
            continue
        report = services.report_submit(actor=counselor, report=report)
        if stage == "returned":
            services.report_return(actor=officer, report=report, comment=RETURN_COMMENT)
        elif stage == "approved":
            services.report_approve(actor=officer, report=report)
        _backdate(report, submitted, decided)

    ministry_officer = User.objects.get(username="bo.vu")
    for code, stage, submitted, decided in PROVINCE_STORY:
        department = OrgUnit.objects.get(kind=OrgKind.DEPARTMENT, code=code, valid_to__isnull=True)
        officer = User.objects.get(username=officers[code])
        report = services.report_start(actor=officer, unit=department, period=last)
        report = services.report_update(
            actor=officer,
            report=report,
            number_symbol=f"{140 + count}/BC-SGDĐT",
            narrative=(
                "Các trường trong tỉnh duy trì tổ tư vấn, phòng tư vấn và kênh tiếp nhận yêu cầu "
                "hỗ trợ; Sở đã tổ chức kiểm tra, hỗ trợ chuyên môn tại các trường thí điểm và tập "
                "huấn cho cán bộ tư vấn."
            ),
            difficulties=DIFFICULTIES,
            proposals="Đề nghị Bộ sớm ban hành hướng dẫn định mức cán bộ tư vấn tại trường học.",
            signer_name="Nguyễn Văn Long" if code == "38" else "Trần Thị Phương",
        )
        report = services.report_submit(actor=officer, report=report)
        if stage == "approved":
            services.report_approve(actor=ministry_officer, report=report)
        _backdate(report, submitted, decided)
        count += 1

    # This semester: Lĩnh Nam has started its report.
    linhnam = OrgUnit.objects.get(kind=OrgKind.SCHOOL, code="01-LINHNAM", valid_to__isnull=True)
    counselor = User.objects.get(username="tv.linhnam")
    report = services.report_start(
        actor=counselor, unit=linhnam, period=get_period(PeriodKind.SEMESTER, CURRENT_SEMESTER)
    )
    _fill(report, counselor, 1, linhnam.school_level)
    count += 1

    pilot = Program.objects.filter(code="thi-diem-2024").first()
    ministry = OrgUnit.objects.get(kind=OrgKind.MINISTRY, valid_to__isnull=True)
    if pilot is not None:
        report = services.report_start(
            actor=ministry_officer, unit=ministry, period=program_period(pilot)
        )
        services.report_update(
            actor=ministry_officer,
            report=report,
            narrative=(
                "Sau 6 tháng thí điểm tại 6 địa phương, 18 trường đã thành lập tổ tư vấn, bố trí "
                "phòng hoặc góc tư vấn và cử cán bộ phụ trách; học sinh đã biết và sử dụng các "
                "kênh xin hỗ trợ."
            ),
            lessons=(
                "Sự vào cuộc của Ban giám hiệu quyết định hiệu quả; kênh xin hỗ trợ ẩn danh giúp "
                "học sinh dễ mở lời; cần quy trình phối hợp rõ với cơ sở y tế."
            ),
            proposals=(
                "Nhân rộng mô hình từ năm học 2025-2026; bố trí định mức cán bộ tư vấn chuyên "
                "trách; bồi dưỡng thường xuyên cho cán bộ kiêm nhiệm."
            ),
        )
        count += 1
    return count


def seed_reporting() -> dict[str, int]:
    placements = seed_history()
    result = rollup.refresh()
    reports = seed_reports()
    return {
        "past_placements": placements,
        "indicator_values": result["rows"],
        "reports": reports,
    }
