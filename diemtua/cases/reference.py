"""The content groups of the two regulations, as data, and which one is in force on a date."""

import datetime

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_noop

from .models import ContentGroup, Regulation

# Marked for translation but stored in Vietnamese: ContentGroup.label and .plain translate them
# on display (xgettext knows `_`).
_ = gettext_noop

# Circular 18/2025 took effect on 31/10/2025 and replaced Circular 31/2017.
CIRCULAR_18_IN_FORCE = datetime.date(2025, 10, 31)

CONTENT_GROUPS = {
    Regulation.CIRCULAR_31_2017: (
        None,
        CIRCULAR_18_IN_FORCE - datetime.timedelta(days=1),
        [
            ("tt31_gender_health", _("Tư vấn tâm lý lứa tuổi, giới tính, hôn nhân, gia đình, sức khỏe sinh sản vị thành niên"), _("Chuyện tuổi lớn, cơ thể, bạn trai bạn gái, gia đình")),
            ("tt31_skills_violence", _("Tư vấn, giáo dục kỹ năng, phòng chống xâm hại, bạo lực học đường, bảo vệ trẻ em"), _("Bị bắt nạt, bị đánh, bị ai đó làm hại hoặc đụng chạm")),
            ("tt31_relationships", _("Tư vấn giải quyết vấn đề trong quan hệ gia đình, thầy cô, bạn bè"), _("Chuyện với bố mẹ, thầy cô hoặc bạn bè")),
            ("tt31_learning_career", _("Tư vấn phương pháp học tập, định hướng nghề nghiệp"), _("Chuyện học hành, chọn nghề sau này")),
            ("tt31_intervention", _("Học sinh có khó khăn cần can thiệp, hỗ trợ và chuyển tuyến"), _("Em đang gặp chuyện rất khó, cần người giúp ngay")),
        ],
    ),
    Regulation.CIRCULAR_18_2025: (
        CIRCULAR_18_IN_FORCE,
        None,
        [
            ("tt18_learning", _("Tư vấn học tập"), _("Chuyện học hành, bài vở, thi cử")),
            ("tt18_gender_social", _("Tư vấn về giới và các mối quan hệ xã hội"), _("Chuyện tuổi lớn, bạn bè, gia đình, thầy cô")),
            ("tt18_psychology", _("Tư vấn tâm lý (phòng ngừa, sàng lọc, phát hiện sớm, tư vấn, kết nối dịch vụ tâm lý)"), _("Em thấy buồn, lo, sợ, căng thẳng hoặc khó ngủ")),
            ("tt18_life_skills", _("Tư vấn kỹ năng sống"), _("Em muốn biết cách xử lý một việc khó")),
            ("tt18_career", _("Tư vấn hướng nghiệp, việc làm, khởi nghiệp"), _("Chọn trường, chọn nghề sau này")),
            ("tt18_policy_law", _("Tư vấn chính sách, pháp luật"), _("Quyền của em, tiền hỗ trợ, học bổng, giấy tờ")),
            ("tt18_social_work", _("Dịch vụ công tác xã hội"), _("Nhà em khó khăn, em bị bắt nạt hoặc bị ai đó làm hại")),
        ],
    ),
}  # fmt: skip


@transaction.atomic
def load_content_groups(model=ContentGroup) -> int:
    """Create or update both regulations' groups (idempotent); returns how many were created.

    `model` lets the data migration pass its historical model.
    """
    created = 0
    for regulation, (valid_from, valid_to, groups) in CONTENT_GROUPS.items():
        for position, (code, name, plain) in enumerate(groups, start=1):
            _group, was_created = model.objects.update_or_create(
                regulation=regulation,
                code=code,
                defaults={
                    "position": position,
                    "name": name,
                    "plain_label": plain,
                    "valid_from": valid_from,
                    "valid_to": valid_to,
                },
            )
            created += was_created
    return created


def groups_in_force(on: datetime.date) -> QuerySet[ContentGroup]:
    """The groups a record dated `on` is filed under (one regulation's generation)."""
    return ContentGroup.objects.filter(
        Q(valid_from__isnull=True) | Q(valid_from__lte=on),
        Q(valid_to__isnull=True) | Q(valid_to__gte=on),
    ).order_by("position")
