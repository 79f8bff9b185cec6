"""Demo providers for the pilot localities (idempotent: a second run adds nothing).

Names follow the usual provincial bodies; addresses stay at city level and office phone numbers
are illustrative (only 111, 113 and 115 are the real public numbers).
"""

from diemtua.orgs.admin_units import MINISTRY_CODE
from diemtua.orgs.models import OrgKind, OrgUnit

from . import services
from .models import ProviderCategory as C
from .models import ProviderProfile

DEMO_NOTE = "Số điện thoại văn phòng là số minh họa của bản demo."
OFFICE_HOURS = "Thứ Hai–Thứ Sáu, 7h30–11h30 và 13h30–17h00"

# (code, name, category, services, phone, hours, catchment, accepts referrals, address)
NATIONWIDE = [
    (
        "TQ-111",
        "Tổng đài điện thoại quốc gia bảo vệ trẻ em 111",
        C.HOTLINE,
        "Tiếp nhận thông tin, tư vấn và kết nối hỗ trợ trẻ em bị xâm hại, bạo lực, bóc lột, "
        "bỏ rơi hoặc có nguy cơ; có thể gọi ẩn danh.",
        "111",
        "24/7, miễn phí",
        "Toàn quốc",
        False,
        "",
    ),
    (
        "TQ-115",
        "Cấp cứu y tế 115",
        C.HEALTH,
        "Cấp cứu ngoài bệnh viện: tự gây thương tích, ngộ độc, chấn thương.",
        "115",
        "24/7",
        "Toàn quốc (trung tâm cấp cứu của từng tỉnh, thành phố)",
        False,
        "",
    ),
]

# province code → (name in titles, phone area code, address)
PROVINCES = {
    "01": ("thành phố Hà Nội", "024", "Hà Nội"),
    "79": ("Thành phố Hồ Chí Minh", "028", "TP Hồ Chí Minh"),
    "08": ("tỉnh Tuyên Quang", "0207", "Tuyên Quang"),
    "25": ("tỉnh Phú Thọ", "0210", "Phú Thọ"),
    "38": ("tỉnh Thanh Hóa", "0237", "Thanh Hóa"),
}
PSYCHIATRY = {
    "01": ("01-BVTTHN", "Bệnh viện Tâm thần Hà Nội"),
    "79": ("79-BVTT", "Bệnh viện Tâm thần Thành phố Hồ Chí Minh"),
    "08": ("08-PKTT", "Phòng khám Tâm thần – Bệnh viện Đa khoa tỉnh Tuyên Quang"),
    "25": ("25-BVTT", "Bệnh viện Tâm thần tỉnh Phú Thọ"),
    "38": ("38-BVTT", "Bệnh viện Tâm thần tỉnh Thanh Hóa"),
}
# The commune of a demo school in each province: its police is the nearest door.
POLICE_COMMUNES = {"01": "00235", "79": "27139", "08": "00715", "25": "05200", "38": "14797"}
# Former provinces merged on 01/07/2025 keep a local office.
FORMER_AREA_OFFICES = {
    "08": (
        "08-CTXH-HG",
        "Trung tâm Công tác xã hội tỉnh Tuyên Quang – cơ sở Hà Giang",
        "Các xã thuộc tỉnh Hà Giang cũ",
        "0219",
    ),
    "25": (
        "25-CTXH-HB",
        "Trung tâm Công tác xã hội tỉnh Phú Thọ – cơ sở Hòa Bình",
        "Các xã thuộc tỉnh Hòa Bình cũ",
        "0218",
    ),
}


def _province_entries(code: str) -> list[tuple]:
    title, area, short = PROVINCES[code]
    whole = "Toàn thành phố" if code in {"01", "79"} else "Toàn tỉnh"
    psych_code, psych_name = PSYCHIATRY[code]
    entries = [
        (
            psych_code,
            psych_name,
            C.PSYCHIATRIC,
            "Khám, chẩn đoán và điều trị rối loạn tâm thần ở trẻ em và vị thành niên (trầm cảm, "
            "lo âu, rối loạn hành vi, nguy cơ tự sát); tư vấn tâm lý; điều trị ngoại trú và "
            "nội trú.",
            f"{area} 3999 0101",
            "Khám: Thứ Hai–Thứ Sáu 7h30–16h30; cấp cứu 24/7",
            whole,
            # Only the Hà Nội hospital has staff on Điểm Tựa in the demo (login dt.hanoi).
            code == "01",
        ),
        (
            f"{code}-CTXH",
            f"Trung tâm Công tác xã hội {title}",
            C.SOCIAL_WORK,
            "Đánh giá nhu cầu và quản lý trường hợp trẻ em cần bảo vệ; tư vấn tâm lý, tham vấn gia "
            "đình; chăm sóc thay thế tạm thời; kết nối trợ giúp pháp lý.",
            f"{area} 3999 0202",
            OFFICE_HOURS + "; tiếp nhận ca khẩn cấp 24/7 qua đường dây nóng",
            whole,
            False,
        ),
        (
            f"{code}-DTN",
            f"Đoàn Thanh niên Cộng sản Hồ Chí Minh {title}",
            C.YOUTH_UNION,
            "Câu lạc bộ kỹ năng sống, tư vấn học đường cho đoàn viên, hoạt động ngoại khóa và "
            "tình nguyện; kết nối hỗ trợ học sinh có hoàn cảnh khó khăn.",
            f"{area} 3999 0303",
            OFFICE_HOURS,
            whole,
            False,
        ),
        (
            f"{code}-HLHPN",
            f"Hội Liên hiệp Phụ nữ {title}",
            C.WOMEN_UNION,
            "Tư vấn gia đình, phòng chống bạo lực gia đình và xâm hại trẻ em; địa chỉ tin cậy "
            "tại cộng đồng; hỗ trợ mẹ đơn thân.",
            f"{area} 3999 0404",
            OFFICE_HOURS,
            whole,
            False,
        ),
    ]
    if code in FORMER_AREA_OFFICES:
        office_code, office_name, catchment, old_area = FORMER_AREA_OFFICES[code]
        entries.append(
            (
                office_code,
                office_name,
                C.SOCIAL_WORK,
                "Quản lý trường hợp trẻ em cần bảo vệ, tư vấn tâm lý và tham vấn gia đình tại "
                "địa bàn.",
                f"{old_area} 3999 0505",
                OFFICE_HOURS,
                catchment,
                False,
            )
        )
    return [(*entry, short) for entry in entries]


def _police_entry(code: str):
    commune_code = POLICE_COMMUNES.get(code)
    commune = (
        OrgUnit.objects.filter(kind=OrgKind.COMMUNE, code=commune_code, valid_to__isnull=True)
        .only("name")
        .first()
        if commune_code
        else None
    )
    if commune is None:
        return None
    return (
        f"{code}-CA{commune_code}",
        f"Công an {commune.name}",
        C.POLICE,
        "Tiếp nhận tin báo về bạo lực, xâm hại, mua bán trẻ em; bảo vệ an toàn cho trẻ và "
        "phối hợp với nhà trường, gia đình.",
        "113 (khẩn cấp)",
        "24/7",
        commune.name,
        False,
        PROVINCES[code][2],
    )


def _ensure(parent: OrgUnit, entry) -> bool:
    code, name, category, offered, phone, hours, catchment, accepts, address = entry
    if ProviderProfile.objects.filter(unit__code=code, unit__kind=OrgKind.PROVIDER).exists():
        return False
    existing = OrgUnit.objects.filter(kind=OrgKind.PROVIDER, code=code, valid_to=None).first()
    services.provider_create(
        actor=None,
        parent=parent,
        code=code,
        # A unit made earlier (01-BVTTHN, seeded with its address) keeps its own address.
        name=existing.name if existing else name,
        address=existing.address if existing else address,
        category=category,
        services=offered,
        phone=phone,
        opening_hours=hours,
        catchment=catchment,
        accepts_referrals=accepts,
        notes="" if phone[:3] in {"111", "113", "115"} else DEMO_NOTE,
    )
    return True


def seed_providers() -> int:
    """Add the demo providers that are missing; returns how many were added."""
    added = 0
    ministry = OrgUnit.objects.get(kind=OrgKind.MINISTRY, code=MINISTRY_CODE)
    for entry in NATIONWIDE:
        added += _ensure(ministry, entry)
    for code in PROVINCES:
        department = OrgUnit.objects.filter(
            kind=OrgKind.DEPARTMENT, code=code, valid_to__isnull=True
        ).first()
        if department is None:
            continue
        entries = _province_entries(code)
        police = _police_entry(code)
        if police is not None:
            entries.append(police)
        for entry in entries:
            added += _ensure(department, entry)
    return added


# --- Demo referrals -----------------------------------------------------------------------------

HOSPITAL_CODE = "01-BVTTHN"


def _demo_case(school_code: str, exclude=()):
    """An open, unrestricted case of a named student at the school, with an assessment."""
    from diemtua.cases.models import Case, Stage

    return (
        Case.objects.filter(
            school__code=school_code,
            student__isnull=False,
            restricted=False,
            assessments__isnull=False,
        )
        .exclude(stage=Stage.CLOSED)
        .exclude(pk__in=exclude)
        .order_by("pk")
        .distinct()
        .first()
    )


def _counselor(case):
    return case.counselors.filter(is_active=True).order_by("pk").first()


def _consent_to_share(case, actor, partner_name: str, given_on) -> None:
    """Whoever must agree to sharing with the hospital (the student from 7, the guardian)."""
    from diemtua.cases import services as case_services
    from diemtua.cases.consent import covering_consents, who_must_agree
    from diemtua.cases.models import ConsentGiver, ConsentMethod, Scope

    given_on = max(given_on, case.opened_on)
    have = {c.given_by for c in covering_consents(case, Scope.SHARING, given_on, partner_name)}
    guardian = case.student.guardians.order_by("pk").first()
    for giver in sorted(who_must_agree(case, Scope.SHARING, given_on) - have):
        is_guardian = giver == ConsentGiver.GUARDIAN
        case_services.consent_record(
            actor=actor,
            case=case,
            given_by=giver,
            guardian=guardian if is_guardian else None,
            guardian_name="" if guardian or not is_guardian else "Cha mẹ của em",
            scopes={Scope.SHARING},
            method=ConsentMethod.WRITTEN if is_guardian else ConsentMethod.VERBAL,
            given_on=given_on,
            partner_name=partner_name,
        )


def seed_referrals() -> int:
    """dt.hanoi's hospital has received three referrals from Hà Nội's demo schools: one closed
    with feedback (Minh Phú, on the consent already recorded), one accepted with an appointment,
    one waiting for an answer. Through the services; a second run adds nothing."""
    import datetime

    from django.utils import timezone

    from diemtua.core import working_hours

    from .models import Appointment, Outcome, Referral

    hospital = OrgUnit.objects.filter(kind=OrgKind.PROVIDER, code=HOSPITAL_CODE).first()
    staff = hospital and hospital.memberships.filter(role="partner_staff").first()
    if hospital is None or staff is None or Referral.objects.filter(provider=hospital).exists():
        return 0
    partner = staff.user
    today = timezone.localdate()
    tz = timezone.get_current_timezone()

    def at(days_ago: int, hour: int, minute: int = 0) -> datetime.datetime:
        day = today - datetime.timedelta(days=days_ago)
        return datetime.datetime.combine(day, datetime.time(hour, minute), tz)

    def backdate(referral, sent):
        Referral.objects.filter(pk=referral.pk).update(
            sent_at=sent,
            respond_due_at=working_hours.calendar().add(sent, services.RESPOND_WITHIN),
        )

    added = 0
    used = []
    # 1. Minh Phú: the high-risk case already shared with the hospital on both consents.
    from diemtua.cases.models import Disclosure

    shared = Disclosure.objects.filter(case__school__code="01-MINHPHU").select_related("case")
    closed_case = next((d.case for d in shared if d.case.is_open), None)
    if closed_case is not None:
        used.append(closed_case.pk)
        actor = _counselor(closed_case)
        _consent_to_share(closed_case, actor, hospital.name, today - datetime.timedelta(days=51))
        referral = services.referral_send(
            actor=actor,
            case=closed_case,
            provider=hospital,
            reason="Ý nghĩ tự sát lặp lại trong nhiều tuần, một lần gọi điện trong khủng hoảng; "
            "đề nghị khám và tư vấn chuyên khoa tâm thần nhi.",
            urgency="urgent",
            fields=["full_name", "date_of_birth", "class_name", "guardian_contact", "risk_level",
                    "summary"],
            summary="Em đã có kế hoạch an toàn với trường và gia đình; mẹ em đồng ý đưa em đi "
            "khám. Trường gặp em hai tuần một lần.",
            feedback_due_on=today + datetime.timedelta(days=1),
        )  # fmt: skip
        services.referral_accept(actor=partner, referral=referral)
        services.appointment_record(
            actor=partner,
            referral=referral,
            at=at(45, 8, 30),
            details="Khoa Tâm thần nhi, tầng 2 nhà B. Mang theo sổ khám bệnh.",
        )
        services.referral_close(
            actor=partner,
            referral=referral,
            outcome=Outcome.SUCCESSFUL,
            feedback="Em đã được khám và điều trị ngoại trú, tái khám mỗi tháng. Đề nghị nhà "
            "trường tiếp tục gặp em định kỳ và báo ngay cho bệnh viện nếu em có ý nghĩ tự hại.",
        )
        backdate(referral, at(50, 9, 30))
        Referral.objects.filter(pk=referral.pk).update(
            responded_at=at(49, 14, 0),
            closed_at=at(30, 16, 0),
            feedback_due_on=today - datetime.timedelta(days=28),
        )
        added += 1
    # 2. Lĩnh Nam: accepted, the first appointment booked for next week.
    accepted_case = _demo_case("01-LINHNAM", used)
    if accepted_case is not None:
        used.append(accepted_case.pk)
        actor = _counselor(accepted_case)
        _consent_to_share(accepted_case, actor, hospital.name, today - datetime.timedelta(days=4))
        referral = services.referral_send(
            actor=actor,
            case=accepted_case,
            provider=hospital,
            reason="Lo âu kéo dài, mất ngủ và bỏ ăn trước các kỳ kiểm tra dù đã tư vấn ở trường "
            "sáu tuần; cần đánh giá chuyên khoa.",
            urgency="soon",
            fields=["full_name", "date_of_birth", "guardian_contact", "risk_level", "summary"],
            summary="Em hợp tác tốt, gia đình mong được tư vấn cách hỗ trợ em ở nhà.",
            feedback_due_on=today + datetime.timedelta(days=21),
        )
        services.referral_accept(actor=partner, referral=referral)
        services.appointment_record(
            actor=partner,
            referral=referral,
            at=datetime.datetime.combine(
                today + datetime.timedelta(days=5), datetime.time(9, 0), tz
            ),
            details="Phòng khám Tâm lý trẻ em, tầng 1 nhà A; phụ huynh đi cùng.",
        )
        backdate(referral, at(3, 10, 15))
        Referral.objects.filter(pk=referral.pk).update(responded_at=at(2, 8, 40))
        Appointment.objects.filter(referral=referral).update(created_at=at(2, 8, 45))
        added += 1
    # 3. Trung Tự: sent this morning, waiting for the hospital's answer.
    new_case = _demo_case("01-TRUNGTU", used)
    if new_case is not None:
        actor = _counselor(new_case)
        _consent_to_share(new_case, actor, hospital.name, today)
        services.referral_send(
            actor=actor,
            case=new_case,
            provider=hospital,
            reason="Em thường xuyên hoảng sợ, không chịu đến lớp; gia đình đề nghị trường giới "
            "thiệu nơi khám.",
            urgency="routine",
            fields=["full_name", "date_of_birth", "class_name", "guardian_contact"],
            feedback_due_on=today + datetime.timedelta(days=14),
        )
        added += 1
    return added
