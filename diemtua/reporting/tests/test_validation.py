"""Validation rules: each one failing (with the numbers in its message) and passing; rules on
indicators that are not registered are skipped; warnings do not block submission."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from diemtua.reporting import services, validation
from diemtua.reporting.models import Report, ReportKind, ReportStatus
from diemtua.reporting.tests.test_reports import fake, semester  # noqa: F401  (fixture)

FIGURE_RULES = {
    # rule: (failing totals, message fragment with the numbers, passing totals)
    "counseled_within_sessions": (
        {"students_counseled": 30, "sessions": 10, "group_participants": 5},
        "Số học sinh được tư vấn (30) lớn hơn số buổi tư vấn (10) cộng số lượt tham gia sinh "
        "hoạt nhóm (5).",
        {"students_counseled": 15, "sessions": 10, "group_participants": 5},
    ),
    "closed_within_open": (
        {"cases_closed": 9, "cases_opened": 4, "cases_open_at_start": 3},
        "Số hồ sơ kết thúc (9) lớn hơn số hồ sơ mở mới (4) cộng số hồ sơ đang mở đầu kỳ (3).",
        {"cases_closed": 7, "cases_opened": 4, "cases_open_at_start": 3},
    ),
    "open_balance": (
        {"cases_open_at_start": 3, "cases_opened": 4, "cases_closed": 2, "cases_open_at_end": 8},
        "Số hồ sơ đang mở cuối kỳ (8) khác số đầu kỳ (3) + mở mới (4) − kết thúc (2).",
        {"cases_open_at_start": 3, "cases_opened": 4, "cases_closed": 2, "cases_open_at_end": 5},
    ),
    "referrals_accepted_within_sent": (
        {"referrals_accepted": 6, "referrals_sent": 5},
        "Số chuyển gửi được nhận (6) lớn hơn số chuyển gửi đã gửi (5).",
        {"referrals_accepted": 5, "referrals_sent": 5},
    ),
    "referrals_completed_within_accepted": (
        {"referrals_completed": 6, "referrals_accepted": 2},
        "Số chuyển gửi đã hoàn thành (6) lớn hơn số chuyển gửi được nhận (2).",
        {"referrals_completed": 2, "referrals_accepted": 2},
    ),
    "referrals_successful_within_completed": (
        {"referrals_successful": 3, "referrals_completed": 1},
        "Số chuyển gửi có kết quả tốt (3) lớn hơn số chuyển gửi đã hoàn thành (1).",
        {"referrals_successful": 1, "referrals_completed": 1},
    ),
    "cp_reports_on_time_within_due": (
        {"cp_reports_on_time": 2, "cp_reports_due": 1},
        "Số báo cáo bảo vệ trẻ em đúng hạn (2) lớn hơn số báo cáo phải làm (1).",
        {"cp_reports_on_time": 1, "cp_reports_due": 1},
    ),
}


def _rule(code):
    return next(rule for rule in validation.RULES if rule.code == code)


def _register_all(fake):  # noqa: F811
    for rule in validation.RULES:
        for code in rule.codes:
            if code not in fake.registry:
                fake.add(code)


def _report(world, **fields):
    values = {"narrative": "Tình hình tốt.", "signer_name": "Lê Hoa", "signer_title": "HIỆU TRƯỞNG"}
    values.update(fields)
    return Report(
        kind=ReportKind.SCHOOL_SEMESTER, org_unit=world.school_a, period=semester(), **values
    )


def _totals(values):
    return {code: Decimal(v) for code, v in values.items()}


@pytest.mark.parametrize("code", sorted(FIGURE_RULES))
def test_each_figure_rule_fails_with_its_numbers_and_passes(code, world, fake):  # noqa: F811
    _register_all(fake)
    failing, message, passing = FIGURE_RULES[code]
    report = _report(world)
    findings = validation.run(report, _totals(failing), rules=[_rule(code)])
    assert [f.code for f in findings] == [code]
    assert message in findings[0].message
    assert validation.run(report, _totals(passing), rules=[_rule(code)]) == []


def test_missing_values_count_as_zero(world, fake):  # noqa: F811
    _register_all(fake)
    findings = validation.run(
        _report(world),
        _totals({"referrals_accepted": 1}),
        rules=[_rule("referrals_accepted_within_sent")],
    )
    assert "(1) lớn hơn số chuyển gửi đã gửi (0)" in findings[0].message


def test_a_rule_on_an_indicator_not_registered_is_skipped(world, fake):  # noqa: F811
    fake.add("students_counseled").add("sessions")  # group_participants is missing
    findings = validation.run(
        _report(world),
        _totals({"students_counseled": 99, "sessions": 1}),
        rules=[_rule("counseled_within_sessions")],
    )
    assert findings == []


@pytest.mark.parametrize(
    ("code", "fields", "message"),
    [
        ("narrative_required", {"narrative": "  \n "}, "Chưa viết phần tình hình thực hiện."),
        ("signer_required", {"signer_name": ""}, "Chưa ghi họ tên và chức vụ người ký."),
        ("signer_required", {"signer_title": " "}, "Chưa ghi họ tên và chức vụ người ký."),
    ],
)
def test_required_text_rules(code, fields, message, world):
    rule = _rule(code)
    findings = validation.run(_report(world, **fields), {}, rules=[rule])
    assert [(f.code, f.message) for f in findings] == [(code, message)]
    assert validation.run(_report(world), {}, rules=[rule]) == []


def test_student_names_in_the_typed_text_are_refused(world):
    rule = _rule("no_student_names")
    # Typed without accents and with punctuation, as people do.
    report = _report(world, difficulties="Em nguyen van an, lop 6A, can ho tro them.")
    findings = validation.run(report, {}, rules=[rule])
    assert len(findings) == 1 and "Nguyễn Văn An" in findings[0].message
    assert (
        validation.run(_report(world, narrative="Học sinh khối 6 tiến bộ."), {}, rules=[rule]) == []
    )
    # Only the school's own students count; and the rule is for school reports.
    province = _report(world, narrative="Nguyễn Văn An")
    province.kind = ReportKind.PROVINCE
    assert validation.run(province, {}, rules=[rule]) == []


def test_numbers_in_messages_follow_suppression_for_readers_above_the_school(world, fake):  # noqa: F811
    _register_all(fake)
    rule = _rule("referrals_accepted_within_sent")
    totals = _totals({"referrals_accepted": 3, "referrals_sent": 2})
    exact = validation.run(_report(world), totals, rules=[rule], exact=True)
    hidden = validation.run(_report(world), totals, rules=[rule], exact=False)
    assert "(3)" in exact[0].message
    assert "(3)" not in hidden[0].message and "(<5)" in hidden[0].message


def test_an_error_blocks_submission_a_warning_does_not(world, fake):  # noqa: F811
    _register_all(fake)
    counselor = world.users["counselor"]
    fake.set("referrals_accepted", world.school_a, 6)
    fake.set("referrals_sent", world.school_a, 5)
    report = services.report_start(actor=counselor, unit=world.school_a, period=semester())
    services.report_update(actor=counselor, report=report, narrative="x", signer_name="Lê Hoa")
    with pytest.raises(ValidationError) as error:
        services.report_submit(actor=counselor, report=report)
    assert "Số chuyển gửi được nhận (6) lớn hơn số chuyển gửi đã gửi (5)." in error.value.messages
    report.refresh_from_db()
    assert report.status == ReportStatus.DRAFT

    fake.set("referrals_sent", world.school_a, 6)
    fake.set("cases_open_at_end", world.school_a, 2)  # 0 + 0 − 0 ≠ 2: a warning only
    report = services.report_submit(actor=counselor, report=report)
    assert report.status == ReportStatus.SUBMITTED
    assert any("cuối kỳ (2)" in w for w in report.warnings)
