"""Dashboards across the 2025 mergers: figures as they were (2024 under Hà Giang) and with
today's borders (under Tuyên Quang, here Thanh Hóa of the fixture), the merged-units page,
the "merged into" notice and the breadcrumb of an officer reaching an ended unit."""

import re

import pytest
from django.urls import reverse

from .conftest import put_values

pytestmark = pytest.mark.django_db


@pytest.fixture
def merged(merged_world):
    put_values(merged_world, "help_requests")
    return merged_world


def page(client, unit, **query):
    response = client.get(
        reverse("dashboard_unit", args=[unit.pk])
        + "?"
        + "&".join(f"{k}={v}" for k, v in query.items())
    )
    assert response.status_code == 200
    return response.content.decode()


def drill(content: str) -> dict[str, str]:
    """{row label: first cell} of the drill-down table."""
    table = content.split('data-table="drilldown"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(
        r'<th scope="row"[^>]*>(?:<a [^>]+>)?([^<]+)(?:</a>)?.*?<td[^>]*>([^<]*)</td>', table, re.S
    )
    return {label.strip(): value.strip() for label, value in rows}


def headline(content: str) -> str:
    table = content.split('data-table="headline"', 1)[1]
    match = re.search(r"Yêu cầu hỗ trợ đã nhận</a>.*?<td[^>]*>([^<]*)</td>", table, re.S)
    return match[1].strip()


def test_2024_figures_show_under_the_old_province(merged, login):
    w = merged
    client = login(w.users["ministry_officer"])
    content = page(client, w.ministry, period="2024-2025", compare="none")
    rows = drill(content)
    assert rows["Sở GD&amp;ĐT Hà Giang (đến 30/06/2025)"] == "7"
    assert rows["Sở GD&amp;ĐT Thanh Hóa"] == "5"
    content = page(client, w.old, period="2024-2025", compare="none")
    assert drill(content) == {"Trường PTDTBT Tiểu học Lũng Cú": "7", "Tổng": "7"}
    assert headline(page(client, w.dept_b, period="2024-2025", compare="none")) == "5"


def test_todays_borders_map_the_old_province_to_its_successor(merged, login):
    w = merged
    client = login(w.users["ministry_officer"])
    content = page(client, w.ministry, period="2024-2025", compare="none", borders="today")
    rows = drill(content)
    assert "Sở GD&amp;ĐT Hà Giang (đến 30/06/2025)" not in rows
    assert rows["Sở GD&amp;ĐT Thanh Hóa"] == "12"
    assert headline(page(client, w.dept_b, period="2024-2025", borders="today")) == "12"
    assert headline(page(client, w.old, period="2024-2025", borders="today")) == "0"
    # After the merger the school reports under its new province either way.
    assert headline(page(client, w.dept_b, period="2025-2026")) == "12"
    assert headline(page(client, w.old, period="2025-2026")) == "0"


def test_the_successors_officer_sees_the_old_province(merged, login):
    w = merged
    client = login(w.users["department_officer_b"])
    content = page(client, w.old)  # default: the last school year it worked in
    assert 'value="2024-2025" selected' in content
    assert drill(content)["Trường PTDTBT Tiểu học Lũng Cú"] == "7"
    notice = re.search(
        r'<div class="alert alert-warning[^"]*" id="merged">(.*?)</div>', content, re.S
    )
    text = re.sub(r"<[^>]+>", "", notice[1])
    assert " ".join(text.split()) == "Đã sáp nhập vào Sở GD&amp;ĐT Thanh Hóa từ 01/07/2025."
    assert reverse("dashboard_unit", args=[w.dept_b.pk]) in notice[1]
    crumbs = re.findall(
        r'<li class="breadcrumb-item[^"]*"[^>]*>(?:<a [^>]*>)?([^<]+)', content.split("</ol>")[0]
    )
    assert crumbs == ["Số liệu", "Sở GD&amp;ĐT Thanh Hóa", "Sở GD&amp;ĐT Hà Giang (đến 30/06/2025)"]
    # Another province's officer: the old province does not exist for them.
    assert (
        login(w.users["department_officer"])
        .get(reverse("dashboard_unit", args=[w.old.pk]))
        .status_code
        == 404
    )


def test_the_moved_school_in_2024_sits_under_the_old_province_in_the_breadcrumb(merged, login):
    w = merged
    content = page(login(w.users["ministry_officer"]), w.school_old, period="2024-2025")
    crumbs = re.findall(
        r'<li class="breadcrumb-item[^"]*"[^>]*>(?:<a [^>]*>)?([^<]+)', content.split("</ol>")[0]
    )
    assert crumbs == [
        "Số liệu",
        "Bộ GD&amp;ĐT",
        "Sở GD&amp;ĐT Hà Giang (đến 30/06/2025)",
        "Trường PTDTBT Tiểu học Lũng Cú",
    ]
    content = page(login(w.users["ministry_officer"]), w.school_old, period="2025-2026")
    assert "Phường Hạc Thành" in content.split("</ol>")[0]


def test_merged_units_page(merged, login):
    w = merged
    content = login(w.users["department_officer_b"]).get(reverse("dashboard_history")).content
    content = content.decode()
    row = re.search(r"Sở GD&amp;ĐT Hà Giang.*?</tr>", content, re.S)[0]
    assert "30/06/2025" in row and "Sở GD&amp;ĐT Thanh Hóa" in row
    then = reverse("dashboard_unit", args=[w.old.pk]) + "?period=2024-2025&amp;borders=then"
    today = reverse("dashboard_unit", args=[w.dept_b.pk]) + "?period=2024-2025&amp;borders=today"
    assert then in row and today in row
    # Outside their reach: listed, without links.
    content = login(w.users["department_officer"]).get(reverse("dashboard_history")).content
    row = re.search(r"Sở GD&amp;ĐT Hà Giang.*?</tr>", content.decode(), re.S)[0]
    assert "Ngoài phạm vi của bạn" in row and "href" not in row
    for role in ("teacher", "partner_staff", "system_admin"):
        assert login(w.users[role]).get(reverse("dashboard_history")).status_code == 403
    assert login(w.users["counselor"]).get(reverse("dashboard_history")).status_code == 200
