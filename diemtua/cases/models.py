"""Counseling: reference data, help requests, cases and everything recorded on them."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from diemtua.core.fields import EncryptedTextField
from diemtua.core.models import BaseModel
from diemtua.orgs.models import OrgUnit
from diemtua.students.models import Guardian, Student


class Regulation(models.TextChoices):
    # Circular 31/2017/TT-BGDĐT (psychological counseling): governed records until 30/10/2025.
    CIRCULAR_31_2017 = "tt31_2017", _("Thông tư 31/2017/TT-BGDĐT")
    # Circular 18/2025/TT-BGDĐT (counseling and school social work): in force from 31/10/2025.
    CIRCULAR_18_2025 = "tt18_2025", _("Thông tư 18/2025/TT-BGDĐT")


class ContentGroup(models.Model):
    """A counseling content group of one regulation, valid for records dated in its period.

    Records keep the group they were filed under: 2024 cases carry Circular 31/2017's groups,
    new ones Circular 18/2025's, so reports of either period read as they were.
    """

    regulation = models.CharField(_("văn bản"), max_length=16, choices=Regulation.choices)
    code = models.CharField(_("mã"), max_length=32)
    position = models.PositiveSmallIntegerField(_("thứ tự"))
    name = models.CharField(_("tên theo văn bản"), max_length=255)
    plain_label = models.CharField(
        _("cách nói cho học sinh"),
        max_length=255,
        help_text=_("Lời lẽ đơn giản, một em 10 tuổi hiểu được."),
    )
    valid_from = models.DateField(_("áp dụng từ"), null=True, blank=True)
    valid_to = models.DateField(_("áp dụng đến"), null=True, blank=True)

    class Meta:
        verbose_name = _("nhóm nội dung tư vấn")
        verbose_name_plural = _("nhóm nội dung tư vấn")
        ordering = ["regulation", "position"]
        constraints = [
            models.UniqueConstraint(fields=["regulation", "code"], name="contentgroup_unique_code"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_to__gte=models.F("valid_from")),
                name="contentgroup_valid_range",
            ),
        ]

    def __str__(self) -> str:
        return self.label

    # Stored in Vietnamese (the regulation's words); shown in the reader's language. The
    # msgids are marked in reference.py with gettext_noop.
    @property
    def label(self) -> str:
        return gettext(self.name)

    @property
    def plain(self) -> str:
        return gettext(self.plain_label)


# --- Help requests -------------------------------------------------------------------------


class RequestChannel(models.TextChoices):
    WEB = "web", _("Trang xin giúp đỡ")
    TEACHER = "teacher", _("Giáo viên báo")
    COUNSELOR = "counselor", _("Cán bộ tư vấn ghi nhận")
    # Raised by a screening's flag rules (diemtua.screening), not typed by anyone.
    SCREENING = "screening", _("Kết quả sàng lọc")


class Requester(models.TextChoices):
    STUDENT = "student", pgettext_lazy("một học sinh", "Học sinh")
    PARENT = "parent", _("Phụ huynh")
    FRIEND = "friend", _("Bạn của học sinh")
    TEACHER = "teacher", _("Giáo viên")


class ContactMethod(models.TextChoices):
    AT_SCHOOL = "at_school", _("Gặp trực tiếp ở trường")
    PHONE = "phone", _("Gọi điện thoại")
    MESSAGE = "message", _("Nhắn tin")
    EMAIL = "email", _("Thư điện tử")
    CODE_ONLY = "code_only", _("Chỉ trả lời qua mã tra cứu")


class RequestStatus(models.TextChoices):
    NEW = "new", _("Mới")
    IN_CASE = "in_case", _("Đã mở hồ sơ")
    ANSWERED = "answered", _("Đã trả lời")


class HelpRequest(BaseModel):
    """A request for help: from the public page, a teacher's referral, or noted by a counselor.

    Everything a student writes is encrypted at rest. Anonymous requests keep no name. The
    student reads the counselor's reply with the tracking code and PIN (only a hash of the PIN
    is stored).
    """

    school = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="help_requests", verbose_name=_("trường")
    )
    channel = models.CharField(_("kênh"), max_length=16, choices=RequestChannel.choices)
    requester = models.CharField(_("người hỏi"), max_length=16, choices=Requester.choices)
    is_anonymous = models.BooleanField(_("ẩn danh"), default=False)
    requester_name = EncryptedTextField(_("tên người hỏi"), blank=True)
    class_name = models.CharField(_("lớp"), max_length=20, blank=True)
    content_groups = models.ManyToManyField(
        ContentGroup, blank=True, related_name="+", verbose_name=_("về chuyện gì")
    )
    contact_method = models.CharField(
        _("cách liên lạc"),
        max_length=16,
        choices=ContactMethod.choices,
        default=ContactMethod.CODE_ONLY,
    )
    contact_detail = EncryptedTextField(_("số điện thoại hoặc địa chỉ liên lạc"), blank=True)
    contact_time = EncryptedTextField(_("thời gian tiện liên lạc"), blank=True)
    message = EncryptedTextField(_("nội dung"), blank=True)
    said_urgent = models.BooleanField(_("người hỏi báo là gấp"), default=False)
    danger_detected = models.BooleanField(_("nội dung có dấu hiệu nguy hiểm"), default=False)
    is_urgent = models.BooleanField(_("gấp"), default=False)
    status = models.CharField(
        _("trạng thái"), max_length=16, choices=RequestStatus.choices, default=RequestStatus.NEW
    )
    # Teacher referrals and requests a counselor matched to a student of the roster.
    student = models.ForeignKey(
        Student,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="help_requests",
        verbose_name=pgettext_lazy("một học sinh", "học sinh"),
    )
    referred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals_made",
        verbose_name=_("người báo"),
    )
    case = models.ForeignKey(
        "Case",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="requests",
        verbose_name=_("hồ sơ"),
    )
    tracking_code = models.CharField(
        _("mã tra cứu"), max_length=16, unique=True, null=True, blank=True
    )
    pin_hash = models.CharField(max_length=128, blank=True, editable=False)
    # One submission, one request: a retry or double tap carries the same key.
    idempotency_key = models.CharField(max_length=64, unique=True, null=True, blank=True)
    reply = EncryptedTextField(_("lời nhắn trả lời"), blank=True)
    replied_at = models.DateTimeField(_("trả lời lúc"), null=True, blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    handled_at = models.DateTimeField(_("tiếp nhận lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("yêu cầu hỗ trợ")
        verbose_name_plural = _("yêu cầu hỗ trợ")
        ordering = ["-is_urgent", "created_at"]
        indexes = [models.Index(fields=["school", "status", "is_urgent", "created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(channel="teacher") | Q(student__isnull=False),
                name="helprequest_teacher_names_student",
            ),
        ]

    def __str__(self) -> str:
        return self.tracking_code or f"#{self.pk}"


# --- Cases -----------------------------------------------------------------------------


class Stage(models.TextChoices):
    """The social-work process (Circular 18/2025, and Circular 33/2018 before it)."""

    RECEIVED = "received", _("Tiếp nhận")
    ASSESSING = "assessing", _("Thu thập thông tin, đánh giá")
    PLANNING = "planning", _("Lập kế hoạch hỗ trợ")
    SUPPORTING = "supporting", _("Thực hiện kế hoạch")
    REVIEWING = "reviewing", _("Rà soát, đánh giá")
    CLOSED = "closed", _("Kết thúc")


class Outcome(models.TextChoices):
    RESOLVED = "resolved", _("Vấn đề đã được giải quyết")
    IMPROVED = "improved", _("Tiến triển tốt, tự tiếp tục được")
    REFERRED = "referred", _("Đã chuyển gửi, đơn vị khác tiếp tục hỗ trợ")
    DECLINED = "declined", _("Học sinh không muốn tiếp tục")
    LEFT_SCHOOL = "left_school", _("Học sinh chuyển trường hoặc nghỉ học")
    OTHER = "other", _("Khác")


class Case(BaseModel):
    """One student's (or an anonymous student's) support, from first contact to closing."""

    school = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="cases", verbose_name=_("trường")
    )
    student = models.ForeignKey(
        Student,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=pgettext_lazy("một học sinh", "học sinh"),
    )
    # For a student who stays anonymous: how the counselor tells cases apart ("em lớp 7A").
    alias = EncryptedTextField(_("tên gọi tạm"), blank=True)
    opened_on = models.DateField(_("ngày mở"))
    stage = models.CharField(
        _("bước"), max_length=16, choices=Stage.choices, default=Stage.RECEIVED
    )
    is_urgent = models.BooleanField(_("gấp"), default=False)
    restricted = models.BooleanField(
        _("hạn chế"),
        default=False,
        help_text=_("Chỉ cán bộ được phân công mới thấy hồ sơ này."),
    )
    counselors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="assigned_cases", verbose_name=_("cán bộ phụ trách")
    )
    content_groups = models.ManyToManyField(
        ContentGroup, blank=True, related_name="+", verbose_name=_("nhóm nội dung")
    )
    summary = EncryptedTextField(_("vấn đề ban đầu"), blank=True)
    follow_up_on = models.DateField(_("hẹn theo dõi"), null=True, blank=True)
    outcome = models.CharField(_("kết quả"), max_length=16, choices=Outcome.choices, blank=True)
    closing_summary = EncryptedTextField(_("tóm tắt khi kết thúc"), blank=True)
    closed_on = models.DateField(_("ngày kết thúc"), null=True, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("hồ sơ hỗ trợ")
        verbose_name_plural = _("hồ sơ hỗ trợ")
        ordering = ["-opened_on", "-pk"]
        indexes = [models.Index(fields=["school", "stage"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(stage="closed") | (Q(closed_on__isnull=False) & ~Q(outcome="")),
                name="case_closed_has_outcome",
            ),
        ]

    def __str__(self) -> str:
        return _("Hồ sơ #%(pk)s") % {"pk": self.pk}

    @property
    def is_open(self) -> bool:
        return self.stage != Stage.CLOSED

    @property
    def subject(self) -> str:
        if self.student_id:
            return str(self.student)
        return self.alias or _("Học sinh ẩn danh")


class StageChange(models.Model):
    """Each move of a case through the process, with who moved it and why."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.CharField(max_length=16, choices=Stage.choices, blank=True)
    to_stage = models.CharField(max_length=16, choices=Stage.choices)
    changed_at = models.DateTimeField()
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reason = EncryptedTextField(_("lý do"), blank=True)

    class Meta:
        ordering = ["changed_at", "pk"]

    def __str__(self) -> str:
        return f"{self.from_stage or '-'} → {self.to_stage}"


# --- Consent (Law 91/2025/QH15, Decree 356/2025) --------------------------------------------


class ConsentGiver(models.TextChoices):
    STUDENT = "student", pgettext_lazy("một học sinh", "Học sinh")
    GUARDIAN = "guardian", _("Cha mẹ/người giám hộ")


class ConsentMethod(models.TextChoices):
    WRITTEN = "written", _("Ký giấy đồng ý")
    VERBAL = "verbal", _("Đồng ý bằng lời, có ghi nhận")
    MESSAGE = "message", _("Qua tin nhắn hoặc thư điện tử")


class Scope(models.TextChoices):
    COUNSELING = "counseling", _("tư vấn, hỗ trợ")
    FAMILY_CONTACT = "family_contact", _("liên hệ với gia đình")
    SCREENING = "screening", _("sàng lọc bằng bảng hỏi")
    SHARING = "sharing", _("chia sẻ thông tin với đơn vị phối hợp")


SCOPE_FIELDS = {
    Scope.COUNSELING: "covers_counseling",
    Scope.FAMILY_CONTACT: "covers_family_contact",
    Scope.SCREENING: "covers_screening",
    Scope.SHARING: "covers_sharing",
}


class Consent(BaseModel):
    """Who agreed to what, how and when; withdrawn consent stays on file, marked withdrawn.

    Silence is not consent, so only a record says "yes". Scopes are separate: agreeing to talk
    with the counselor is not agreeing that the family is called or that a partner is told.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="consents")
    given_by = models.CharField(_("người đồng ý"), max_length=16, choices=ConsentGiver.choices)
    guardian = models.ForeignKey(
        Guardian,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("phụ huynh"),
    )
    guardian_name = EncryptedTextField(_("tên phụ huynh"), blank=True)
    covers_counseling = models.BooleanField(_("tư vấn, hỗ trợ"), default=False)
    covers_family_contact = models.BooleanField(_("liên hệ với gia đình"), default=False)
    covers_screening = models.BooleanField(_("sàng lọc bằng bảng hỏi"), default=False)
    covers_sharing = models.BooleanField(_("chia sẻ thông tin với đơn vị phối hợp"), default=False)
    # Which clinic a child is shared with says much about the child: encrypted like notes.
    partner_name = EncryptedTextField(_("đơn vị được chia sẻ"), blank=True)
    method = models.CharField(_("cách đồng ý"), max_length=16, choices=ConsentMethod.choices)
    given_on = models.DateField(_("ngày đồng ý"))
    withdrawn_on = models.DateField(_("ngày rút lại"), null=True, blank=True)
    withdrawal_note = EncryptedTextField(_("ghi chú khi rút lại"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("sự đồng ý")
        verbose_name_plural = _("sự đồng ý")
        ordering = ["-given_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(covers_sharing=True) | ~Q(partner_name=""),
                name="consent_sharing_names_partner",
            ),
        ]

    @property
    def is_active(self) -> bool:
        return self.withdrawn_on is None

    def scopes(self) -> list[str]:
        return [
            str(self._meta.get_field(name).verbose_name)
            for name in SCOPE_FIELDS.values()
            if getattr(self, name)
        ]


class EmergencyOverride(models.Model):
    """An action taken without the consent it needs, because someone was in danger.

    Confidentiality yields only where the student or others risk serious harm; the reason is
    required, audited and shown on the case.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="emergencies")
    scope = models.CharField(_("việc làm khi chưa có đồng ý"), max_length=16, choices=Scope.choices)
    reason = EncryptedTextField(_("lý do khẩn cấp"))
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-recorded_at"]

    def __str__(self) -> str:
        return self.get_scope_display()


class Disclosure(models.Model):
    """Information about the case shared outside the school: to whom, what, on which basis."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="disclosures")
    partner_name = EncryptedTextField(_("đơn vị nhận"))
    content = EncryptedTextField(_("thông tin đã chia sẻ"))
    shared_at = models.DateTimeField()
    consent = models.ForeignKey(Consent, on_delete=models.PROTECT, null=True, blank=True)
    emergency = models.ForeignKey(
        EmergencyOverride, on_delete=models.PROTECT, null=True, blank=True
    )
    shared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-shared_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(consent__isnull=False) | Q(emergency__isnull=False),
                name="disclosure_has_basis",
            ),
        ]

    def __str__(self) -> str:
        return self.partner_name


# --- Assessment, plan, sessions ---------------------------------------------------------------


class RiskLevel(models.TextChoices):
    NONE = "none", _("Không có nguy cơ")
    LOW = "low", _("Thấp")
    MEDIUM = "medium", _("Trung bình")
    HIGH = "high", _("Cao")
    IMMINENT = "imminent", _("Nguy hiểm tức thời")


class Assessment(BaseModel):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="assessments")
    assessed_on = models.DateField(_("ngày đánh giá"))
    risk_level = models.CharField(_("mức nguy cơ"), max_length=16, choices=RiskLevel.choices)
    abuse_concern = models.BooleanField(
        _("nghi bị xâm hại, bạo lực hoặc bỏ mặc"),
        default=False,
        help_text=_("Đánh dấu sẽ báo ngay Ban giám hiệu và bắt đầu tính hạn báo cáo (111)."),
    )
    risk_reasons = EncryptedTextField(_("lý do đánh giá mức nguy cơ"), blank=True)
    protective_factors = EncryptedTextField(_("yếu tố bảo vệ"), blank=True)
    needs = EncryptedTextField(_("nhu cầu của học sinh"), blank=True)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("đánh giá")
        verbose_name_plural = _("đánh giá")
        ordering = ["-assessed_on", "-pk"]


class SupportPlan(BaseModel):
    """One version of the case's plan; a change adds a version, so history is kept."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="plans")
    version = models.PositiveSmallIntegerField()
    goals = EncryptedTextField(_("mục tiêu"))
    review_on = models.DateField(_("ngày rà soát"))
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("kế hoạch hỗ trợ")
        verbose_name_plural = _("kế hoạch hỗ trợ")
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["case", "version"], name="supportplan_unique_version")
        ]


class ActionStatus(models.TextChoices):
    OPEN = "open", _("Đang làm")
    DONE = "done", _("Đã xong")
    DROPPED = "dropped", _("Không làm nữa")


class PlanAction(BaseModel):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="actions")
    description = EncryptedTextField(_("việc cần làm"))
    owner = EncryptedTextField(pgettext_lazy("việc trong kế hoạch", "người thực hiện"))
    due_on = models.DateField(_("hạn"))
    status = models.CharField(
        _("trạng thái"), max_length=16, choices=ActionStatus.choices, default=ActionStatus.OPEN
    )
    done_on = models.DateField(_("ngày xong"), null=True, blank=True)

    class Meta:
        verbose_name = _("việc trong kế hoạch")
        verbose_name_plural = _("việc trong kế hoạch")
        ordering = ["due_on", "pk"]
        indexes = [models.Index(fields=["status", "due_on"])]


class SessionForm(models.TextChoices):
    """Counseling forms of Circular 18/2025: face to face in the room, or indirect."""

    INDIVIDUAL = "individual", _("Cá nhân, trực tiếp")
    GROUP = "group", _("Nhóm")
    ONLINE = "online", _("Trực tuyến")
    PHONE = "phone", _("Qua điện thoại")


class Session(BaseModel):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="sessions")
    school = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    held_at = models.DateTimeField(_("thời gian"))
    form = models.CharField(_("hình thức"), max_length=16, choices=SessionForm.choices)
    duration_minutes = models.PositiveSmallIntegerField(
        _("thời lượng (phút)"), validators=[MinValueValidator(5), MaxValueValidator(480)]
    )
    # Every student who took part; a group session counts each of them.
    students = models.ManyToManyField(
        Student, blank=True, related_name="sessions", verbose_name=_("học sinh tham gia")
    )
    others_present = EncryptedTextField(_("người khác tham gia"), blank=True)
    content_groups = models.ManyToManyField(
        ContentGroup, blank=True, related_name="+", verbose_name=_("nhóm nội dung")
    )
    notes = EncryptedTextField(_("ghi chép"), blank=True)
    next_steps = EncryptedTextField(_("bước tiếp theo"), blank=True)
    counselor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    emergency = models.ForeignKey(
        EmergencyOverride, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("buổi tư vấn")
        verbose_name_plural = _("buổi tư vấn")
        ordering = ["-held_at"]
        indexes = [models.Index(fields=["school", "held_at"])]


# --- Safeguarding ---------------------------------------------------------------------------


class AlertReason(models.TextChoices):
    HIGH_RISK = "high_risk", _("Nguy cơ cao")
    IMMINENT_RISK = "imminent_risk", _("Nguy hiểm tức thời")
    ABUSE = "abuse", _("Nghi bị xâm hại, bạo lực hoặc bỏ mặc")
    # PHQ-9 item 9 above zero: thoughts of death or self-harm, raised by the screening itself.
    SCREENING_SELF_HARM = "screen_self_harm", _("Sàng lọc: có ý nghĩ tự hại")


class AlertLevel(models.IntegerChoices):
    """Who must acknowledge: the school's team first, then its leadership, then the Department."""

    TEAM = 0, _("Tổ tư vấn và Ban giám hiệu")
    LEAD = 1, _("Ban giám hiệu (đã nhắc lại)")
    DEPARTMENT = 2, _("Sở GD&ĐT")


class SafeguardingAlert(models.Model):
    """A child may be at serious risk: someone must acknowledge it, or it climbs a level.

    The alert carries case metadata only (number, reason, times), never notes, so school leads
    and the Department's officers can act on it without reading the case.
    """

    # An alert is about a case, or, when a screening raised it before anyone opened a case,
    # about the queue item (help request) the screening raised; opening a case from that
    # request moves the alert onto the case.
    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, null=True, blank=True, related_name="alerts"
    )
    help_request = models.ForeignKey(
        HelpRequest, on_delete=models.CASCADE, null=True, blank=True, related_name="alerts"
    )
    school = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("lý do"), max_length=16, choices=AlertReason.choices)
    raised_at = models.DateTimeField(_("lúc báo"))
    # Empty when the system raised it (a student's screening answers).
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    level = models.PositiveSmallIntegerField(
        _("cấp"), choices=AlertLevel.choices, default=AlertLevel.TEAM
    )
    ack_due_at = models.DateTimeField(_("hạn xác nhận"))
    acknowledged_at = models.DateTimeField(_("đã xác nhận lúc"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    escalated_at = models.DateTimeField(_("chuyển cấp lúc"), null=True, blank=True)
    # Child-protection cases (abuse, violence, neglect): the school must report to 111 or the
    # competent authority within working hours (Circular 33/2018: 12 working hours).
    report_due_at = models.DateTimeField(_("hạn báo cáo"), null=True, blank=True)

    class Meta:
        verbose_name = _("cảnh báo an toàn")
        verbose_name_plural = _("cảnh báo an toàn")
        ordering = ["acknowledged_at", "-level", "raised_at"]
        indexes = [models.Index(fields=["school", "acknowledged_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(case__isnull=False) | Q(help_request__isnull=False),
                name="alert_about_case_or_request",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} · {self.subject}"

    @property
    def subject(self) -> str:
        """What the alert is about, by number only: "hồ sơ #12" or "yêu cầu #34"."""
        if self.case_id:
            return gettext("hồ sơ #%(pk)s") % {"pk": self.case_id}
        return gettext("yêu cầu #%(pk)s") % {"pk": self.help_request_id}

    @property
    def is_acknowledged(self) -> bool:
        return self.acknowledged_at is not None


class ReportedTo(models.TextChoices):
    HOTLINE_111 = "hotline_111", _("Tổng đài quốc gia bảo vệ trẻ em 111")
    COMMUNE_POLICE = "commune_police", _("Công an xã/phường")
    COMMUNE_COMMITTEE = "commune_committee", _("UBND xã/phường")
    SOCIAL_WORK_CENTRE = "social_work_centre", _("Trung tâm công tác xã hội")
    OTHER = "other", _("Cơ quan có thẩm quyền khác")


class ChildProtectionReport(models.Model):
    """The school reported a child-protection case: who, to whom, when, with what reference."""

    alert = models.ForeignKey(SafeguardingAlert, on_delete=models.CASCADE, related_name="reports")
    reported_at = models.DateTimeField(_("báo cáo lúc"))
    reported_to = models.CharField(_("báo cho"), max_length=24, choices=ReportedTo.choices)
    reporter = EncryptedTextField(_("người báo cáo"))
    reference = EncryptedTextField(_("số công văn hoặc mã cuộc gọi"), blank=True)
    notes = EncryptedTextField(_("ghi chú"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["reported_at"]

    def __str__(self) -> str:
        return self.get_reported_to_display()
