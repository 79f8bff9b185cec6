"""Demo activities for the pilot schools: the 2024 pilot term and this school year.

Idempotent: an activity is identified by its unit, title and date, which are fixed for a school
year (dates hang on 1 September, not on today), so a second run adds nothing. Participant counts
are drawn from a generator seeded per school and activity. The two attachments are a tiny PNG
and a one-page PDF written here by code (nothing is downloaded), under fixed names.
"""

import datetime
import random
import struct
import zlib
from dataclasses import dataclass

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from diemtua.accounts.models import User
from diemtua.cases.models import ContentGroup
from diemtua.core import uploads
from diemtua.core.demo import school_code
from diemtua.core.demo_data import LOCALITIES
from diemtua.orgs.models import OrgKind, OrgUnit, SchoolLevel
from diemtua.referrals.models import ProviderProfile

from . import services
from .models import Activity, ActivityKind, Attachment, ReachMeasure, TargetGroup

K = ActivityKind


@dataclass(frozen=True)
class Spec:
    kind: str
    title: str
    # Days after the start (1 February 2024 for the pilot, 1 September for this school year).
    day: int
    target: str
    groups: tuple[str, ...]  # codes of both generations; those in force on the day are used
    size: tuple[int, int] = (0, 0)  # participants (min, max); (0, 0) for campaigns
    span: int = 0  # days an activity runs (clubs, campaigns)
    reach: tuple[int, int, str] | None = None
    description: str = ""
    attach: str = ""  # "png" or "pdf" at the first school


VIOLENCE = ("tt31_skills_violence", "tt18_social_work", "tt18_life_skills")
MENTAL = ("tt31_intervention", "tt18_psychology")
SKILLS = ("tt31_skills_violence", "tt18_life_skills")
FAMILY = ("tt31_relationships", "tt18_gender_social")

PILOT_START = datetime.date(2024, 2, 1)
PILOT = [
    Spec(K.FLAG_CEREMONY, "Sinh hoạt dưới cờ: Nói không với bạo lực học đường", 32,
         TargetGroup.STUDENTS, VIOLENCE, (380, 620),
         description="Tiểu phẩm của Liên đội/Đoàn trường và lời kêu gọi của Ban giám hiệu."),
    Spec(K.THEMATIC_TALK, "Chuyên đề: Sức khỏe tâm thần tuổi học trò", 47,
         TargetGroup.STUDENTS, MENTAL, (90, 160),
         description="Nhận biết căng thẳng, lo âu; khi nào cần tìm thầy cô tư vấn; số 111."),
    Spec(K.CLUB, "Câu lạc bộ Kỹ năng sống (học kỳ II)", 29, TargetGroup.STUDENTS, SKILLS,
         (25, 40), span=90, description="Sinh hoạt chiều thứ Năm hằng tuần."),
    Spec(K.PARENT_MEETING, "Họp cha mẹ học sinh: Đồng hành cùng con tuổi dậy thì", 68,
         TargetGroup.PARENTS, FAMILY, (120, 260)),
    Spec(K.CAMPAIGN_SOCIAL, "Tháng hành động vì trẻ em 2024 trên Fanpage nhà trường", 121,
         TargetGroup.COMMUNITY, VIOLENCE, span=29, reach=(1500, 6000, ReachMeasure.VIEWS),
         description="Chuỗi 8 bài đăng và 2 video ngắn về phòng chống xâm hại, bạo lực."),
]  # fmt: skip

YEAR = [
    Spec(K.FLAG_CEREMONY, "Sinh hoạt dưới cờ: Trường học an toàn, thân thiện", 6,
         TargetGroup.STUDENTS, VIOLENCE, (400, 650)),
    Spec(K.CLUB, "Câu lạc bộ Kỹ năng sống", 14, TargetGroup.STUDENTS, SKILLS, (25, 45),
         span=240, description="Sinh hoạt hằng tuần; các chủ đề do học sinh đề xuất."),
    Spec(K.PARENT_MEETING, "Họp cha mẹ học sinh đầu năm: giới thiệu phòng tư vấn học đường",
         20, TargetGroup.PARENTS, FAMILY, (250, 480), attach="pdf",
         description="Giới thiệu cán bộ tư vấn, giờ mở phòng tư vấn, cách liên hệ và số 111."),
    Spec(K.THEMATIC_TALK, "Chuyên đề: Sức khỏe tâm thần – Ngày Sức khỏe tâm thần thế giới 10/10",
         39, TargetGroup.STUDENTS, MENTAL, (120, 200), attach="png"),
    Spec(K.THEMATIC_TALK, "Chuyên đề: Phòng chống bạo lực học đường và bắt nạt trên mạng", 62,
         TargetGroup.STUDENTS, VIOLENCE, (100, 180)),
    Spec(K.CAMPAIGN_RADIO, "Phát thanh măng non: Lời yêu thương – nói không với bạo lực", 55,
         TargetGroup.STUDENTS, VIOLENCE, span=28, reach=(500, 900, ReachMeasure.LISTENERS),
         description="Bản tin phát thanh giờ ra chơi thứ Hai và thứ Năm."),
    Spec(K.GROUP_SESSION, "Sinh hoạt nhóm: Kỹ năng quản lý cảm xúc trước kỳ kiểm tra", 76,
         TargetGroup.STUDENTS, MENTAL, (10, 16)),
]  # fmt: skip

LEVEL_FIELD = {
    SchoolLevel.PRIMARY: "primary_count",
    SchoolLevel.LOWER_SECONDARY: "lower_secondary_count",
    SchoolLevel.UPPER_SECONDARY: "upper_secondary_count",
}


def _png() -> bytes:
    """A 24×16 PNG in the app's blue: a stand-in for a photo of the talk."""
    width, height = 24, 16
    raw = b"".join(b"\x00" + bytes((13, 110, 253)) * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def _pdf(title: str) -> bytes:
    """A one-page PDF with one line of ASCII text (the agenda of a meeting, in short)."""
    text = title.replace("(", "").replace(")", "")
    stream = f"BT /F1 14 Tf 60 780 Td ({text}) Tj ET".encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


DEMO_FILES = {
    "png": ("anh-buoi-chuyen-de.png", "activities/demo-anh-chuyen-de.png"),
    "pdf": ("noi-dung-hop-cha-me-hoc-sinh.pdf", "activities/demo-hop-cha-me-hoc-sinh.pdf"),
}


def _attach(activity: Activity, kind: str, actor) -> None:
    """Attach a demo file. A loader, not a user action: the file keeps a fixed name, so seeding
    again (or every test run that seeds) reuses it instead of leaving copies in the storage."""
    original, stored = DEMO_FILES[kind]
    content = _png() if kind == "png" else _pdf("Hop cha me hoc sinh dau nam - Diem Tua (demo)")
    upload = SimpleUploadedFile(original, content)
    file_kind = uploads.check_upload(upload)
    storage = uploads.storage()
    if not storage.exists(stored):
        stored = storage.save(stored, upload)
    if Attachment.objects.filter(stored_name=stored).exists():
        return
    Attachment.objects.create(
        activity=activity,
        stored_name=stored,
        original_name=original,
        file_kind=file_kind.code,
        content_type=file_kind.content_type,
        size=len(content),
        uploaded_by=actor,
    )


def _groups(codes, on: datetime.date) -> list[ContentGroup]:
    return [
        g
        for g in ContentGroup.objects.filter(code__in=codes)
        if (g.valid_from is None or g.valid_from <= on) and (g.valid_to is None or g.valid_to >= on)
    ]


def _record(unit, actor, spec: Spec, start: datetime.date, *, partners=(), attach="") -> bool:
    held_on = start + datetime.timedelta(days=spec.day)
    if held_on > timezone.localdate() + datetime.timedelta(days=14):
        return False  # not planned yet this early in the year
    if Activity.objects.filter(org_unit=unit, title=spec.title, held_on=held_on).exists():
        return False
    rng = random.Random(f"{unit.code}:{spec.title}:{held_on}")  # noqa: S311 (demo counts)
    counts = {}
    if spec.size != (0, 0):
        total = rng.randint(*spec.size)
        female = round(total * rng.uniform(0.45, 0.56))
        counts = {"male_count": total - female, "female_count": female}
        level_field = LEVEL_FIELD.get(unit.school_level)
        if level_field and spec.target == TargetGroup.STUDENTS:
            counts[level_field] = total
    reach = {}
    if spec.reach:
        low, high, measure = spec.reach
        reach = {"reach": rng.randint(low, high), "reach_measure": measure}
    activity = services.activity_create(
        actor=actor,
        org_unit=unit,
        kind=spec.kind,
        title=spec.title,
        held_on=held_on,
        end_on=held_on + datetime.timedelta(days=spec.span) if spec.span else None,
        target_group=spec.target,
        description=spec.description,
        content_groups=_groups(spec.groups, held_on),
        partners=partners,
        **counts,
        **reach,
    )
    if attach:
        _attach(activity, attach, actor)
    return True


def _school_year_start(today: datetime.date) -> datetime.date:
    return datetime.date(today.year if today.month >= 9 else today.year - 1, 9, 1)


def seed_activities() -> int:
    """Activities of every demo school, plus a few of a teacher, a commune and a department."""
    created = 0
    year_start = _school_year_start(timezone.localdate())
    users = {u.username: u for u in User.objects.all()}
    first_school = True
    for locality in LOCALITIES:
        for school in locality.schools:
            unit = OrgUnit.objects.filter(
                kind=OrgKind.SCHOOL, code=school_code(locality.code_2024, school.slug)
            ).first()
            counselor = users.get(f"tv.{school.slug}")
            if unit is None or counselor is None:
                continue
            for spec in PILOT:
                created += _record(unit, counselor, spec, PILOT_START)
            for spec in YEAR:
                attach = spec.attach if first_school else ""
                created += _record(unit, counselor, spec, year_start, attach=attach)
            first_school = False
    created += _extras(users, year_start)
    return created


def _extras(users, year_start) -> int:
    """A homeroom teacher's class activity, a commune forum and a department campaign."""
    created = 0
    trungtu = OrgUnit.objects.filter(kind=OrgKind.SCHOOL, code="01-TRUNGTU").first()
    if trungtu and "gv.trungtu" in users:
        spec = Spec(K.CLASS_ACTIVITY, "Sinh hoạt lớp 4A: Em biết nói “không” và nhờ người lớn",
                    45, TargetGroup.STUDENTS, SKILLS, (32, 36))  # fmt: skip
        created += _record(trungtu, users["gv.trungtu"], spec, year_start)
    commune = OrgUnit.objects.filter(kind=OrgKind.COMMUNE, code="00235", valid_to=None).first()
    if commune and "xa.dongda" in users:
        spec = Spec(
            K.FORUM, "Diễn đàn “Lắng nghe trẻ em” phường Đống Đa", 70, TargetGroup.COMMUNITY,
            VIOLENCE, (150, 220),
            description="Học sinh các trường trên địa bàn đối thoại với lãnh đạo phường.",
        )  # fmt: skip
        created += _record(commune, users["xa.dongda"], spec, year_start)
    hanoi = OrgUnit.objects.filter(kind=OrgKind.DEPARTMENT, code="01", valid_to=None).first()
    if hanoi and "so.hanoi" in users:
        partners = ProviderProfile.objects.filter(unit__code="01-BVTTHN")
        spec = Spec(
            K.CAMPAIGN_PRESS,
            "Truyền thông trên báo chí: Chăm sóc sức khỏe tâm thần học sinh Thủ đô",
            30, TargetGroup.COMMUNITY, MENTAL, span=60, reach=(40000, 90000, ReachMeasure.VIEWS),
            description="Loạt bài phối hợp với báo địa phương và Bệnh viện Tâm thần Hà Nội.",
        )  # fmt: skip
        created += _record(hanoi, users["so.hanoi"], spec, year_start, partners=list(partners))
    return created
