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
    "core.rotate_keys": _("Mã hóa lại dữ liệu bằng khóa mới"),
}


def action_label(code: str) -> str:
    return str(ACTION_LABELS.get(code, code))
