"""Questionnaires as data: instruments and their versions, class screenings, surveys, answers.

An instrument (PHQ-9, GAD-7, the pilot's surveys) is a JSON definition in `instruments/`:
items, answer options, scoring, severity bands, flag rules, texts in Vietnamese and English.
Each change of definition becomes a new InstrumentVersion; answers point at the version they
were given on, so a changed questionnaire never alters old answers or their scores.
"""

import json

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from diemtua.core.fields import EncryptedTextField
from diemtua.core.models import BaseModel
from diemtua.orgs.models import OrgUnit
from diemtua.students.models import Guardian, Student


class InstrumentKind(models.TextChoices):
    SCREENING = "screening", _("Bảng hỏi sàng lọc")
    SURVEY = "survey", _("Phiếu khảo sát")


class Audience(models.TextChoices):
    STUDENT = "student", _("Học sinh")
    STAFF = "staff", _("Cán bộ, giáo viên")
    SCHOOL = "school", _("Nhà trường")


def localized(texts, language: str | None = None) -> str:
    """Pick the text for the current language from {"vi": …, "en": …} (Vietnamese first)."""
    if isinstance(texts, str):
        return texts
    if not texts:
        return ""
    language = (language or get_language() or "vi")[:2]
    return texts.get(language) or texts.get("vi") or next(iter(texts.values()))


class Instrument(BaseModel):
    code = models.CharField(_("mã"), max_length=32, unique=True)
    kind = models.CharField(_("loại"), max_length=16, choices=InstrumentKind.choices)
    audience = models.CharField(_("người trả lời"), max_length=16, choices=Audience.choices)
    is_active = models.BooleanField(_("đang dùng"), default=True)

    class Meta:
        verbose_name = _("bảng hỏi")
        verbose_name_plural = _("bảng hỏi")
        ordering = ["kind", "code"]

    def __str__(self) -> str:
        return self.code

    def current_version(self) -> "InstrumentVersion":
        return self.versions.order_by("-number").first()


class InstrumentVersion(models.Model):
    """One frozen definition of an instrument; never edited once answers point at it."""

    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveSmallIntegerField(_("phiên bản"))
    definition = models.JSONField(_("định nghĩa"))
    checksum = models.CharField(max_length=64, editable=False)
    published_at = models.DateTimeField(_("ban hành lúc"), auto_now_add=True)

    class Meta:
        verbose_name = _("phiên bản bảng hỏi")
        verbose_name_plural = _("phiên bản bảng hỏi")
        ordering = ["instrument", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["instrument", "number"], name="instrument_version_once")
        ]

    def __str__(self) -> str:
        return f"{self.instrument.code} v{self.number}"

    @property
    def title(self) -> str:
        return localized(self.definition.get("title"))

    @property
    def is_anonymous(self) -> bool:
        return bool(self.definition.get("anonymous"))


# --- Screening consent ----------------------------------------------------------------------


class ConsentGiver(models.TextChoices):
    STUDENT = "student", _("Học sinh")
    GUARDIAN = "guardian", _("Cha mẹ/người giám hộ")


class ConsentMethod(models.TextChoices):
    WRITTEN = "written", _("Ký phiếu đồng ý")
    VERBAL = "verbal", _("Đồng ý bằng lời, có ghi nhận")
    MESSAGE = "message", _("Qua tin nhắn hoặc thư điện tử")


class ScreeningConsent(BaseModel):
    """A student's or guardian's agreement that the student takes part in screening.

    Screening processes health data about a child: the legal representative must agree, and the
    child too from age 7 (Law 91/2025/QH15 on personal data protection, Decree 356/2025; Circular
    18/2025 on voluntariness). It covers screening at this school until withdrawn.
    """

    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="+")
    school = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    given_by = models.CharField(_("người đồng ý"), max_length=16, choices=ConsentGiver.choices)
    guardian = models.ForeignKey(
        Guardian,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("phụ huynh"),
    )
    method = models.CharField(_("cách đồng ý"), max_length=16, choices=ConsentMethod.choices)
    given_on = models.DateField(_("ngày đồng ý"))
    withdrawn_on = models.DateField(_("ngày rút lại"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("đồng ý sàng lọc")
        verbose_name_plural = _("đồng ý sàng lọc")
        ordering = ["-given_on", "-pk"]
        indexes = [models.Index(fields=["school", "student"])]


# --- Administrations (a class or group answers an instrument) --------------------------------


class Administration(BaseModel):
    """A counselor gives one instrument version to a class or group, with a deadline."""

    school = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name=_("trường")
    )
    version = models.ForeignKey(
        InstrumentVersion,
        on_delete=models.PROTECT,
        related_name="administrations",
        verbose_name=_("bảng hỏi"),
    )
    group_name = models.CharField(_("lớp hoặc nhóm"), max_length=60)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    closes_at = models.DateTimeField(_("hạn trả lời"))
    closed_at = models.DateTimeField(_("đã đóng lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("đợt sàng lọc")
        verbose_name_plural = _("đợt sàng lọc")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["school", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.version} · {self.group_name}"


class ParticipantStatus(models.TextChoices):
    INVITED = "invited", _("Chưa trả lời")
    COMPLETED = "completed", _("Đã trả lời")
    WITHDRAWN = "withdrawn", _("Đã rút (hết đồng ý)")


class Participant(models.Model):
    """A student invited to an administration, with the one-time code they answer with.

    Only a keyed hash of the code is searched on; the code itself is kept encrypted so the
    counselor can print the slips again, and is erased once used.
    """

    administration = models.ForeignKey(
        Administration, on_delete=models.CASCADE, related_name="participants"
    )
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        _("trạng thái"),
        max_length=16,
        choices=ParticipantStatus.choices,
        default=ParticipantStatus.INVITED,
    )
    code = EncryptedTextField(_("mã trả lời"), blank=True)
    code_hash = models.CharField(max_length=64, unique=True, editable=False)
    used_at = models.DateTimeField(_("trả lời lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("học sinh tham gia")
        verbose_name_plural = _("học sinh tham gia")
        constraints = [
            models.UniqueConstraint(
                fields=["administration", "student"], name="participant_once_per_administration"
            )
        ]

    def __str__(self) -> str:
        return f"{self.administration_id}:{self.student_id}"


# --- Surveys (programs and departments ask schools or staff) --------------------------------


class Survey(BaseModel):
    """A survey sent by a department, the Ministry or a program to schools or their staff."""

    owner = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name=_("đơn vị khảo sát")
    )
    version = models.ForeignKey(
        InstrumentVersion, on_delete=models.PROTECT, related_name="surveys", verbose_name=_("phiếu")
    )
    title = models.CharField(_("tên đợt khảo sát"), max_length=200)
    instructions = models.TextField(_("hướng dẫn"), blank=True)
    deadline = models.DateField(_("hạn trả lời"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(_("đã đóng lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("đợt khảo sát")
        verbose_name_plural = _("đợt khảo sát")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title


class SurveyRecipient(models.Model):
    """Who must answer: a school (school surveys) or one staff member at a school."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="recipients")
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    responded_at = models.DateTimeField(_("trả lời lúc"), null=True, blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    last_reminded_at = models.DateTimeField(_("nhắc lần cuối"), null=True, blank=True)

    class Meta:
        verbose_name = _("nơi nhận khảo sát")
        verbose_name_plural = _("nơi nhận khảo sát")
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "unit"],
                condition=Q(user__isnull=True),
                name="survey_school_once",
            ),
            models.UniqueConstraint(
                fields=["survey", "user"],
                condition=Q(user__isnull=False),
                name="survey_person_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.survey_id}:{self.unit_id}:{self.user_id or '-'}"


# --- Answers --------------------------------------------------------------------------------


class Response(models.Model):
    """One set of answers, scored when given, on the version it was given on.

    Item answers are health data about a child: they are stored encrypted. The total, band and
    flags stay readable so a class summary or a queue can count them without decrypting.
    Exactly one of participant (a student's screening), survey recipient, or an administration
    alone (anonymous student surveys) says whose answers these are.
    """

    version = models.ForeignKey(InstrumentVersion, on_delete=models.PROTECT, related_name="+")
    administration = models.ForeignKey(
        Administration, on_delete=models.CASCADE, null=True, blank=True, related_name="responses"
    )
    participant = models.OneToOneField(
        Participant, on_delete=models.CASCADE, null=True, blank=True, related_name="response"
    )
    recipient = models.OneToOneField(
        SurveyRecipient,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="response",
    )
    answers_json = EncryptedTextField()
    total = models.IntegerField(_("tổng điểm"), null=True, blank=True)
    band = models.CharField(_("mức độ"), max_length=32, blank=True)
    flags = models.JSONField(_("cờ"), default=list, blank=True)
    is_urgent = models.BooleanField(_("gấp"), default=False)
    submitted_at = models.DateTimeField(_("trả lời lúc"))
    # The queue item a flag raised (cases.HelpRequest, channel "screening").
    help_request = models.ForeignKey(
        "cases.HelpRequest", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("câu trả lời")
        verbose_name_plural = _("câu trả lời")
        indexes = [models.Index(fields=["administration", "band"])]

    def __str__(self) -> str:
        return f"{self.version} #{self.pk}"

    @property
    def answers(self) -> dict:
        return json.loads(self.answers_json or "{}")
