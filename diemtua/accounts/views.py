from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import access, selectors, services
from .forms import MembershipForm, UserCreateForm
from .roles import Role


@require_GET
@login_required
def home(request):
    """One page, a section per role the user holds (a user may hold several)."""
    user = request.user
    roles = access.roles_of(user)
    context = {"roles": roles}
    by_role = {}
    for membership in access.memberships(user):
        by_role.setdefault(membership.role, []).append(membership.org_unit)

    school_roles = [Role.COUNSELOR, Role.SCHOOL_LEAD, Role.TEACHER]
    school_units = {u.pk: u for r in school_roles for u in by_role.get(r, [])}
    if school_units:
        context["my_schools"] = selectors.school_summaries(
            fetched_by=user, schools=list(school_units.values())
        )
    if Role.COUNSELOR in by_role:
        # The counselor's morning: what waits in each school's queue.
        from diemtua.cases import selectors as case_selectors

        today = timezone.localdate()
        context["queue_counts"] = {
            school.pk: case_selectors.queue_counts(fetched_by=user, school=school, today=today)
            for school in by_role[Role.COUNSELOR]
        }
    alert_schools = {
        u.pk: u for r in (Role.COUNSELOR, Role.SCHOOL_LEAD) for u in by_role.get(r, [])
    }
    if alert_schools:
        from diemtua.cases import alerts as case_alerts
        from diemtua.cases import selectors as case_selectors

        context["safeguarding_alerts"] = [
            (alert, case_alerts.clock(alert))
            for alert in case_selectors.open_alerts(
                fetched_by=user, schools=list(alert_schools.values())
            )
        ]
    if Role.DEPARTMENT_OFFICER in by_role:
        from diemtua.cases import selectors as case_selectors

        context["escalated_alerts"] = case_selectors.escalated_alerts(
            fetched_by=user, units=by_role[Role.DEPARTMENT_OFFICER]
        )
    if Role.SCHOOL_LEAD in by_role:
        context["lead_staff"] = [
            (school, list(selectors.staff_of_school(fetched_by=user, school=school)))
            for school in by_role[Role.SCHOOL_LEAD]
        ]
    officer_units = by_role.get(Role.DEPARTMENT_OFFICER, []) + by_role.get(Role.COMMUNE_OFFICER, [])
    context["officer_units"] = [
        (unit, list(selectors.schools_of_unit(fetched_by=user, unit=unit)))
        for unit in officer_units
    ]
    if roles & {Role.MINISTRY_OFFICER, Role.SYSTEM_ADMIN}:
        context["provinces"] = selectors.provinces_overview(fetched_by=user)
    if Role.SYSTEM_ADMIN in roles:
        context["unit_count"] = selectors.unit_count(fetched_by=user)
        context["user_count"] = selectors.user_list(fetched_by=user).count()
    context["partner_units"] = by_role.get(Role.PARTNER_STAFF, [])
    return render(request, "accounts/home.html", context)


@require_GET
@login_required
def user_list(request):
    query = request.GET.get("q", "").strip()[:100]
    users = selectors.user_list(fetched_by=request.user, query=query)
    page = Paginator(users, 50).get_page(request.GET.get("page"))
    return render(request, "accounts/user_list.html", {"page": page, "q": query})


@require_http_methods(["GET", "POST"])
@login_required
def user_create(request):
    access.require_role(request.user, {Role.SYSTEM_ADMIN})
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        user = services.user_create(
            actor=request.user,
            username=data["username"],
            full_name=data["full_name"],
            password=data["password"],
            email=data["email"],
            phone=data["phone"],
            must_change_password=True,
        )
        services.membership_grant(
            actor=request.user, user=user, org_unit=data["org_unit"], role=data["role"]
        )
        messages.success(request, _("Đã tạo tài khoản %(username)s.") % {"username": user})
        return redirect("user_detail", pk=user.pk)
    return render(request, "accounts/user_form.html", {"form": form})


@require_http_methods(["GET", "POST"])
@login_required
def user_detail(request, pk: int):
    """A user's memberships; POST grants one more."""
    target = access.get_user_for_admin(request.user, pk)
    form = MembershipForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.membership_grant(
                actor=request.user,
                user=target,
                org_unit=form.cleaned_data["org_unit"],
                role=form.cleaned_data["role"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Đã gán vai trò."))
            return redirect("user_detail", pk=target.pk)
    return render(
        request,
        "accounts/user_detail.html",
        {
            "target": target,
            "memberships": selectors.memberships_of(fetched_by=request.user, user=target),
            "form": form,
        },
    )


@require_POST
@login_required
def user_set_active(request, pk: int):
    target = access.get_user_for_admin(request.user, pk)
    if target == request.user:
        messages.error(request, _("Bạn không thể tự khóa tài khoản của mình."))
        return redirect("user_detail", pk=target.pk)
    services.user_set_active(
        actor=request.user, user=target, is_active=request.POST.get("active") == "1"
    )
    messages.success(request, _("Đã cập nhật trạng thái tài khoản."))
    return redirect("user_detail", pk=target.pk)


@require_POST
@login_required
def membership_revoke(request, pk: int, membership_pk: int):
    target = access.get_user_for_admin(request.user, pk)
    membership = get_object_or_404(target.memberships, pk=membership_pk)
    services.membership_revoke(actor=request.user, membership=membership)
    messages.success(request, _("Đã thu hồi vai trò."))
    return redirect("user_detail", pk=target.pk)


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's password change, plus the audit row and the end of a forced change."""

    template_name = "registration/password_change_form.html"

    def form_valid(self, form):
        response = super().form_valid(form)
        services.password_changed(actor=self.request.user, user=self.request.user)
        messages.success(self.request, _("Đã đổi mật khẩu."))
        return response

    def get_success_url(self):
        from django.urls import reverse

        return reverse("home")
