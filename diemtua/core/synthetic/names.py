"""Believable Vietnamese names, drawn from a seeded random generator.

Family names follow their rough frequency (Nguyễn about four in ten); middle and given names
differ by gender. Folded forms are cached: the same few thousand names repeat a million times.
"""

import random
from functools import lru_cache

from diemtua.core.text import fold, name_sort_key

FAMILY = [
    ("Nguyễn", 38), ("Trần", 11), ("Lê", 9), ("Phạm", 7), ("Hoàng", 5), ("Huỳnh", 4),
    ("Phan", 4), ("Vũ", 4), ("Võ", 3), ("Đặng", 2), ("Bùi", 2), ("Đỗ", 2), ("Hồ", 2),
    ("Ngô", 2), ("Dương", 1), ("Lý", 1), ("Đinh", 1), ("Lương", 1), ("Mai", 1), ("Trịnh", 1),
]  # fmt: skip
MIDDLE = {
    "male": ["Văn", "Đức", "Minh", "Quang", "Hữu", "Gia", "Thành", "Anh", "Bảo", "Công"],
    "female": ["Thị", "Ngọc", "Thu", "Thanh", "Khánh", "Minh", "Bảo", "Phương", "Mai", "Hải"],
}
GIVEN = {
    "male": [
        "An", "Bình", "Cường", "Dũng", "Duy", "Đạt", "Hải", "Hiếu", "Hoàng", "Hùng", "Huy",
        "Khang", "Khoa", "Kiên", "Long", "Lâm", "Minh", "Nam", "Nghĩa", "Phong", "Phúc",
        "Quân", "Sơn", "Tài", "Thắng", "Thịnh", "Toàn", "Trung", "Tuấn", "Việt", "Vinh", "Vũ",
    ],
    "female": [
        "An", "Anh", "Chi", "Diệp", "Dung", "Giang", "Hà", "Hạnh", "Hiền", "Hoa", "Hương",
        "Lan", "Linh", "Loan", "Mai", "My", "Ngân", "Nhi", "Nhung", "Oanh", "Phương", "Quỳnh",
        "Tâm", "Thảo", "Trang", "Trinh", "Uyên", "Vân", "Vy", "Xuân", "Yến", "Ánh",
    ],
}  # fmt: skip
_FAMILY_NAMES = [name for name, _ in FAMILY]
_FAMILY_WEIGHTS = [weight for _, weight in FAMILY]


def full_name(rng: random.Random, gender: str) -> str:
    key = gender if gender in MIDDLE else "female"
    family = rng.choices(_FAMILY_NAMES, _FAMILY_WEIGHTS)[0]
    return f"{family} {rng.choice(MIDDLE[key])} {rng.choice(GIVEN[key])}"


@lru_cache(maxsize=65536)
def folded(name: str) -> tuple[str, str]:
    """(search_name, sort_name) exactly as Student.save() computes them."""
    return fold(name), name_sort_key(name)
