"""Validation rules run before a report is submitted (DHIS2's "validation rules").

Rules are data: each has a code, a Vietnamese message with the numbers it compared, a
severity and a check. `ERROR` blocks submission; `WARNING` is shown but lets the report go.
Add a rule by appending a `Rule` to RULES.

A figure rule names the indicators it reads; when one of them is not registered, the rule
does not apply (it is skipped, never an error). A missing value is zero: no rows means
nothing was recorded.

Why "open at end = open at start + opened − closed" is only a warning: a case reopened in the
period is open again without being "opened", and a case can move to another school with its
student, so the identity does not hold exactly in real records; a gap is worth a look, not a
reason to stop the report.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import suppression
from .indicators import get as get_indicator
from .indicators.base import Kind
from .models import ReportKind

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str
    message: str


@dataclass(frozen=True)
class Rule:
    """`check(report, totals)` returns None when the rule holds, else the numbers for the
    message (a dict of name → value; values of indicators are shown as the reader may see
    them). `codes` are the indicators the rule reads."""

    code: str
    message: str  # lazily translated, %(name)s placeholders
    check: Callable
    severity: str = ERROR
    codes: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()  # report kinds it applies to; empty: all

    def applies(self, report) -> bool:
        if self.kinds and report.kind not in self.kinds:
            return False
        for code in self.codes:
            try:
                get_indicator(code)
            except KeyError:
                return False
        return True


def _at_most(left: str, *right: str):
    """left ≤ sum(right)."""

    def check(report, totals):
        a = totals.get(left, Decimal(0))
        b = sum((totals.get(code, Decimal(0)) for code in right), Decimal(0))
        if a <= b:
            return None
        return {"a": a, **{f"b{i}": totals.get(code, Decimal(0)) for i, code in enumerate(right)}}

    return check


def _open_balance(report, totals):
    start = totals.get("cases_open_at_start", Decimal(0))
    opened = totals.get("cases_opened", Decimal(0))
    closed = totals.get("cases_closed", Decimal(0))
    end = totals.get("cases_open_at_end", Decimal(0))
    if start + opened - closed == end:
        return None
    return {"start": start, "opened": opened, "closed": closed, "end": end}


def _text(field: str):
    def check(report, totals):
        return None if (getattr(report, field) or "").strip() else {}

    return check


def _signer(report, totals):
    if (report.signer_name or "").strip() and (report.signer_title or "").strip():
        return None
    return {}


TYPED_FIELDS = ("narrative", "difficulties", "proposals", "lessons")


def _no_student_names(report, totals):
    """The typed text goes to the level above, where no student may be identified: it must not
    name any student of the school (compared without accents, as people type them)."""
    from diemtua.core.text import fold
    from diemtua.students.models import Student

    def words(text: str) -> str:
        return " ".join(re.sub(r"[^\w]+", " ", fold(text)).split())

    text = words(" ".join(getattr(report, f) or "" for f in TYPED_FIELDS))
    if not text:
        return None
    padded = f" {text} "
    names = Student.objects.filter(school=report.org_unit_id).values_list("full_name", flat=True)
    found = sorted(
        {name for name in names if len(name.split()) >= 2 and f" {words(name)} " in padded}
    )
    if not found:
        return None
    # The message goes back to the school's own staff, who know these students.
    return {"count": len(found), "names": ", ".join(found[:3])}


RULES: list[Rule] = [
    Rule(
        "counseled_within_sessions",
        gettext_lazy(
            "Số học sinh được tư vấn (%(a)s) lớn hơn số buổi tư vấn (%(b0)s) cộng số lượt "
            "tham gia sinh hoạt nhóm (%(b1)s)."
        ),
        _at_most("students_counseled", "sessions", "group_participants"),
        codes=("students_counseled", "sessions", "group_participants"),
    ),
    Rule(
        "closed_within_open",
        gettext_lazy(
            "Số hồ sơ kết thúc (%(a)s) lớn hơn số hồ sơ mở mới (%(b0)s) cộng số hồ sơ đang mở "
            "đầu kỳ (%(b1)s)."
        ),
        _at_most("cases_closed", "cases_opened", "cases_open_at_start"),
        codes=("cases_closed", "cases_opened", "cases_open_at_start"),
    ),
    Rule(
        "open_balance",
        gettext_lazy(
            "Số hồ sơ đang mở cuối kỳ (%(end)s) khác số đầu kỳ (%(start)s) + mở mới "
            "(%(opened)s) − kết thúc (%(closed)s). Có thể do hồ sơ mở lại hoặc chuyển trường; "
            "hãy kiểm tra lại trước khi gửi."
        ),
        _open_balance,
        severity=WARNING,
        codes=("cases_open_at_start", "cases_opened", "cases_closed", "cases_open_at_end"),
    ),
    Rule(
        "referrals_accepted_within_sent",
        gettext_lazy("Số chuyển gửi được nhận (%(a)s) lớn hơn số chuyển gửi đã gửi (%(b0)s)."),
        _at_most("referrals_accepted", "referrals_sent"),
        codes=("referrals_accepted", "referrals_sent"),
    ),
    Rule(
        "referrals_completed_within_accepted",
        gettext_lazy(
            "Số chuyển gửi đã hoàn thành (%(a)s) lớn hơn số chuyển gửi được nhận (%(b0)s)."
        ),
        _at_most("referrals_completed", "referrals_accepted"),
        codes=("referrals_completed", "referrals_accepted"),
    ),
    Rule(
        "referrals_successful_within_completed",
        gettext_lazy(
            "Số chuyển gửi có kết quả tốt (%(a)s) lớn hơn số chuyển gửi đã hoàn thành (%(b0)s)."
        ),
        _at_most("referrals_successful", "referrals_completed"),
        codes=("referrals_successful", "referrals_completed"),
    ),
    Rule(
        "cp_reports_on_time_within_due",
        gettext_lazy(
            "Số báo cáo bảo vệ trẻ em đúng hạn (%(a)s) lớn hơn số báo cáo phải làm (%(b0)s)."
        ),
        _at_most("cp_reports_on_time", "cp_reports_due"),
        codes=("cp_reports_on_time", "cp_reports_due"),
    ),
    Rule(
        "narrative_required",
        gettext_lazy("Chưa viết phần tình hình thực hiện."),
        _text("narrative"),
    ),
    Rule(
        "signer_required",
        gettext_lazy("Chưa ghi họ tên và chức vụ người ký."),
        _signer,
    ),
    Rule(
        "no_student_names",
        gettext_lazy(
            "Phần chữ của báo cáo có tên %(count)s học sinh của trường (%(names)s). Báo cáo "
            "gửi cấp trên không được nêu tên học sinh: hãy bỏ tên."
        ),
        _no_student_names,
        kinds=(ReportKind.SCHOOL_SEMESTER,),
    ),
]


def _shown(rule: Rule, params: dict, exact: bool, as_shown: dict | None = None) -> dict:
    """Numbers as the reader may see them: exact for the school's own staff; for everyone
    else as the report's own tables show them (`as_shown`, code → text), or through the
    same small-count suppression as the figures.

    Security review: single() alone printed a total that the report's tables hid as "×"
    (hidden to protect its units' "<5"), on the same page. A rule's figures are named in
    the order of its codes (a, b0, b1… / start, opened, closed, end)."""
    shown = {}
    sensitive = exact is False and any(
        get_indicator(code).kind == Kind.COUNT and get_indicator(code).sensitive
        for code in rule.codes
    )
    codes = dict(zip(params, rule.codes, strict=False)) if len(params) == len(rule.codes) else {}
    for name, value in params.items():
        if isinstance(value, Decimal):
            code = codes.get(name)
            if sensitive and as_shown is not None and code in as_shown:
                shown[name] = as_shown[code]
                continue
            cell = suppression.single(value) if sensitive else suppression.exact(value)
            shown[name] = cell.display()
        else:
            shown[name] = value
    return shown


def run(
    report, totals: dict[str, Decimal], *, exact: bool = True, rules=None, as_shown=None
) -> list[Finding]:
    """Every rule that does not hold, in the order of RULES. `as_shown`: the report's
    totals as a reader who does not see exact figures sees them (Presentation.totals)."""
    findings = []
    for rule in rules if rules is not None else RULES:
        if not rule.applies(report):
            continue
        params = rule.check(report, totals)
        if params is None:
            continue
        message = (
            str(rule.message) % _shown(rule, params, exact, as_shown)
            if params
            else str(rule.message)
        )
        findings.append(Finding(rule.code, rule.severity, message))
    return findings


def errors(findings: list[Finding]) -> list[str]:
    return [f.message for f in findings if f.severity == ERROR]


def warnings(findings: list[Finding]) -> list[str]:
    return [f.message for f in findings if f.severity == WARNING]


def summary(count: int) -> str:
    return _("Chưa gửi được: %(n)s điều cần sửa.") % {"n": count}
