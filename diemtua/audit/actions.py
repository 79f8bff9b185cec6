"""Readable names for audit actions, for the access-log pages (codes stay in the rows)."""

from django.utils.translation import gettext_lazy as _

ACTION_LABELS = {
    "accounts.login": _("Đăng nhập"),
    "accounts.login_failed": _("Đăng nhập thất bại"),
    "accounts.logout": _("Đăng xuất"),
    "accounts.password_change": _("Đổi mật khẩu"),
    "accounts.user_create": _("Tạo tài khoản"),
    "accounts.user_lock": _("Khóa tài khoản"),
    "accounts.user_unlock": _("Mở khóa tài khoản"),
    "accounts.membership_grant": _("Gán vai trò"),
    "accounts.membership_revoke": _("Thu hồi vai trò"),
    "orgs.unit_create": _("Tạo đơn vị"),
    "orgs.unit_update": _("Sửa đơn vị"),
    "students.list_view": _("Xem danh sách học sinh"),
    "students.detail_view": _("Xem hồ sơ học sinh"),
    "students.access_refused": _("Bị từ chối xem hồ sơ học sinh"),
    "students.class_export": _("Xuất danh sách lớp"),
    "students.roster_import": _("Nhập danh sách học sinh"),
    "students.student_create": _("Thêm học sinh"),
    "students.student_update": _("Sửa thông tin học sinh"),
    "students.demo_load": _("Nạp dữ liệu demo"),
    "cases.queue_view": _("Xem hàng chờ hồ sơ"),
    "cases.request_view": _("Xem yêu cầu hỗ trợ"),
    "cases.request_triage": _("Tiếp nhận yêu cầu vào hồ sơ"),
    "cases.request_reply": _("Trả lời yêu cầu hỗ trợ"),
    "cases.teacher_referral": _("Giáo viên báo học sinh cần giúp"),
    "cases.case_open": _("Mở hồ sơ"),
    "cases.case_view": _("Xem hồ sơ"),
    "cases.case_update": _("Sửa thông tin hồ sơ"),
    "cases.case_transition": _("Chuyển bước hồ sơ"),
    "cases.case_close": _("Kết thúc hồ sơ"),
    "cases.case_reopen": _("Mở lại hồ sơ"),
    "cases.case_assign": _("Phân công người phụ trách"),
    "cases.consent_record": _("Ghi nhận sự đồng ý"),
    "cases.consent_withdraw": _("Ghi nhận rút lại sự đồng ý"),
    "cases.emergency_override": _("Làm việc khẩn cấp khi chưa có đồng ý"),
    "cases.assessment_record": _("Ghi đánh giá"),
    "cases.plan_save": _("Lưu kế hoạch hỗ trợ"),
    "cases.action_add": _("Thêm việc vào kế hoạch"),
    "cases.action_update": _("Cập nhật việc trong kế hoạch"),
    "cases.session_record": _("Ghi buổi tư vấn"),
    "cases.session_view": _("Xem buổi tư vấn"),
    "cases.disclosure_record": _("Chia sẻ thông tin với đơn vị phối hợp"),
    "cases.chronology_view": _("Xem dòng thời gian của học sinh"),
    "cases.access_refused": _("Bị từ chối xem hồ sơ hỗ trợ"),
    "core.rotate_keys": _("Mã hóa lại dữ liệu bằng khóa mới"),
}


def action_label(code: str) -> str:
    return str(ACTION_LABELS.get(code, code))
