"""The class roster as an Excel (.xlsx) file: reading an upload, writing the template and exports.

One row per student with Vietnamese headers in row 1, as schools keep them for the sector
database (CSDL ngành). Headers are matched without case or diacritics and in any order, so a list
exported from another system and tidied by hand still imports. This module knows only the file;
`services.roster_import` checks the rows against the database and saves them.
"""

import datetime
import io
import re
import unicodedata
import warnings
import zipfile
from dataclasses import dataclass, field

import openpyxl
from django.conf import settings
from django.utils import translation
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl.utils.datetime import from_excel

from diemtua.core.text import fold

from .ethnicities import ALIASES, ETHNICITIES
from .models import Disability, Gender, Guardian

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_ROWS = 5000
# Text starting with these is run as a formula by Excel (CSV/formula injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Columns further right than this are never read (unknown columns are ignored anyway).
MAX_COLUMNS = 60
# Lists exported from other systems often put a title above the header row.
HEADER_SEARCH_ROWS = 10
# A small xlsx can unzip to gigabytes; a real roster of 5000 rows unzips to a few megabytes.
MAX_UNCOMPRESSED_BYTES = 64 * 1024 * 1024
# Plausible ages of a pupil in grades 1–12, counting late starters and repeaters.
MIN_AGE, MAX_AGE = 4, 25

ROSTER_SHEET = "Danh sách học sinh"
GUIDE_SHEET = "Hướng dẫn"
LISTS_SHEET = "Danh mục"
DEFAULT_ETHNICITY = "Kinh"
# The made-up pupil and parent of the template's example row (see roster_workbook).
EXAMPLE_NAMES = ("Nguyễn Văn Mẫu", "Trần Thị Mẫu")


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool
    width: int
    help: str
    aliases: tuple[str, ...] = ()


# The file's layout. Headers stay in Vietnamese whatever the interface language: they are the
# file format, shared with the sector database and with other schools.
COLUMNS = [
    Column(
        "national_id",
        "Mã định danh",
        False,
        16,
        gettext_lazy(
            "Mã định danh học sinh trên CSDL ngành, 8 đến 16 chữ số. Không bắt buộc nhưng nên "
            "điền: nhập lại tệp sẽ cập nhật đúng học sinh. Để ô ở dạng Văn bản (Text) để Excel "
            "không làm mất số 0 ở đầu."
        ),
        ("ma dinh danh hoc sinh", "ma dinh danh hs", "ma dinh danh"),
    ),
    Column(
        "full_name",
        "Họ và tên",
        True,
        28,
        gettext_lazy("Họ và tên đầy đủ của học sinh, có dấu. Bắt buộc."),
        ("ho ten", "ho va ten hoc sinh", "ho ten hoc sinh"),
    ),
    Column(
        "gender",
        "Giới tính",
        True,
        10,
        gettext_lazy("Nam, Nữ hoặc Khác. Bắt buộc."),
    ),
    Column(
        "date_of_birth",
        "Ngày sinh",
        True,
        12,
        format_lazy(
            gettext_lazy(
                "Ngày/tháng/năm, ví dụ 05/09/2012, hoặc ô kiểu Ngày của Excel. Bắt buộc. Học "
                "sinh phải từ {min} đến {max} tuổi."
            ),
            min=MIN_AGE,
            max=MAX_AGE,
        ),
    ),
    Column(
        "grade",
        "Khối",
        False,
        7,
        gettext_lazy(
            "Số từ 1 đến 12, thuộc cấp học của trường. Để trống thì lấy theo tên lớp "
            "(lớp 6A thuộc khối 6)."
        ),
    ),
    Column(
        "class_name",
        "Lớp",
        True,
        8,
        gettext_lazy("Tên lớp, ví dụ 6A hoặc 10A1. Bắt buộc."),
        ("ten lop",),
    ),
    Column(
        "ethnicity",
        "Dân tộc",
        False,
        14,
        gettext_lazy(
            "Một trong 54 dân tộc (xem trang Danh mục của tệp mẫu). Gõ không dấu cũng được. "
            "Để trống là Kinh."
        ),
    ),
    Column(
        "disability",
        "Khuyết tật",
        False,
        26,
        gettext_lazy(
            "Một loại khuyết tật trong trang Danh mục của tệp mẫu. Để trống nếu không có."
        ),
        ("loai khuyet tat",),
    ),
    Column(
        "guardian_name",
        "Họ tên phụ huynh",
        False,
        26,
        gettext_lazy(
            "Không bắt buộc. Khi có họ tên, hệ thống lưu một phụ huynh/người giám hộ cho học sinh."
        ),
        ("ho va ten phu huynh", "ho ten cha me", "ho ten nguoi giam ho"),
    ),
    Column(
        "guardian_relationship",
        "Quan hệ",
        False,
        18,
        gettext_lazy(
            "Quan hệ của phụ huynh với học sinh: Mẹ, Bố, Ông/bà, Anh/chị hoặc Người giám hộ "
            "khác. Để trống là Người giám hộ khác."
        ),
        ("quan he voi hoc sinh",),
    ),
    Column(
        "guardian_phone",
        "SĐT phụ huynh",
        False,
        15,
        gettext_lazy("Số điện thoại của phụ huynh, ví dụ 0912345678. Không bắt buộc."),
        ("so dien thoai phu huynh", "dien thoai phu huynh", "sdt"),
    ),
]
HEADERS = {column.key: column.header for column in COLUMNS}
# Model fields named in validation errors → the column the user should fix.
STUDENT_FIELD_COLUMNS = {
    "national_id": HEADERS["national_id"],
    "full_name": HEADERS["full_name"],
    "gender": HEADERS["gender"],
    "date_of_birth": HEADERS["date_of_birth"],
    "grade": HEADERS["grade"],
    "class_name": HEADERS["class_name"],
    "ethnicity": HEADERS["ethnicity"],
    "disability": HEADERS["disability"],
}
GUARDIAN_FIELD_COLUMNS = {
    "full_name": HEADERS["guardian_name"],
    "relationship": HEADERS["guardian_relationship"],
    "phone": HEADERS["guardian_phone"],
}


@dataclass(frozen=True)
class RowError:
    """A problem to show the user: Excel row (None for the whole file), column header, message."""

    row: int | None
    column: str
    message: str


@dataclass
class RosterRow:
    row: int
    full_name: str
    gender: str
    date_of_birth: datetime.date
    grade: int
    class_name: str
    national_id: str | None = None
    ethnicity: str = DEFAULT_ETHNICITY
    disability: str = Disability.NONE
    guardian_name: str = ""
    guardian_relationship: str = ""
    guardian_phone: str = ""


@dataclass
class ParsedRoster:
    rows: list[RosterRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    # False when the file itself could not be used (not xlsx, too big, missing headers...).
    readable: bool = True
    # Keys of the columns the file has: on an update, a column the file lacks changes nothing.
    columns: frozenset[str] = frozenset()
    row_count: int = 0


class _CellError(Exception):
    pass


class _FileError(Exception):
    def __init__(self, message: str, *, row: int | None = None, column: str = ""):
        super().__init__(message)
        self.error = RowError(row, column, message)


# --- lookups --------------------------------------------------------------------------------


def _ethnic_key(text: str) -> str:
    # "Ê Đê", "Ede", "ê-đê" and "H'Mông"/"hmong" meet on letters and digits only.
    key = re.sub(r"[^a-z0-9]", "", fold(text))
    return key.removeprefix("dantoc") if key != "dantoc" else key


_ETHNICITY_LOOKUP = {_ethnic_key(name): name for name in ETHNICITIES} | {
    _ethnic_key(alias): name for alias, name in ALIASES.items()
}


def _vi(label) -> str:
    """A choice label in Vietnamese, the language of the file, whatever the interface language."""
    with translation.override("vi"):
        return str(label)


def _choice_lookup(choices, extra: dict[str, str]) -> dict[str, str]:
    lookup = {}
    for value, label in choices:
        lookup[fold(value)] = value
        lookup[fold(_vi(label))] = value
        lookup[fold(str(label))] = value  # the interface language's label too
    lookup.update(extra)
    return lookup


def _gender_lookup() -> dict[str, str]:
    return _choice_lookup(Gender.choices, {"nu gioi": Gender.FEMALE, "nam gioi": Gender.MALE})


def _disability_lookup() -> dict[str, str]:
    extra = {"khong": Disability.NONE, "khong co": Disability.NONE, "none": Disability.NONE}
    lookup = _choice_lookup(Disability.choices, extra)
    # "vận động", "nhìn"…: the label without its "khuyết tật" prefix.
    for value, label in Disability.choices:
        short = fold(_vi(label)).removeprefix("khuyet tat ")
        lookup.setdefault(short, value)
    return lookup


Rel = Guardian.Relationship
# Matched with diacritics first: folded, "Ba" (father, in the South) and "Bà" (grandmother) meet.
_RELATIONSHIP_EXACT = {
    "ba": Rel.FATHER,
    "bà": Rel.GRANDPARENT,
    "má": Rel.MOTHER,
    "cha": Rel.FATHER,
    "ông": Rel.GRANDPARENT,
    "anh": Rel.SIBLING,
    "chị": Rel.SIBLING,
}


def _relationship_lookup() -> dict[str, str]:
    extra = {
        "cha": Rel.FATHER,
        "ong": Rel.GRANDPARENT,
        "ong ba": Rel.GRANDPARENT,
        "anh chi": Rel.SIBLING,
        "chi": Rel.SIBLING,
        "nguoi giam ho": Rel.OTHER,
        "giam ho": Rel.OTHER,
        "khac": Rel.OTHER,
    }
    return _choice_lookup(Rel.choices, extra)


# --- cell parsing ---------------------------------------------------------------------------


def _text(value) -> str:
    """A cell as text: NFC (names typed on a Mac arrive decomposed), spaces collapsed."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime.datetime | datetime.date):
        return value.strftime("%d/%m/%Y")
    return " ".join(unicodedata.normalize("NFC", str(value)).split())


def _parse_national_id(value) -> str | None:
    text = re.sub(r"\s", "", _text(value))
    if not text:
        return None
    if not re.fullmatch(r"[0-9]{8,16}", text):
        raise _CellError(_("Mã định danh học sinh phải gồm 8 đến 16 chữ số."))
    return text


def _parse_full_name(value, *, max_length: int = 120) -> str:
    text = _text(value)
    if not text:
        raise _CellError(_("Thiếu họ và tên."))
    if len(text) > max_length:
        raise _CellError(_("Họ và tên dài quá %(n)s ký tự.") % {"n": max_length})
    if text[0] in FORMULA_STARTS:
        # A name never starts like a spreadsheet formula; refusing it keeps exports safe.
        raise _CellError(_("Họ và tên không được bắt đầu bằng ký tự = + - @."))
    return text


def _parse_date(value, *, today: datetime.date) -> datetime.date:
    if value is None or _text(value) == "":
        raise _CellError(_("Thiếu ngày sinh."))
    wrong_format = _CellError(
        _("Ngày sinh “%(value)s” không đúng dạng ngày/tháng/năm (ví dụ 05/09/2012).")
        % {"value": _text(value)[:40]}
    )
    if isinstance(value, datetime.datetime):
        born = value.date()
    elif isinstance(value, datetime.date):
        born = value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        # A date typed into a cell Excel did not format as a date: its serial number.
        try:
            born = from_excel(value).date()
        except (ValueError, TypeError, OverflowError, AttributeError):
            raise wrong_format from None
    else:
        text = _text(value)
        match = re.fullmatch(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})", text)
        iso = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text)
        try:
            if match:
                born = datetime.date(int(match[3]), int(match[2]), int(match[1]))
            elif iso:
                born = datetime.date(int(iso[1]), int(iso[2]), int(iso[3]))
            else:
                raise wrong_format
        except ValueError:
            raise _CellError(
                _("Ngày sinh “%(value)s” không có trên lịch.") % {"value": text[:40]}
            ) from None
    if born > today:
        raise _CellError(_("Ngày sinh ở tương lai."))
    age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    if not MIN_AGE <= age <= MAX_AGE:
        raise _CellError(
            _("Ngày sinh không hợp lý: học sinh %(age)s tuổi, phải từ %(min)s đến %(max)s tuổi.")
            % {"age": age, "min": MIN_AGE, "max": MAX_AGE}
        )
    return born


def _parse_class_name(value) -> str:
    text = re.sub(r"\s", "", _text(value))
    if fold(text).startswith("lop") and len(text) > 3 and not text[3].isalpha():
        text = text[3:]  # "Lớp 6A" → "6A"
    if not text:
        raise _CellError(_("Thiếu tên lớp."))
    if len(text) > 20:
        raise _CellError(_("Tên lớp dài quá 20 ký tự."))
    return text.upper()


def _parse_grade(value, *, class_name: str, grades: range) -> int:
    text = fold(_text(value)).removeprefix("khoi").strip()
    if not text:
        # Vietnamese class names start with their grade: 6A, 10A1.
        leading = re.match(r"\d{1,2}", class_name)
        if not leading:
            raise _CellError(
                _("Thiếu khối. Ghi số khối, hoặc đặt tên lớp bắt đầu bằng khối (ví dụ 6A).")
            )
        text = leading[0]
    if not re.fullmatch(r"\d{1,2}", text) or not 1 <= int(text) <= 12:
        raise _CellError(_("Khối phải là một số từ 1 đến 12."))
    grade = int(text)
    leading = re.match(r"[0-9]{1,2}", class_name)
    if leading and int(leading[0]) != grade:
        # Class names carry their grade (6A is in grade 6): a mismatch is a typing slip.
        raise _CellError(
            _("Khối %(grade)s không khớp với lớp %(class)s (lớp này thuộc khối %(leading)s).")
            % {"grade": grade, "class": class_name, "leading": int(leading[0])}
        )
    if grade not in grades:
        raise _CellError(
            _("Khối %(grade)s không thuộc cấp học của trường (khối %(first)s đến %(last)s).")
            % {"grade": grade, "first": grades[0], "last": grades[-1]}
        )
    return grade


def _parse_ethnicity(value) -> str:
    text = _text(value)
    if not text:
        return DEFAULT_ETHNICITY
    found = _ETHNICITY_LOOKUP.get(_ethnic_key(text))
    if found is None:
        raise _CellError(
            _(
                "Không có dân tộc “%(value)s” trong danh mục 54 dân tộc (xem trang Danh mục "
                "của tệp mẫu)."
            )
            % {"value": text[:40]}
        )
    return found


def _parse_choice(value, lookup: dict[str, str], message: str) -> str:
    text = _text(value)
    found = lookup.get(fold(text))
    if found is None:
        raise _CellError(message % {"value": text[:40]})
    return found


def _parse_relationship(value, lookup: dict[str, str]) -> str:
    text = _text(value)
    if not text:
        return ""  # left as it is on an existing guardian, "other" on a new one
    exact = _RELATIONSHIP_EXACT.get(text.casefold())
    if exact:
        return exact
    return _parse_choice(
        text,
        lookup,
        _("Không rõ quan hệ “%(value)s”. Ghi Mẹ, Bố, Ông/bà, Anh/chị hoặc Người giám hộ khác."),
    )


def _parse_phone(value) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = re.sub(r"[\s.\-()]", "", _text(value))
    if not text:
        return ""
    if text.startswith("+84"):
        text = "0" + text[3:]
    elif text.startswith("84") and len(text) == 11:
        text = "0" + text[2:]
    elif re.fullmatch(r"[1-9]\d{8}", text):
        text = "0" + text  # a number cell dropped the leading 0
    if not re.fullmatch(r"0\d{9,10}", text):
        raise _CellError(
            _("Số điện thoại “%(value)s” không hợp lệ (ví dụ 0912345678).")
            % {"value": _text(value)[:40]}
        )
    return text


# --- reading --------------------------------------------------------------------------------


def _header_key(value) -> str:
    text = fold(_text(value))
    text = re.sub(r"\(.*?\)", " ", text)
    return " ".join(re.sub(r"[*:]", " ", text).split())


_HEADER_LOOKUP = {}
for _column in COLUMNS:
    for _name in (_column.header, *_column.aliases):
        _HEADER_LOOKUP[_header_key(_name)] = _column.key


def _read_bytes(file) -> bytes:
    limit = settings.DIEMTUA_ROSTER_MAX_BYTES
    too_big = _FileError(
        _("Tệp lớn quá %(mb)s MB. Hãy chia danh sách thành nhiều tệp.")
        % {"mb": round(limit / 1024 / 1024, 1)}
    )
    size = getattr(file, "size", None)
    if size is not None and size > limit:
        raise too_big
    if hasattr(file, "seek"):
        file.seek(0)
    data = file.read(limit + 1)
    if len(data) > limit:
        raise too_big
    if not data:
        raise _FileError(_("Tệp trống."))
    return data


def _raw_rows(data: bytes) -> list[tuple]:
    """Every non-blank row of the first sheet as (Excel row number, values), header first."""
    not_xlsx = _FileError(
        _(
            "Không đọc được tệp. Hãy chọn một tệp Excel dạng .xlsx, không đặt mật khẩu "
            "(ví dụ tệp mẫu tải ở trang này). Tệp .xls cũ hãy mở bằng Excel và lưu lại "
            "thành .xlsx."
        )
    )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unzipped = sum(info.file_size for info in archive.infolist())
    except Exception:
        raise not_xlsx from None
    if unzipped > MAX_UNCOMPRESSED_BYTES:
        raise _FileError(_("Tệp chứa quá nhiều dữ liệu. Hãy chia danh sách thành nhiều tệp."))
    rows = []
    # Whatever is wrong inside a file (corrupt XML, odd styles, a different zip format), the
    # user gets the same friendly message, never a server error.
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about styles and extensions
            workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            try:
                if not workbook.worksheets:
                    raise not_xlsx
                sheet = workbook.worksheets[0]
                if hasattr(sheet, "reset_dimensions"):
                    # Some programs write wrong sheet dimensions; read what is really there.
                    sheet.reset_dimensions()
                for number, values in enumerate(
                    sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS), start=1
                ):
                    if all(_text(v) == "" for v in values):
                        continue
                    rows.append((number, values))
                    if len(rows) > MAX_ROWS + HEADER_SEARCH_ROWS:
                        break  # enough to tell the user the file is too long
            finally:
                workbook.close()
    except _FileError:
        raise
    except Exception:
        raise not_xlsx from None
    return rows


def _columns(header: tuple, *, row: int = 1) -> dict[str, int]:
    """Column key → index, from the header row. Unknown headers are ignored."""
    found: dict[str, int] = {}
    for index, value in enumerate(header):
        key = _HEADER_LOOKUP.get(_header_key(value))
        if key is None:
            continue
        if key in found:
            raise _FileError(
                _("Cột “%(header)s” có hai lần ở dòng tiêu đề.") % {"header": HEADERS[key]},
                row=row,
                column=HEADERS[key],
            )
        found[key] = index
    return found


def _find_header(raw: list[tuple]) -> tuple[int, dict[str, int]] | None:
    """The header row: row 1, or a later one under a title ("DANH SÁCH HỌC SINH LỚP 6A")."""
    for index, (number, values) in enumerate(raw[:HEADER_SEARCH_ROWS]):
        columns = _columns(values, row=number)
        if all(c.key in columns for c in COLUMNS if c.required):
            return index, columns
    return None


def read_roster(file, *, grades: range, today: datetime.date) -> ParsedRoster:
    """Parse and check an uploaded roster; never raises for anything wrong with the file."""
    parsed = ParsedRoster()
    try:
        raw = _raw_rows(_read_bytes(file))
        if not raw:
            raise _FileError(_("Tệp trống."))
        found = _find_header(raw)
        if found is None:
            first = _columns(raw[0][1]) if raw[0][0] == 1 else {}
            parsed.readable = False
            parsed.errors = [
                RowError(1, c.header, _("Thiếu cột bắt buộc “%(header)s”.") % {"header": c.header})
                for c in COLUMNS
                if c.required and c.key not in first
            ]
            return parsed
        header_index, columns = found
        parsed.columns = frozenset(columns)
        data_rows = raw[header_index + 1 :]
        parsed.row_count = len(data_rows)
        if not data_rows:
            raise _FileError(_("Tệp chưa có học sinh nào (chỉ có dòng tiêu đề)."))
        if len(data_rows) > MAX_ROWS:
            raise _FileError(
                _("Tệp có hơn %(max)s học sinh. Hãy chia danh sách thành nhiều tệp.")
                % {"max": MAX_ROWS}
            )
    except _FileError as problem:
        parsed.readable = False
        parsed.errors = [problem.error]
        return parsed

    lookups = {
        "gender": _gender_lookup(),
        "disability": _disability_lookup(),
        "relationship": _relationship_lookup(),
    }
    for number, values in data_rows:
        row, errors = _parse_row(number, values, columns, lookups, grades=grades, today=today)
        if errors:
            parsed.errors.extend(errors)
        else:
            parsed.rows.append(row)
    return parsed


def _parse_row(number, values, columns, lookups, *, grades, today):
    def cell(key):
        index = columns.get(key)
        return values[index] if index is not None and index < len(values) else None

    parsed: dict = {}
    errors: list[RowError] = []

    def parse(key, func, *args, **kwargs):
        try:
            parsed[key] = func(cell(key), *args, **kwargs)
        except _CellError as problem:
            errors.append(RowError(number, HEADERS[key], str(problem)))

    parse("national_id", _parse_national_id)
    parse("full_name", _parse_full_name)
    if _text(cell("gender")):
        parse(
            "gender",
            _parse_choice,
            lookups["gender"],
            _("Không rõ giới tính “%(value)s”. Ghi Nam, Nữ hoặc Khác."),
        )
    else:
        errors.append(RowError(number, HEADERS["gender"], _("Thiếu giới tính.")))
    parse("date_of_birth", _parse_date, today=today)
    parse("class_name", _parse_class_name)
    if "class_name" in parsed:
        parse("grade", _parse_grade, class_name=parsed["class_name"], grades=grades)
    parse("ethnicity", _parse_ethnicity)
    if _text(cell("disability")):
        parse(
            "disability",
            _parse_choice,
            lookups["disability"],
            _("Không rõ loại khuyết tật “%(value)s” (xem trang Danh mục của tệp mẫu)."),
        )
    if _text(cell("guardian_name")):
        parse("guardian_name", _parse_full_name)
        parse("guardian_relationship", _parse_relationship, lookups["relationship"])
    elif _text(cell("guardian_relationship")) or _text(cell("guardian_phone")):
        errors.append(
            RowError(
                number,
                HEADERS["guardian_name"],
                _("Thiếu họ tên phụ huynh (đã ghi quan hệ hoặc số điện thoại)."),
            )
        )
    parse("guardian_phone", _parse_phone)
    if not errors and (parsed.get("full_name"), parsed.get("guardian_name")) == EXAMPLE_NAMES:
        # The template's sample pupil, left in by mistake, must not become a real student.
        errors.append(
            RowError(number, HEADERS["full_name"], _("Đây là dòng ví dụ của tệp mẫu: hãy xóa."))
        )
    if errors:
        return None, errors
    return RosterRow(row=number, **parsed), []
