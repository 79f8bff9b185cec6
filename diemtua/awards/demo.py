"""Demo evaluation and awards: the Ministry's end-of-pilot evaluation of the 18 pilot schools
(08/2024), nominations for two schools and two staff members, and one commendation decision
of the Ministry (09/2024) with a generated PDF.

Idempotent: the set is found by its unit and title, evaluations by their subject, nominations
by subject and award, the decision by its number. Scores come from a generator seeded per
school. The decision's number and text are illustrations, not a real document.
"""

import datetime
import random
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile

from diemtua.accounts.models import User
from diemtua.core.demo import school_code
from diemtua.core.demo_data import LOCALITIES
from diemtua.orgs.admin_units import MINISTRY_CODE
from diemtua.orgs.models import OrgKind, OrgUnit
from diemtua.programs.models import Program

from . import services
from .models import (
    AwardDecision,
    CriteriaSet,
    DecisionDocument,
    Evaluation,
    Evidence,
    Nomination,
    SetStatus,
    SubjectKind,
)

SET_TITLE = "Đánh giá kết quả thí điểm mô hình CTXH và tư vấn tâm lý trường học năm 2024"
# Themes Circular 18/2025/TT-BGDĐT later set out for school counseling and social work.
CRITERIA = [
    ("TC1", "Thành lập tổ tư vấn học đường; phân công và bồi dưỡng cán bộ phụ trách", 15,
     Evidence.STAFF_TRAINED),
    ("TC2", "Bố trí phòng tư vấn riêng, bảo đảm kín đáo, an toàn", 10, ""),
    ("TC3", "Kế hoạch tư vấn, công tác xã hội được ban hành và thực hiện", 10, ""),
    ("TC4", "Hoạt động giáo dục, truyền thông, chuyên đề theo 7 nhóm nội dung", 20, ""),
    ("TC5", "Tư vấn cá nhân, nhóm; hồ sơ được ghi chép, lưu giữ, bảo mật", 20, ""),
    ("TC6", "Phối hợp với gia đình, y tế, các tổ chức; chuyển gửi kịp thời", 10, ""),
    ("TC7", "Kết quả khảo sát, kiểm tra, giám sát, hỗ trợ", 15, Evidence.VISITS),
]  # fmt: skip
EVALUATED_ON = datetime.date(2024, 8, 20)
NOMINATED_ON = datetime.date(2024, 9, 5)
DECISION_NUMBER = "2468/QĐ-BGDĐT"
DECISION_DATE = datetime.date(2024, 9, 25)
MINISTER_AWARD = "Bằng khen của Bộ trưởng Bộ Giáo dục và Đào tạo"
DOCUMENT = "qd-khen-thuong-thi-diem-2024.pdf"


def simple_pdf(title: str, lines: list[str]) -> bytes:
    """A one-page A4 PDF in Be Vietnam Pro (fpdf2, no network): a stand-in document."""
    from fpdf import FPDF

    from diemtua.cases.poster import FONT, _fonts

    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_title(title)
    pdf.set_creator("Điểm Tựa")
    for style, path in _fonts().items():
        pdf.add_font(FONT, style=style, fname=path)
    pdf.add_page()
    pdf.set_font(FONT, "B", 14)
    pdf.multi_cell(0, 8, title, align="C")
    pdf.ln(4)
    pdf.set_font(FONT, "", 11)
    for line in lines:
        pdf.multi_cell(0, 6, line)
        pdf.ln(1)
    return bytes(pdf.output())


def _schools() -> list[tuple[OrgUnit, User | None]]:
    rows = []
    for locality in LOCALITIES:
        for school in locality.schools:
            unit = OrgUnit.objects.filter(
                kind=OrgKind.SCHOOL, code=school_code(locality.code_2024, school.slug)
            ).first()
            if unit is not None:
                rows.append((unit, User.objects.filter(username=f"tv.{school.slug}").first()))
    return rows


def _criteria_set(actor, ministry) -> CriteriaSet:
    existing = CriteriaSet.objects.filter(owner=ministry, title=SET_TITLE).first()
    if existing:
        return existing
    return services.criteria_set_create(
        actor=actor,
        owner=ministry,
        program=Program.objects.filter(code="thi-diem-2024").first(),
        title=SET_TITLE,
        subject_kind=SubjectKind.UNIT,
        description=(
            "Đánh giá cuối đợt thí điểm (02–08/2024). Tiêu chí theo các nội dung mà Thông tư "
            "18/2025/TT-BGDĐT quy định về tư vấn tâm lý, công tác xã hội trường học."
        ),
        criteria=[
            {"code": c, "text": t, "max_points": m, "evidence": e} for c, t, m, e in CRITERIA
        ],
    )


def _evaluate(actor, criteria_set, schools) -> int:
    created = 0
    criteria = list(criteria_set.criteria.all())
    for unit, _counselor in schools:
        if Evaluation.objects.filter(criteria_set=criteria_set, subject_unit=unit).exists():
            continue
        rng = random.Random(f"awards:{unit.code}")  # noqa: S311 (demo scores)
        scores = {
            c.pk: (Decimal(round(c.max_points * rng.uniform(0.62, 0.98) * 2) / 2), "")
            for c in criteria
        }
        services.evaluation_save(
            actor=actor,
            criteria_set=criteria_set,
            subject_unit=unit,
            evaluated_on=EVALUATED_ON,
            scores=scores,
            comment="Hoàn thành các nội dung thí điểm theo kế hoạch.",
        )
        created += 1
    return created


def _nominate(actor, ministry, criteria_set, schools) -> list[Nomination]:
    best = list(criteria_set.evaluations.select_related("subject_unit").order_by("-total")[:2])
    counselors = {unit.pk: user for unit, user in schools}
    wanted = [(e, e.subject_unit, "", None) for e in best]
    for evaluation in best:
        user = counselors.get(evaluation.subject_unit_id)
        if user is not None:
            wanted.append((None, evaluation.subject_unit, user.full_name, user))
    nominations = []
    for evaluation, unit, person_name, person_user in wanted:
        existing = Nomination.objects.filter(
            nominating_unit=ministry, subject_unit=unit, person_name=person_name,
            award_title=MINISTER_AWARD,
        ).first()  # fmt: skip
        if existing is None:
            existing = services.nomination_create(
                actor=actor,
                nominating_unit=ministry,
                subject_kind=SubjectKind.PERSON if person_name else SubjectKind.UNIT,
                subject_unit=unit,
                person_name=person_name,
                person_user=person_user,
                evaluation=evaluation,
                program=criteria_set.program,
                award_title=MINISTER_AWARD,
                reason=(
                    "Cán bộ phụ trách tư vấn tâm lý, công tác xã hội có thành tích xuất sắc "
                    "trong đợt thí điểm năm 2024."
                    if person_name
                    else "Trường thí điểm đạt kết quả đánh giá cao nhất đợt thí điểm năm 2024."
                ),
                nominated_on=NOMINATED_ON,
            )
        nominations.append(existing)
    return nominations


def _decide(actor, ministry, nominations) -> bool:
    if AwardDecision.objects.filter(issuing_unit=ministry, number=DECISION_NUMBER).exists():
        return False
    # Three of the four are approved; the last stays a proposal, to show both states.
    approve = [n for n in nominations if n.status == "proposed"][:3]
    if not approve:
        return False
    original = DOCUMENT
    names = "; ".join(n.subject_label for n in approve)
    content = simple_pdf(
        "QUYẾT ĐỊNH Về việc tặng Bằng khen của Bộ trưởng Bộ Giáo dục và Đào tạo (demo)",
        [
            f"Số: {DECISION_NUMBER}, Hà Nội, ngày 25 tháng 9 năm 2024.",
            "Tặng Bằng khen của Bộ trưởng Bộ Giáo dục và Đào tạo cho các tập thể, cá nhân có "
            "thành tích trong thực hiện thí điểm mô hình cung cấp dịch vụ công tác xã hội và tư "
            "vấn tâm lý trường học năm 2024:",
            names,
            "Văn bản minh họa do hệ thống tạo cho dữ liệu demo, không phải quyết định thật.",
        ],
    )
    decision = services.decision_create(
        actor=actor,
        issuing_unit=ministry,
        number=DECISION_NUMBER,
        signed_on=DECISION_DATE,
        title="Quyết định khen thưởng tập thể, cá nhân có thành tích trong thí điểm mô hình "
        "CTXH và tư vấn tâm lý trường học năm 2024",
        nominations=approve,
        files=[SimpleUploadedFile(original, content)],
    )
    return DecisionDocument.objects.filter(decision=decision).exists()


def seed_awards() -> int:
    """The pilot's evaluation, nominations and decision; returns how many rows were created."""
    actor = User.objects.filter(username="bo.vu").first()
    ministry = OrgUnit.objects.filter(kind=OrgKind.MINISTRY, code=MINISTRY_CODE).first()
    if actor is None or ministry is None:
        return 0
    schools = _schools()
    if not schools:
        return 0
    criteria_set = _criteria_set(actor, ministry)
    created = _evaluate(actor, criteria_set, schools)
    if criteria_set.status != SetStatus.PUBLISHED:
        services.criteria_set_update(
            actor=actor,
            criteria_set=criteria_set,
            title=criteria_set.title,
            description=criteria_set.description,
            status=SetStatus.PUBLISHED,
        )
    before = Nomination.objects.count()
    nominations = _nominate(actor, ministry, criteria_set, schools)
    created += Nomination.objects.count() - before
    created += _decide(actor, ministry, nominations)
    return created
