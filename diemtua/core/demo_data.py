"""The demo world: the Ministry's 2024 pilot (6 localities × 3 schools × 1 counselor).

Hà Nội's schools are the real pilot schools; elsewhere names are believable, not real records.
Student names are generated deterministically (seeded per school) so `seed_demo` is idempotent.
"""

import datetime
import random
from dataclasses import dataclass, field

from diemtua.orgs.models import SchoolLevel


@dataclass(frozen=True)
class DemoSchool:
    slug: str  # login suffix: tv.<slug>
    name: str
    level: str
    commune_code: str
    address: str


@dataclass(frozen=True)
class DemoLocality:
    code_2024: str  # department code as it was in 2024
    today_code: str  # department that carries on today
    officer: str  # department officer login (so.<...>)
    ethnic_mix: dict[str, int]
    schools: list[DemoSchool] = field(default_factory=list)


P, L, U = SchoolLevel.PRIMARY, SchoolLevel.LOWER_SECONDARY, SchoolLevel.UPPER_SECONDARY

LOCALITIES = [
    DemoLocality(
        "01",
        "01",
        "so.hanoi",
        {"Kinh": 96, "Mường": 2, "Tày": 1, "Thái": 1},
        [
            DemoSchool("trungtu", "Trường Tiểu học Trung Tự", P, "00235", "6 Đặng Văn Ngữ"),
            DemoSchool("linhnam", "Trường THCS Lĩnh Nam", L, "00328", "Tổ 12 Lĩnh Nam"),
            DemoSchool("minhphu", "Trường THPT Minh Phú", U, "00376", "Thôn Phú Mãn"),
        ],
    ),
    DemoLocality(
        "79",
        "79",
        "so.hcm",
        {"Kinh": 90, "Hoa": 7, "Khmer": 2, "Chăm": 1},
        [
            DemoSchool(
                "kimdong", "Trường Tiểu học Kim Đồng", P, "27160", "Đường Cách Mạng Tháng 8"
            ),
            DemoSchool("lequydon", "Trường THCS Lê Quý Đôn", L, "27139", "Đường Võ Văn Tần"),
            DemoSchool(
                "nguyenthiminhkhai",
                "Trường THPT Nguyễn Thị Minh Khai",
                U,
                "27139",
                "Đường Điện Biên Phủ",
            ),
        ],
    ),
    DemoLocality(
        "02",
        "08",
        "so.tuyenquang",
        {"Mông": 45, "Tày": 15, "Dao": 15, "Kinh": 12, "Nùng": 8, "Giáy": 5},
        [
            DemoSchool("lungcu", "Trường PTDTBT Tiểu học Lũng Cú", P, "00715", "Thôn Lũng Cú"),
            DemoSchool(
                "dongvan", "Trường PTDTBT THCS Đồng Văn", L, "00721", "Thị trấn Đồng Văn cũ"
            ),
            DemoSchool(
                "chuyenhagiang", "Trường THPT Chuyên Hà Giang", U, "00694", "Đường Nguyễn Trãi"
            ),
        ],
    ),
    DemoLocality(
        "08",
        "08",
        "so.tuyenquang",
        {"Kinh": 45, "Tày": 30, "Dao": 12, "Sán Chay": 8, "Mông": 5},
        [
            DemoSchool("phanthiet", "Trường Tiểu học Phan Thiết", P, "02215", "Đường 17/8"),
            DemoSchool("nongtien", "Trường THCS Nông Tiến", L, "02212", "Tổ 5 Nông Tiến"),
            DemoSchool("tantrao", "Trường THPT Tân Trào", U, "02215", "Đường Lê Duẩn"),
        ],
    ),
    DemoLocality(
        "17",
        "25",
        "so.phutho",
        {"Mường": 60, "Kinh": 22, "Thái": 13, "Tày": 5},
        [
            DemoSchool("dongtien", "Trường Tiểu học Đồng Tiến", P, "04795", "Đường Cù Chính Lan"),
            DemoSchool("maichau", "Trường THCS Mai Châu", L, "05200", "Tiểu khu 2"),
            DemoSchool(
                "hoangvanthu", "Trường THPT Chuyên Hoàng Văn Thụ", U, "04828", "Đường Chi Lăng"
            ),
        ],
    ),
    DemoLocality(
        "38",
        "38",
        "so.thanhhoa",
        {"Kinh": 78, "Mường": 14, "Thái": 8},
        [
            DemoSchool("dienbien", "Trường Tiểu học Điện Biên", P, "14797", "Đường Trần Phú"),
            DemoSchool(
                "tranmaininh", "Trường THCS Trần Mai Ninh", L, "14797", "Đường Tống Duy Tân"
            ),
            DemoSchool("bathuoc", "Trường THPT Bá Thước", U, "14923", "Khu 3 Cành Nàng"),
        ],
    ),
]

# Family names by ethnic group (common surnames in each community).
FAMILY_NAMES = {
    "Kinh": ["Nguyễn"] * 8
    + ["Trần"] * 3
    + ["Lê"] * 3
    + [
        "Phạm",
        "Hoàng",
        "Vũ",
        "Đặng",
        "Bùi",
        "Đỗ",
        "Ngô",
        "Dương",
        "Lý",
        "Phan",
        "Võ",
        "Đinh",
        "Trịnh",
    ],
    "Mông": ["Giàng", "Vàng", "Sùng", "Lù", "Thào", "Ly", "Mua", "Hầu", "Vừ"],
    "Tày": ["Hoàng", "Nông", "Ma", "Hà", "Lương", "Triệu", "Lộc"],
    "Dao": ["Triệu", "Bàn", "Đặng", "Lý", "Chảo"],
    "Nùng": ["Nông", "Hoàng", "Lục", "Vi", "Lăng"],
    "Giáy": ["Lò", "Hoàng", "Vương"],
    "Sán Chay": ["Hoàng", "Lâm", "Trương", "Lý"],
    "Mường": ["Bùi", "Đinh", "Quách", "Hà", "Xa", "Cao"],
    "Thái": ["Lò", "Cầm", "Hà", "Lường", "Vi", "Lộc"],
    "Hoa": ["Lâm", "Trương", "Quách", "Lý", "Mã", "Hứa"],
    "Khmer": ["Thạch", "Danh", "Kim", "Sơn", "Lâm"],
    "Chăm": ["Đàng", "Lộ", "Thành", "Quảng"],
}
MIDDLE = {
    "female": ["Thị", "Ngọc", "Thu", "Minh", "Bảo", "Khánh", "Phương", "Thanh"],
    "male": ["Văn", "Đức", "Minh", "Quốc", "Gia", "Hữu", "Anh", "Thành"],
}
GIVEN = {
    "female": [
        "An",
        "Anh",
        "Chi",
        "Dung",
        "Hà",
        "Hoa",
        "Hương",
        "Lan",
        "Linh",
        "Mai",
        "My",
        "Ngân",
        "Ngọc",
        "Nhi",
        "Phương",
        "Quỳnh",
        "Thảo",
        "Trang",
        "Uyên",
        "Vy",
        "Yến",
    ],
    "male": [
        "An",
        "Bảo",
        "Bình",
        "Cường",
        "Dũng",
        "Đạt",
        "Đức",
        "Hải",
        "Hiếu",
        "Hùng",
        "Khoa",
        "Khôi",
        "Long",
        "Minh",
        "Nam",
        "Phúc",
        "Quân",
        "Sơn",
        "Thắng",
        "Tuấn",
        "Việt",
    ],
}
# H'Mông names follow their own pattern: family name, "A"/"Thị"/"Mí", then a one-syllable name.
MONG_MIDDLE = {"female": ["Thị", "Thị", "Mỷ"], "male": ["A", "Mí", "Seo", "Văn"]}
MONG_GIVEN = {
    "female": ["Mỷ", "Dua", "Chi", "Pà", "Sua", "Mai", "Dế", "Ly", "Súa"],
    "male": ["Páo", "Chứ", "Sính", "Dình", "Tủa", "Lử", "Chá", "Pó", "Sử"],
}
GUARDIAN_GIVEN = {
    "female": ["Hạnh", "Huyền", "Lan", "Loan", "Nga", "Thủy", "Tuyết", "Xuân"],
    "male": ["Bình", "Chiến", "Hòa", "Hùng", "Kiên", "Lâm", "Thắng", "Toàn"],
}

STUDENTS_PER_SCHOOL = 40
CLASS_LETTERS = "AB"
DEMO_SCHOOL_YEAR_START = 2026  # school year 2026–2027


def _pick_weighted(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _person_name(rng: random.Random, ethnicity: str, gender: str) -> str:
    family = rng.choice(FAMILY_NAMES.get(ethnicity, FAMILY_NAMES["Kinh"]))
    if ethnicity == "Mông":
        return f"{family} {rng.choice(MONG_MIDDLE[gender])} {rng.choice(MONG_GIVEN[gender])}"
    return f"{family} {rng.choice(MIDDLE[gender])} {rng.choice(GIVEN[gender])}"


@dataclass
class DemoStudent:
    full_name: str
    gender: str
    date_of_birth: datetime.date
    grade: int
    class_name: str
    ethnicity: str
    national_id: str
    guardian_name: str
    guardian_relationship: str
    guardian_phone: str


def students_for(school: DemoSchool, school_code: str, ethnic_mix: dict[str, int]):
    """Deterministic students for one school: same input, same students, every run."""
    # Demo names, not secrets: a seeded generator keeps every run identical.
    rng = random.Random(f"diemtua-demo-{school_code}")  # noqa: S311
    grades = {P: range(1, 6), L: range(6, 10), U: range(10, 13)}[school.level]
    grade_list = list(grades)
    students = []
    for index in range(STUDENTS_PER_SCHOOL):
        gender = rng.choice(["female", "male"])
        ethnicity = _pick_weighted(rng, ethnic_mix)
        grade = grade_list[index % len(grade_list)]
        age = grade + 5
        dob = datetime.date(DEMO_SCHOOL_YEAR_START - age, 1, 1) + datetime.timedelta(
            days=rng.randrange(0, 365)
        )
        class_name = f"{grade}{rng.choice(CLASS_LETTERS)}"
        parent_gender = rng.choice(["female", "male"])
        family = _person_name(rng, ethnicity, gender).split()[0]
        if ethnicity == "Mông":
            parent_middle = rng.choice(MONG_MIDDLE[parent_gender])
        else:
            parent_middle = rng.choice(MIDDLE[parent_gender])
        full_name = _person_name(rng, ethnicity, gender)
        if parent_gender == "male":
            # Children usually carry their father's family name.
            full_name = " ".join([family, *full_name.split()[1:]])
        guardian = f"{family if parent_gender == 'male' else _person_name(rng, ethnicity, 'female').split()[0]} {parent_middle} {rng.choice(GUARDIAN_GIVEN[parent_gender])}"  # noqa: E501
        students.append(
            DemoStudent(
                full_name=full_name,
                gender=gender,
                date_of_birth=dob,
                grade=grade,
                class_name=class_name,
                ethnicity=ethnicity,
                national_id=f"{int(school_code.split('-')[0]):02d}{rng.randrange(10**9, 10**10)}",
                guardian_name=guardian,
                guardian_relationship="father" if parent_gender == "male" else "mother",
                guardian_phone=f"09{rng.randrange(10**7, 10**8)}",
            )
        )
    return students
