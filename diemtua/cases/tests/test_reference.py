import datetime

import pytest

from diemtua.cases.danger import danger_phrases, suggests_danger
from diemtua.cases.models import ContentGroup, Regulation
from diemtua.cases.reference import groups_in_force, load_content_groups


@pytest.mark.django_db
def test_both_generations_of_content_groups_are_loaded():
    assert ContentGroup.objects.filter(regulation=Regulation.CIRCULAR_31_2017).count() == 5
    assert ContentGroup.objects.filter(regulation=Regulation.CIRCULAR_18_2025).count() == 7
    assert load_content_groups() == 0  # already there: nothing duplicated


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("day", "regulation"),
    [
        (datetime.date(2024, 3, 15), Regulation.CIRCULAR_31_2017),  # the 2024 pilot
        (datetime.date(2025, 10, 30), Regulation.CIRCULAR_31_2017),
        (datetime.date(2025, 10, 31), Regulation.CIRCULAR_18_2025),  # Circular 18 in force
        (datetime.date(2026, 11, 24), Regulation.CIRCULAR_18_2025),
    ],
)
def test_records_use_the_groups_in_force_on_their_date(day, regulation):
    groups = groups_in_force(day)
    assert {g.regulation for g in groups} == {regulation}


@pytest.mark.parametrize(
    "text",
    [
        "Em không muốn sống nữa",
        "em KHONG MUON SONG nua",
        "Bạn em bị đánh đập ở nhà",
        "có người lớn sờ mó em",
        "em nghĩ đến chuyện tự   tử",
    ],
)
def test_danger_is_noticed_with_or_without_diacritics(text):
    assert suggests_danger(text)


@pytest.mark.parametrize(
    "text",
    ["Em muốn hỏi về cách học môn Toán", "Tuyệt vời, em cảm ơn cô", "bị điểm kém", "", None],
)
def test_ordinary_requests_are_not_flagged(text):
    assert not suggests_danger(text)


def test_the_phrases_found_are_reported():
    assert danger_phrases("Em bị đánh và muốn chết") == ["bi danh", "muon chet"]
