"""Reads of student records, always limited to the schools where the reader is a counselor."""

from django.db.models import Q, QuerySet

from diemtua.accounts import access
from diemtua.accounts.roles import STUDENT_DATA_ROLES
from diemtua.core.text import fold

from .models import Student


def counselor_schools(*, fetched_by) -> list:
    """Schools whose students this user may see; 403 for everyone else."""
    return access.require_role(fetched_by, STUDENT_DATA_ROLES)


def student_list(
    *, fetched_by, school=None, query: str = "", class_name: str = "", active_only: bool = True
) -> QuerySet[Student]:
    """Students of the reader's school(s), searched by name without diacritics or by identifier."""
    schools = counselor_schools(fetched_by=fetched_by)
    school_ids = [s.pk for s in schools]
    if school is not None:
        school_ids = [pk for pk in school_ids if pk == school.pk]
    # Lists never decrypt free text: one unreadable value must not take the whole list down.
    qs = (
        Student.objects.filter(school_id__in=school_ids)
        .select_related("school")
        .defer("support_needs")
    )
    if active_only:
        qs = qs.filter(is_active=True)
    if class_name:
        qs = qs.filter(class_name__iexact=class_name.strip())
    folded = fold(query)
    if folded:
        # Every word must start a word of the name, in any order: "an nguyen" finds "Nguyễn Văn
        # An", "ng v a" too, but "uyen" does not match inside "nguyen".
        condition = Q()
        for word in folded.split()[:6]:
            condition &= Q(search_name__startswith=word) | Q(search_name__contains=f" {word}")
        if query.strip().isdigit():
            condition |= Q(national_id=query.strip())
        qs = qs.filter(condition)
    return qs.order_by("grade", "class_name", "sort_name")


def class_names(*, fetched_by, school) -> list[str]:
    return list(
        student_list(fetched_by=fetched_by, school=school)
        .order_by("grade", "class_name")
        .values_list("class_name", flat=True)
        .distinct()
    )


def class_roster(*, fetched_by, school, class_name: str) -> QuerySet[Student]:
    """One class's active students with their guardians, for the Excel export."""
    if not class_name.strip():
        return Student.objects.none()
    return (
        student_list(fetched_by=fetched_by, school=school, class_name=class_name)
        .defer("support_needs")
        .prefetch_related("guardians")
    )
