"""Preventive, educational and awareness activities, and communication campaigns.

Circular 18/2025 (like Circular 31/2017 before it) names the forms of school counseling done with
whole groups: lessons and class activities, thematic talks, clubs, forums, channels with parents;
the Quảng Ngãi 2022 letter asks for communication that reaches families, schools and society.
An activity records what was done, for whom and how many took part — counts only, never names:
nothing here identifies a student, so nothing is encrypted. Photos may show children, so
attachments are served only to those who may see the activity (access.py).
"""

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from diemtua.core.models import BaseModel


class ActivityKind(models.TextChoices):
    THEMATIC_TALK = "thematic_talk", _("Chuyên đề, nói chuyện chuyên đề")
    CLASS_ACTIVITY = "class_activity", _("Tiết học, sinh hoạt lớp")
    FLAG_CEREMONY = "flag_ceremony", _("Sinh hoạt dưới cờ")
    CLUB = "club", _("Câu lạc bộ")
    FORUM = "forum", _("Diễn đàn")
    PARENT_MEETING = "parent_meeting", _("Họp, trao đổi với cha mẹ học sinh")
    GROUP_SESSION = "group_session", _("Tư vấn, sinh hoạt nhóm")
    CAMPAIGN_WEBSITE = "campaign_website", _("Truyền thông trên trang thông tin điện tử")
    CAMPAIGN_SOCIAL = "campaign_social", _("Truyền thông trên mạng xã hội")
    CAMPAIGN_POSTER = "campaign_poster", _("Truyền thông bằng áp phích, pa-nô, tờ rơi")
    CAMPAIGN_RADIO = "campaign_radio", _("Truyền thông qua phát thanh")
    CAMPAIGN_PRESS = "campaign_press", _("Truyền thông trên báo chí")


CAMPAIGN_KINDS = frozenset(
    {
        ActivityKind.CAMPAIGN_WEBSITE,
        ActivityKind.CAMPAIGN_SOCIAL,
        ActivityKind.CAMPAIGN_POSTER,
        ActivityKind.CAMPAIGN_RADIO,
        ActivityKind.CAMPAIGN_PRESS,
    }
)
# Kinds that run over a period (a campaign, a club's term) and so may have an end date.
SPAN_KINDS = CAMPAIGN_KINDS | {ActivityKind.CLUB}

# Columns of the per-school totals: the kinds grouped as reports count them.
KIND_FAMILIES = [
    ("talks", _("Chuyên đề, diễn đàn"), {ActivityKind.THEMATIC_TALK, ActivityKind.FORUM}),
    (
        "class",
        _("Hoạt động lớp, dưới cờ"),
        {ActivityKind.CLASS_ACTIVITY, ActivityKind.FLAG_CEREMONY},
    ),
    ("clubs", _("Câu lạc bộ"), {ActivityKind.CLUB}),
    ("parents", _("Với cha mẹ học sinh"), {ActivityKind.PARENT_MEETING}),
    ("groups", _("Sinh hoạt nhóm"), {ActivityKind.GROUP_SESSION}),
    ("campaigns", _("Truyền thông"), set(CAMPAIGN_KINDS)),
]


class TargetGroup(models.TextChoices):
    STUDENTS = "students", _("Học sinh")
    PARENTS = "parents", _("Cha mẹ học sinh")
    TEACHERS = "teachers", _("Giáo viên, cán bộ nhà trường")
    STUDENTS_PARENTS = "students_parents", _("Học sinh và cha mẹ học sinh")
    COMMUNITY = "community", _("Cộng đồng, toàn xã hội")


class ReachMeasure(models.TextChoices):
    VIEWS = "views", _("lượt xem")
    LISTENERS = "listeners", _("lượt nghe (ước tính)")
    COPIES = "copies", _("bản in phát hành")
    PEOPLE = "people", _("người được tiếp cận")


# Beyond these a number was mistyped (and PostgreSQL's integer would overflow).
MAX_PARTICIPANTS = 1_000_000
MAX_REACH = 10_000_000_000
_COUNT = [MaxValueValidator(MAX_PARTICIPANTS)]


class Activity(BaseModel):
    kind = models.CharField(_("hình thức"), max_length=20, choices=ActivityKind.choices)
    title = models.CharField(_("tên hoạt động"), max_length=255)
    search_title = models.CharField(max_length=255, editable=False)
    held_on = models.DateField(_("ngày tổ chức"))
    end_on = models.DateField(_("ngày kết thúc"), null=True, blank=True)
    org_unit = models.ForeignKey(
        "orgs.OrgUnit",
        verbose_name=_("đơn vị tổ chức"),
        on_delete=models.PROTECT,
        related_name="activities",
    )
    content_groups = models.ManyToManyField(
        "cases.ContentGroup", verbose_name=_("nhóm nội dung"), blank=True, related_name="+"
    )
    target_group = models.CharField(
        _("đối tượng"), max_length=20, choices=TargetGroup.choices, default=TargetGroup.STUDENTS
    )
    # Participants: counts only (Law 91/2025: no personal data where none is needed).
    male_count = models.PositiveIntegerField(_("số nam tham gia"), default=0, validators=_COUNT)
    female_count = models.PositiveIntegerField(_("số nữ tham gia"), default=0, validators=_COUNT)
    primary_count = models.PositiveIntegerField(
        _("học sinh tiểu học"), default=0, validators=_COUNT
    )
    lower_secondary_count = models.PositiveIntegerField(
        _("học sinh THCS"), default=0, validators=_COUNT
    )
    upper_secondary_count = models.PositiveIntegerField(
        _("học sinh THPT"), default=0, validators=_COUNT
    )
    reach = models.PositiveBigIntegerField(
        _("lượt tiếp cận"), null=True, blank=True, validators=[MaxValueValidator(MAX_REACH)]
    )
    reach_measure = models.CharField(
        _("đơn vị tính lượt tiếp cận"), max_length=12, choices=ReachMeasure.choices, blank=True
    )
    partners = models.ManyToManyField(
        "referrals.ProviderProfile",
        verbose_name=_("đơn vị phối hợp"),
        blank=True,
        related_name="activities",
    )
    partners_other = models.CharField(_("đơn vị phối hợp khác"), max_length=255, blank=True)
    description = models.TextField(_("nội dung, kết quả"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người ghi"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("hoạt động")
        verbose_name_plural = _("hoạt động")
        ordering = ["-held_on", "-pk"]
        indexes = [
            # Lists, the calendar and the totals: a unit's (or subtree's) activities by date.
            models.Index(fields=["org_unit", "held_on"], name="activity_unit_date"),
            models.Index(fields=["held_on"], name="activity_date"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_on__isnull=True) | Q(end_on__gte=F("held_on")),
                name="activity_end_after_start",
                violation_error_message=_("Ngày kết thúc không được trước ngày bắt đầu."),
            ),
            models.CheckConstraint(
                condition=Q(
                    primary_count__lte=F("male_count")
                    + F("female_count")
                    - F("lower_secondary_count")
                    - F("upper_secondary_count")
                ),
                name="activity_levels_within_participants",
                violation_error_message=_(
                    "Số học sinh theo cấp học không được lớn hơn tổng số người tham gia."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def participants(self) -> int:
        return self.male_count + self.female_count

    @property
    def is_campaign(self) -> bool:
        return self.kind in CAMPAIGN_KINDS


class Attachment(BaseModel):
    """A photo, slide deck or document of an activity, kept in the "uploads" storage.

    `stored_name` is random (core/uploads.store); the name the person gave is kept only for
    the download. `content_type` is what the content showed, not what the browser claimed.
    """

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="attachments")
    stored_name = models.CharField(max_length=255, unique=True, editable=False)
    original_name = models.CharField(_("tên tệp"), max_length=255)
    file_kind = models.CharField(_("loại tệp"), max_length=8)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField(_("dung lượng"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("tệp đính kèm")
        verbose_name_plural = _("tệp đính kèm")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")

    @property
    def kind_label(self) -> str:
        from diemtua.core.uploads import KINDS

        kind = KINDS.get(self.file_kind)
        return str(kind.label) if kind else self.file_kind
