from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_GET

from diemtua.audit import selectors as audit_selectors
from diemtua.audit import services as audit

from . import access, selectors


@require_GET
@login_required
def student_list(request):
    school, schools = access.get_counselor_school(request.user, request.GET.get("school", ""))
    query = request.GET.get("q", "").strip()[:100]
    class_name = request.GET.get("class", "").strip()[:20]
    students = selectors.student_list(
        fetched_by=request.user, school=school, query=query, class_name=class_name
    )
    page = Paginator(students, 50).get_page(request.GET.get("page"))
    audit.record(
        actor=request.user,
        action="students.list_view",
        org_unit=school,
        request=request,
        extra={"q": query, "class": class_name, "page": page.number, "count": len(page)},
    )
    # A history restore (Back after the cache expired) needs the whole page, not the rows.
    partial = request.htmx and not request.htmx.history_restore_request
    template = "students/_list_rows.html" if partial else "students/list.html"
    return render(
        request,
        template,
        {
            "school": school,
            "schools": schools,
            "page": page,
            "q": query,
            "class_name": class_name,
            "class_names": selectors.class_names(fetched_by=request.user, school=school),
        },
    )


@require_GET
@login_required
def student_detail(request, pk: int):
    student = access.get_student_for_user(request.user, pk, request=request)
    audit.record(
        actor=request.user,
        action="students.detail_view",
        obj=student,
        org_unit=student.school_id,
        request=request,
        reason=request.GET.get("reason", "")[:255],
    )
    return render(
        request,
        "students/detail.html",
        {
            "student": student,
            "guardians": student.guardians.all(),
            # Counselors see who opened this record: the trail is a shared duty, not a secret.
            "access_log": audit_selectors.events_for_object(obj=student, limit=10),
        },
    )
