"""Demo trainings, exchanges and library documents.

- June 2024: the Ministry's national training of the pilot's 18 designated staff (the tv.*
  counselors of the 18 demo schools): 3 days, 24 hours, one absent and one partial, pre- and
  post-test scores, certificates; then the pilot schools' experience exchange.
- October 2025 (Hà Nội) and November 2025 (Thanh Hóa): provincial trainings on Circular
  18/2025 with some of the same people, so hours add up over the school years; a Hà Nội
  exchange in December 2025.
- A library: the Ministry's guidance on Circular 18/2025 (two versions), two templates, a good
  practice of Hà Nội and the material of the pilot exchange. Files are made here by code (PDF by
  fpdf2 in Be Vietnam Pro, a minimal DOCX by zipfile); nothing is downloaded.

Idempotent: trainings and exchanges are found by unit, title and date, documents by unit and
title, versions by number; a second run adds nothing. Links to the programs "thi-diem-2024" and
"tt18-2025-2026" are made when programs/demo.py has seeded them.
"""

import datetime
import io
import random
import zipfile
from dataclasses import dataclass
from decimal import Decimal
from xml.sax.saxutils import escape

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from fpdf import FPDF

from diemtua.accounts.models import User
from diemtua.audit import services as audit
from diemtua.core import uploads
from diemtua.core.demo import school_code
from diemtua.core.demo_data import LOCALITIES
from diemtua.core.text import fold
from diemtua.orgs.admin_units import MINISTRY_CODE
from diemtua.orgs.models import OrgKind, OrgUnit

from . import library_services, services
from .certificate import FONT, _fonts
from .models import (
    Attendance,
    Category,
    Certificate,
    Exchange,
    LibraryDocument,
    LibraryVersion,
    Mode,
    Training,
    Visibility,
)

PILOT_CODE = "thi-diem-2024"
TT18_CODE = "tt18-2025-2026"

NATIONAL_CURRICULUM = """Ngày 1 – Sáng: Tổng quan mô hình thí điểm dịch vụ CTXH, tư vấn tâm lý
Ngày 1 – Chiều: Nguyên tắc đạo đức, bảo mật thông tin, lợi ích tốt nhất của học sinh
Ngày 2 – Sáng: Kỹ năng lắng nghe, tham vấn cá nhân và nhóm
Ngày 2 – Chiều: Nhận diện sớm, sàng lọc; PHQ-9 và GAD-7; khi nào chuyển gửi
Ngày 3 – Sáng: Quy trình công tác xã hội: tiếp nhận, đánh giá, lập kế hoạch, can thiệp, kết thúc
Ngày 3 – Chiều: Bảo vệ trẻ em, Tổng đài 111, phối hợp liên ngành; thực hành tình huống"""
NATIONAL_TRAINERS = """PGS.TS. Trần Thành Nam – Trường Đại học Giáo dục, ĐHQG Hà Nội
TS. Nguyễn Thị Thu Hà – Học viện Phụ nữ Việt Nam
ThS. Lê Minh Quân – Vụ Giáo dục Chính trị và Công tác học sinh, sinh viên"""


@dataclass(frozen=True)
class Person:
    username: str
    school: OrgUnit
    user: User


def _unit(kind: str, code: str) -> OrgUnit | None:
    return OrgUnit.objects.filter(kind=kind, code=code, valid_to=None).first()


def _program(code: str, owner: OrgUnit):
    from diemtua.programs.models import Program

    program = Program.objects.filter(code=code).first()
    if program and services.programs_for_owner(owner).filter(pk=program.pk).exists():
        return program
    return None


def _people(users) -> dict[str, Person]:
    """The tv.* counselor of every demo school that exists, by school slug."""
    people = {}
    for locality in LOCALITIES:
        for school in locality.schools:
            unit = OrgUnit.objects.filter(
                kind=OrgKind.SCHOOL, code=school_code(locality.code_2024, school.slug)
            ).first()
            user = users.get(f"tv.{school.slug}")
            if unit is not None and user is not None:
                people[school.slug] = Person(user.username, unit, user)
    return people


def _scores(rng: random.Random) -> tuple[Decimal, Decimal]:
    pre = Decimal(rng.randint(40, 70)) / 10
    post = min(Decimal("10"), pre + Decimal(rng.randint(10, 30)) / 10)
    return pre.quantize(Decimal("0.1")), post.quantize(Decimal("0.1"))


def _training(
    *,
    actor,
    owner,
    title,
    starts_on,
    ends_on,
    hours,
    mode,
    location,
    curriculum="",
    trainers="",
    pass_mark=None,
    program_code="",
    invite=(),
    outsiders=(),
    absent=(),
    partial=None,
) -> int:
    """One training with its invitations, attendance, scores and certificates; 0 when it is
    already there."""
    if Training.objects.filter(owner=owner, title=title, starts_on=starts_on).exists():
        return 0
    training = services.training_create(
        actor=actor,
        owner=owner,
        title=title,
        starts_on=starts_on,
        ends_on=ends_on,
        hours=Decimal(hours),
        mode=mode,
        location=location,
        curriculum=curriculum,
        trainers=trainers,
        pass_mark=pass_mark,
        program=_program(program_code, owner) if program_code else None,
    )
    participants = []
    for person in invite:
        participants.append(
            services.participant_add(
                actor=actor,
                training=training,
                unit=person.school,
                user=person.user,
                position="Cán bộ phụ trách tư vấn tâm lý, công tác xã hội",
            )
        )
    for full_name, unit, position in outsiders:
        participants.append(
            services.participant_add(
                actor=actor, training=training, unit=unit, full_name=full_name, position=position
            )
        )
    rng = random.Random(f"{owner.code}:{title}")  # noqa: S311 (demo scores)
    rows = {}
    for p in participants:
        key = p.user.username if p.user_id else p.full_name
        pre, post = _scores(rng)
        if key in absent:
            rows[p.pk] = {"attendance": Attendance.ABSENT}
        elif partial and key == partial[0]:
            rows[p.pk] = {
                "attendance": Attendance.PARTIAL,
                "hours_attended": Decimal(partial[1]),
                "pre_score": pre,
            }
        else:
            rows[p.pk] = {"attendance": Attendance.ATTENDED, "pre_score": pre, "post_score": post}
    services.attendance_record(actor=actor, training=training, rows=rows)
    services.certificates_issue(actor=actor, training=training)
    # A loader, not a user action: certificates carry the date they were really handed out
    # (a week after the training), not the day the demo was seeded.
    Certificate.objects.filter(participant__training=training).update(
        issued_on=ends_on + datetime.timedelta(days=7)
    )
    return 1


def seed_trainings() -> int:
    """Trainings, exchanges and library documents of the demo world; returns how many objects
    (trainings, exchanges, documents) were created."""
    with transaction.atomic():
        return _seed()


def _seed() -> int:
    users = {
        u.username: u
        for u in User.objects.filter(username__in=["bo.vu", "so.hanoi", "so.thanhhoa"])
    }
    users.update({u.username: u for u in User.objects.filter(username__startswith="tv.")})
    people = _people(users)
    ministry = _unit(OrgKind.MINISTRY, MINISTRY_CODE)
    hanoi = _unit(OrgKind.DEPARTMENT, "01")
    thanhhoa = _unit(OrgKind.DEPARTMENT, "38")
    created = 0
    if ministry and "bo.vu" in users and people:
        created += _training(
            actor=users["bo.vu"],
            owner=ministry,
            title=(
                "Tập huấn, bồi dưỡng cán bộ phụ trách công tác xã hội và tư vấn tâm lý trường "
                "học các trường thí điểm"
            ),
            starts_on=datetime.date(2024, 6, 18),
            ends_on=datetime.date(2024, 6, 20),
            hours="24",
            mode=Mode.IN_PERSON,
            location="Hội trường Bộ GD&ĐT, 35 Đại Cồ Việt, Hà Nội",
            curriculum=NATIONAL_CURRICULUM,
            trainers=NATIONAL_TRAINERS,
            pass_mark=Decimal("5"),
            program_code=PILOT_CODE,
            invite=list(people.values()),
            absent={"tv.bathuoc"},
            partial=("tv.lungcu", "16"),
        )
        created += _pilot_exchange(users["bo.vu"], ministry, people)
    if hanoi and "so.hanoi" in users:
        local = [people[s] for s in ("trungtu", "linhnam", "minhphu") if s in people]
        linhnam = people["linhnam"].school if "linhnam" in people else None
        created += _training(
            actor=users["so.hanoi"],
            owner=hanoi,
            title=(
                "Tập huấn triển khai Thông tư 18/2025/TT-BGDĐT về tư vấn học đường và công tác "
                "xã hội trường học"
            ),
            starts_on=datetime.date(2025, 10, 23),
            ends_on=datetime.date(2025, 10, 24),
            hours="16",
            mode=Mode.BLENDED,
            location="Trường Bồi dưỡng cán bộ giáo dục Hà Nội và trực tuyến",
            curriculum=(
                "Những điểm mới của Thông tư 18/2025 so với Thông tư 31/2017 và 33/2018\n"
                "Bảy nhóm nội dung tư vấn; tổ tư vấn học đường và phòng tư vấn\n"
                "Lập kế hoạch tư vấn năm học 2025–2026; sổ theo dõi\n"
                "Bảo vệ dữ liệu cá nhân của học sinh (Luật 91/2025/QH15)"
            ),
            trainers=(
                "ThS. Nguyễn Thị Lan Anh – Sở GD&ĐT Hà Nội\nTS. Đặng Hoàng Minh – Viện Tâm lý học"
            ),
            program_code=TT18_CODE,
            invite=local,
            outsiders=(
                [("Nguyễn Thị Hồng Nhung", linhnam, "Giáo viên chủ nhiệm, tổ tư vấn học đường")]
                if linhnam
                else []
            ),
        )
        created += _hanoi_exchange(users["so.hanoi"], hanoi, people)
    if thanhhoa and "so.thanhhoa" in users:
        local = [people[s] for s in ("dienbien", "tranmaininh", "bathuoc") if s in people]
        created += _training(
            actor=users["so.thanhhoa"],
            owner=thanhhoa,
            title="Tập huấn kỹ năng tư vấn học đường cho cán bộ, giáo viên năm học 2025–2026",
            starts_on=datetime.date(2025, 11, 14),
            ends_on=datetime.date(2025, 11, 14),
            hours="8",
            mode=Mode.ONLINE,
            location="Trực tuyến (Google Meet)",
            curriculum=(
                "Kỹ năng lắng nghe tích cực và đặt câu hỏi\n"
                "Phòng chống bắt nạt trực tuyến\n"
                "Phối hợp với cha mẹ học sinh"
            ),
            trainers="ThS. Lê Văn Hải – Sở GD&ĐT Thanh Hóa",
            program_code=TT18_CODE,
            invite=local,
            partial=("tv.tranmaininh", "4"),
        )
    created += _library(users, ministry, hanoi)
    return created


def _exchange(actor, owner, *, title, held_on, mode, location, lessons, schools, program_code):
    if Exchange.objects.filter(owner=owner, title=title, held_on=held_on).exists():
        return 0
    library_services.exchange_create(
        actor=actor,
        owner=owner,
        title=title,
        held_on=held_on,
        mode=mode,
        location=location,
        lessons=lessons,
        schools=schools,
        program=_program(program_code, owner),
    )
    return 1


def _pilot_exchange(actor, ministry, people) -> int:
    return _exchange(
        actor,
        ministry,
        title=(
            "Trao đổi kinh nghiệm giữa các trường thí điểm mô hình công tác xã hội và tư vấn tâm "
            "lý trường học"
        ),
        held_on=datetime.date(2024, 6, 21),
        mode=Mode.IN_PERSON,
        location="Hội trường Bộ GD&ĐT, Hà Nội",
        lessons=(
            "Phòng tư vấn cần chỗ riêng, kín đáo; học sinh tiểu học thích góc đọc sách, hộp thư.\n"
            "Tiết sinh hoạt lớp là kênh tốt nhất để học sinh biết đến thầy cô tư vấn.\n"
            "Ở vùng cao, cán bộ kiêm nhiệm cần được giảm giờ dạy để có thời gian tư vấn.\n"
            "Phối hợp sớm với trạm y tế xã và Tổng đài 111 rút ngắn thời gian chuyển gửi."
        ),
        schools=[p.school for p in people.values()],
        program_code=PILOT_CODE,
    )


def _hanoi_exchange(actor, hanoi, people) -> int:
    return _exchange(
        actor,
        hanoi,
        title="Trao đổi kinh nghiệm triển khai Thông tư 18/2025 tại các trường Hà Nội",
        held_on=datetime.date(2025, 12, 12),
        mode=Mode.IN_PERSON,
        location="Trường Tiểu học Trung Tự, Hà Nội",
        lessons=(
            "“Hộp thư điều em muốn nói” giúp học sinh nhỏ tuổi mạnh dạn chia sẻ.\n"
            "Tổ tư vấn học đường họp hằng tháng, có đại diện cha mẹ học sinh.\n"
            "Kế hoạch tư vấn năm học nên gắn với kế hoạch giáo dục của nhà trường."
        ),
        schools=[people[s].school for s in ("trungtu", "linhnam", "minhphu") if s in people],
        program_code=TT18_CODE,
    )


# --- Library files ----------------------------------------------------------------------------


def _pdf(title: str, lines: list[str]) -> bytes:
    pdf = FPDF(unit="mm", format="A4")
    pdf.set_creator("Điểm Tựa (demo)")
    for style, path in _fonts().items():
        pdf.add_font(FONT, style=style, fname=path)
    pdf.add_page()
    pdf.set_font(FONT, "B", 15)
    pdf.multi_cell(0, 8, title, align="C")
    pdf.ln(4)
    pdf.set_font(FONT, "", 11)
    for line in lines:
        pdf.multi_cell(0, 6, line)
        pdf.ln(1)
    return bytes(pdf.output())


def _docx(title: str, lines: list[str]) -> bytes:
    """A minimal Word document: one bold title and a paragraph per line."""
    ns = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"

    def para(text: str, bold: bool = False) -> str:
        run_props = "<w:rPr><w:b/></w:rPr>" if bold else ""
        return f'<w:p><w:r>{run_props}<w:t xml:space="preserve">{escape(text)}</w:t></w:r></w:p>'

    body = para(title, bold=True) + "".join(para(line) for line in lines)
    document = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="{ns}">'
        f"<w:body>{body}</w:body></w:document>"
    )
    types = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.wordprocessingml.document.main+xml"/></Types>'
    )
    rels = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/officeDocument" Target="word/document.xml"/></Relationships>'
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", types)
        archive.writestr("_rels/.rels", rels)
        archive.writestr("word/document.xml", document)
    return buffer.getvalue()


@dataclass(frozen=True)
class DemoDoc:
    slug: str
    owner: str  # "ministry" or "hanoi"
    title: str
    category: str
    visibility: str
    description: str
    # (file name, "pdf"/"docx", version note, lines) per version, oldest first
    versions: tuple
    program_code: str = ""
    exchange: str = ""  # "pilot" or "hanoi"


GUIDANCE_LINES = [
    "1. Phạm vi, đối tượng áp dụng và nguyên tắc tư vấn học đường, công tác xã hội trường học.",
    "2. Bảy nhóm nội dung tư vấn: học tập; giới và quan hệ xã hội; tâm lý; kỹ năng sống; "
    "hướng nghiệp; chính sách, pháp luật; dịch vụ công tác xã hội.",
    "3. Hình thức: tiết học, chuyên đề, câu lạc bộ, diễn đàn; tư vấn cá nhân, nhóm; trực tiếp "
    "và gián tiếp.",
    "4. Tổ tư vấn học đường, phòng tư vấn; kế hoạch và báo cáo theo năm học.",
]
DOCS = [
    DemoDoc(
        "huong-dan-tt18",
        "ministry",
        "Hướng dẫn thực hiện Thông tư 18/2025/TT-BGDĐT về tư vấn học đường và công tác xã hội "
        "trường học",
        Category.GUIDANCE,
        Visibility.NATIONAL,
        "Hướng dẫn các Sở GD&ĐT, các trường triển khai Thông tư 18/2025 từ năm học 2025–2026.",
        (
            ("huong-dan-tt18-du-thao.pdf", "pdf", "Dự thảo lấy ý kiến các Sở", GUIDANCE_LINES[:2]),
            ("huong-dan-tt18.pdf", "pdf", "Bản chính thức, bổ sung mục 3 và 4", GUIDANCE_LINES),
        ),
    ),
    DemoDoc(
        "mau-ke-hoach",
        "ministry",
        "Mẫu kế hoạch tư vấn học đường năm học",
        Category.TEMPLATE,
        Visibility.NATIONAL,
        "Mẫu kế hoạch của nhà trường: mục tiêu, nội dung theo 7 nhóm, hình thức, phân công, "
        "thời gian, kinh phí.",
        (
            (
                "mau-ke-hoach-tu-van-nam-hoc.docx",
                "docx",
                "Ban hành kèm hướng dẫn",
                [
                    "I. Mục đích, yêu cầu",
                    "II. Nội dung và hình thức",
                    "III. Tổ chức thực hiện",
                    "IV. Kinh phí",
                ],
            ),
        ),
    ),
    DemoDoc(
        "mau-so-theo-doi",
        "ministry",
        "Mẫu sổ theo dõi hoạt động tư vấn học đường",
        Category.TEMPLATE,
        Visibility.NATIONAL,
        "Sổ ghi các hoạt động tư vấn chung (chuyên đề, sinh hoạt lớp); không ghi tên học sinh.",
        (
            (
                "mau-so-theo-doi.docx",
                "docx",
                "Ban hành kèm hướng dẫn",
                ["Ngày | Hình thức | Nội dung | Số người tham gia | Người thực hiện"],
            ),
        ),
    ),
    DemoDoc(
        "hop-thu-trung-tu",
        "hanoi",
        "Mô hình “Hộp thư điều em muốn nói” – Trường Tiểu học Trung Tự",
        Category.GOOD_PRACTICE,
        Visibility.PROGRAM,
        "Cách làm hay được chia sẻ tại buổi trao đổi kinh nghiệm tháng 12/2025.",
        (
            (
                "hop-thu-dieu-em-muon-noi.pdf",
                "pdf",
                "Bài chia sẻ",
                [
                    "Hộp thư đặt ở thư viện, mở hằng ngày bởi cán bộ tư vấn.",
                    "Thư được trả lời trong 2 ngày; trường hợp khẩn cấp báo ngay Ban giám hiệu.",
                ],
            ),
        ),
        program_code=PILOT_CODE,
        exchange="hanoi",
    ),
    DemoDoc(
        "tai-lieu-tap-huan-2024",
        "ministry",
        "Tài liệu tập huấn cán bộ các trường thí điểm (tháng 6/2024)",
        Category.OTHER,
        Visibility.PROGRAM,
        "Bài giảng của khóa tập huấn và buổi trao đổi kinh nghiệm tháng 6/2024.",
        (
            (
                "tai-lieu-tap-huan-thang-6-2024.pdf",
                "pdf",
                "Bản phát tại lớp",
                NATIONAL_CURRICULUM.splitlines(),
            ),
        ),
        program_code=PILOT_CODE,
        exchange="pilot",
    ),
]


def _stored_file(doc: DemoDoc, number: int, spec) -> tuple[str, object, int]:
    """Write a version's file under a fixed name (reused by later runs); returns its stored
    name, its checked kind and its size."""
    name, fmt, _note, lines = spec
    content = _pdf(doc.title, lines) if fmt == "pdf" else _docx(doc.title, lines)
    kind = uploads.check_upload(SimpleUploadedFile(name, content))
    stored = f"{library_services.UPLOAD_FOLDER}/demo-{doc.slug}-v{number}{kind.extensions[0]}"
    storage = uploads.storage()
    if not storage.exists(stored):
        stored = storage.save(stored, ContentFile(content))
    return stored, kind, len(content)


def _library(users, ministry, hanoi) -> int:
    """The demo documents. A loader: rows are written directly so files keep fixed names (as
    the activities demo does), with one audit row for the batch."""
    owners = {"ministry": (ministry, users.get("bo.vu")), "hanoi": (hanoi, users.get("so.hanoi"))}
    exchanges = {
        "pilot": Exchange.objects.filter(owner=ministry, held_on=datetime.date(2024, 6, 21)).first()
        if ministry
        else None,
        "hanoi": Exchange.objects.filter(owner=hanoi, held_on=datetime.date(2025, 12, 12)).first()
        if hanoi
        else None,
    }
    created = []
    for doc in DOCS:
        owner, actor = owners[doc.owner]
        if owner is None or actor is None:
            continue
        document = LibraryDocument.objects.filter(owner=owner, title=doc.title).first()
        if document is None:
            program = _program(doc.program_code, owner) if doc.program_code else None
            visibility = doc.visibility
            if visibility == Visibility.PROGRAM and program is None:
                visibility = (
                    Visibility.NATIONAL if owner.kind == OrgKind.MINISTRY else Visibility.SUBTREE
                )
            document = LibraryDocument(
                owner=owner,
                title=doc.title,
                search_title=fold(doc.title),
                category=doc.category,
                visibility=visibility,
                program=program,
                exchange=exchanges.get(doc.exchange),
                description=doc.description,
                created_by=actor,
            )
            document.full_clean()
            document.save()
            created.append(document.pk)
        for number, spec in enumerate(doc.versions, start=1):
            if document.versions.filter(number=number).exists():
                continue
            stored, kind, size = _stored_file(doc, number, spec)
            version = LibraryVersion(
                document=document,
                number=number,
                note=spec[2],
                stored_name=stored,
                original_name=spec[0],
                file_kind=kind.code,
                content_type=kind.content_type,
                size=size,
                uploaded_by=actor,
            )
            version.full_clean(validate_unique=False)
            if not LibraryVersion.objects.filter(stored_name=stored).exists():
                version.save()
    if created:
        audit.record(
            actor=None,
            action="trainings.demo_load",
            reason="seed_demo",
            extra={"documents": created},
        )
    return len(created)
