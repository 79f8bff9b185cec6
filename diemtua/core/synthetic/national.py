"""What a country's counseling records look like, generated school by school.

The shape follows MISSION.md: today's 34 provinces and their communes (the real admin units,
`load_admin_units --communes`), schools spread over them by level (primary and lower-secondary
schools under their commune, upper-secondary under the Department, as since 07/2025), students
by grade and class, and for each school year the requests, cases (through the social-work
process, Circular 18/2025), sessions, assessments, plan actions, referrals with the consent
they rest on, safeguarding alerts and class activities a school keeps.

Every school draws from its own random generator seeded with (seed, school number), so the same
seed gives the same data whatever the chunk size, and a school's records can be regenerated
without the others. Free text is encrypted exactly as the fields do it (a pool of tokens per
column, bound to that column), so pages that decrypt work on bench data too.
"""

import datetime
import json
import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from diemtua.accounts.models import Membership, User
from diemtua.accounts.roles import Role
from diemtua.activities.models import Activity, ActivityKind, TargetGroup
from diemtua.cases.models import (
    Assessment,
    Case,
    Consent,
    ContentGroup,
    HelpRequest,
    PlanAction,
    Regulation,
    SafeguardingAlert,
    Session,
    StageChange,
)
from diemtua.core.text import fold
from diemtua.orgs.models import GRADES_BY_LEVEL, OrgKind, OrgUnit, OrgUnitAncestor, SchoolLevel
from diemtua.referrals.models import ProviderProfile, Referral
from diemtua.students.ethnicities import ETHNICITIES
from diemtua.students.models import Student

from . import names
from .loader import Loader

CODE_PREFIX = "BENCH"  # school and provider codes; bench_seed refuses to run twice on a database
CIRCULAR_18_IN_FORCE = datetime.date(2025, 10, 31)
LEVEL_SHARE = [
    (SchoolLevel.PRIMARY, 0.48),
    (SchoolLevel.LOWER_SECONDARY, 0.34),
    (SchoolLevel.UPPER_SECONDARY, 0.18),
]
LEVEL_SIZE = {SchoolLevel.PRIMARY: 0.8, SchoolLevel.LOWER_SECONDARY: 1.0}
LEVEL_NAME = {
    SchoolLevel.PRIMARY: "Tiểu học",
    SchoolLevel.LOWER_SECONDARY: "THCS",
    SchoolLevel.UPPER_SECONDARY: "THPT",
}
CLASS_SIZE = 35
ETHNIC_MINORITIES = ETHNICITIES[1:12]
OPEN_STAGES = ["received", "assessing", "planning", "supporting", "reviewing"]
CHANNELS = [("web", 45), ("teacher", 25), ("counselor", 20), ("screening", 10)]
SESSION_FORMS = [("individual", 70), ("group", 10), ("online", 8), ("phone", 12)]
RISKS = [("none", 30), ("low", 40), ("medium", 24), ("high", 5), ("imminent", 1)]
OUTCOMES = [("resolved", 45), ("improved", 35), ("referred", 6), ("declined", 8), ("other", 6)]
TEXTS = {
    "summary": [
        "Em hay lo lắng trước các bài kiểm tra, khó ngủ.",
        "Mâu thuẫn với bạn cùng lớp, bị trêu chọc trên mạng xã hội.",
        "Gia đình có chuyện buồn, em ít nói và hay khóc.",
        "Em muốn được tư vấn chọn ngành, chưa thống nhất với bố mẹ.",
        "Kết quả học tập giảm sút, thường xuyên đi học muộn.",
        "Em cảm thấy cô đơn, không muốn đến trường.",
    ],
    "alias": ["em lớp 6A", "em nữ khối 8", "em nam khối 10", "bạn gửi qua trang giúp đỡ"],
    "notes": [
        "Trao đổi về cảm xúc trong tuần, em đã ngủ tốt hơn.",
        "Cùng em lập danh sách việc cần làm trước kỳ thi.",
        "Em chia sẻ về mâu thuẫn với bạn; thống nhất cách nói chuyện lại.",
        "Gọi điện cho mẹ em với sự đồng ý của em; gia đình hợp tác.",
    ],
    "message": [
        "Em bị các bạn nói xấu trong nhóm lớp, em không muốn đi học nữa.",
        "Con tôi dạo này ít nói, tôi muốn xin gặp thầy cô tư vấn.",
        "Em áp lực vì điểm số, em muốn nói chuyện với cô.",
        "Bạn em có vẻ buồn lắm, em muốn thầy cô giúp bạn ấy.",
    ],
    "goals": ["Em ngủ đủ 7 tiếng mỗi đêm; đi học đều.", "Giảm lo âu trước kiểm tra."],
    "action": ["Gặp lại em sau 1 tuần", "Trao đổi với giáo viên chủ nhiệm", "Gọi cho phụ huynh"],
    "owner": ["Cán bộ tư vấn", "Giáo viên chủ nhiệm"],
    "reason": ["Em cần được khám và điều trị chuyên khoa.", "Gia đình cần hỗ trợ của CTXH."],
}


@dataclass
class Plan:
    students: int
    schools: int
    years: int = 1
    seed: int = 1
    case_rate: float = 10.0  # cases per 100 students per school year
    today: datetime.date = field(default_factory=timezone.localdate)

    def school_years(self) -> list[tuple[datetime.date, datetime.date]]:
        """(first day, last day) of each school year, the current one last; a year's records
        stop at today."""
        first = self.today.year if self.today.month >= 9 else self.today.year - 1
        return [
            (datetime.date(y, 9, 5), min(datetime.date(y + 1, 5, 31), self.today))
            for y in range(first - self.years + 1, first + 1)
        ]


@dataclass
class School:
    number: int
    unit_id: int
    level: str
    province: OrgUnit
    commune: OrgUnit
    students: int
    counselor_id: int = 0
    provider_id: int = 0


@dataclass
class TreePlan:
    """The schools to create and what they hang on: provinces, one partner per province
    (province id → the partner's id), and the first user id (counselors, officers, Ministry)."""

    schools: list[School]
    departments: list[OrgUnit]
    providers: dict[int, int]
    first_user: int


def _weighted(rng: random.Random, pairs):
    return rng.choices([v for v, _ in pairs], [w for _, w in pairs])[0]


def _split(total: int, weights: list[float]) -> list[int]:
    """Integers proportional to `weights` adding up to `total` (largest remainder)."""
    scale = total / sum(weights)
    raw = [w * scale for w in weights]
    parts = [int(r) for r in raw]
    order = sorted(range(len(raw)), key=lambda i: raw[i] - parts[i], reverse=True)
    for i in order[: total - sum(parts)]:
        parts[i] += 1
    return parts


def _at(day: datetime.date, rng: random.Random, tz) -> datetime.datetime:
    return datetime.datetime.combine(
        day, datetime.time(7 + rng.randrange(10), rng.randrange(60)), tzinfo=tz
    )


class Generator:
    def __init__(self, plan: Plan, *, log: Callable[[str], None] = lambda _: None):
        self.plan = plan
        self.log = log
        self.tz = timezone.get_current_timezone()
        self.now = timezone.now()
        self.loader = Loader(now=self.now)
        self.rng = random.Random(f"{plan.seed}/nation")
        self.pools: dict[tuple, list[str]] = {}
        self.groups = {
            regulation: list(
                ContentGroup.objects.filter(regulation=regulation).values_list("pk", flat=True)
            )
            for regulation in Regulation.values
        }
        self.password = make_password(None)  # unusable: bench users are logged in by the benches

    # --- encrypted text ---------------------------------------------------------------------
    def _pool(self, model, field_name: str, texts: list[str]) -> list[str]:
        key = (model, field_name)
        if key not in self.pools:
            f = model._meta.get_field(field_name)
            self.pools[key] = [f.get_prep_value(f"{t} ({i})") for i in range(8) for t in texts]
        return self.pools[key]

    # --- the tree ---------------------------------------------------------------------------
    def build_tree(self) -> list[School]:
        tree = self.plan_tree()
        self._write_tree(tree)
        return tree.schools

    def plan_tree(self) -> TreePlan:
        """Where each school stands and how big it is; nothing written yet."""
        plan, rng = self.plan, self.rng
        departments = list(
            OrgUnit.objects.filter(kind=OrgKind.DEPARTMENT, valid_to__isnull=True).order_by("code")
        )
        communes: dict[int, list[OrgUnit]] = {d.pk: [] for d in departments}
        for commune in OrgUnit.objects.filter(
            kind=OrgKind.COMMUNE, valid_to__isnull=True, parent__in=departments
        ).order_by("code"):
            communes[commune.parent_id].append(commune)
        departments = [d for d in departments if communes[d.pk]]
        if not departments:
            raise ValueError("no communes: run `manage.py load_admin_units --communes` first")
        per_province = _split(plan.schools, [len(communes[d.pk]) for d in departments])
        levels = [level for level, _ in LEVEL_SHARE]
        shares = [share for _, share in LEVEL_SHARE]
        placed: list[tuple[str, OrgUnit, OrgUnit]] = []
        for department, count in zip(departments, per_province, strict=True):
            pool = communes[department.pk][:]
            rng.shuffle(pool)
            for k in range(count):
                level = rng.choices(levels, shares)[0]
                placed.append((level, department, pool[k % len(pool)]))
        weights = [rng.uniform(0.4, 1.6) * LEVEL_SIZE.get(level, 1.5) for level, _, _ in placed]
        sizes = _split(plan.students - len(placed), weights)
        first_unit = self.loader.reserve(OrgUnit, len(placed) + len(departments))
        schools = [
            School(n, first_unit + n, level, department, commune, size + 1)
            for n, ((level, department, commune), size) in enumerate(
                zip(placed, sizes, strict=True)
            )
        ]
        providers = {d.pk: first_unit + len(placed) + i for i, d in enumerate(departments)}
        first_user = self.loader.reserve(User, len(schools) + len(departments) + 1)
        for school in schools:
            school.counselor_id = first_user + school.number
            school.provider_id = providers[school.province.pk]
        return TreePlan(schools, departments, providers, first_user)

    def _write_tree(self, tree: TreePlan) -> None:
        schools, departments, providers = tree.schools, tree.departments, tree.providers
        first_user = tree.first_user
        loader = self.loader
        ancestors = {}
        for link in OrgUnitAncestor.objects.filter(
            descendant__in={s.commune.pk for s in schools} | {d.pk for d in departments}
        ).values_list("descendant_id", "ancestor_id", "depth"):
            ancestors.setdefault(link[0], []).append((link[1], link[2]))
        units = loader.table(
            OrgUnit,
            ["id", "kind", "name", "search_name", "code", "parent_id", "school_level",
             "commune_id", "address"],
        )  # fmt: skip
        rows, links = [], []
        seen_names: dict[str, int] = {}
        for s in schools:
            parent = s.province if s.level == SchoolLevel.UPPER_SECONDARY else s.commune
            base = f"Trường {LEVEL_NAME[s.level]} {s.commune.name.split(' ', 1)[-1]}"
            seen_names[base] = seen_names.get(base, 0) + 1
            name = base if seen_names[base] == 1 else f"{base} số {seen_names[base]}"
            rows.append(
                (s.unit_id, OrgKind.SCHOOL, name, fold(name), f"{CODE_PREFIX}-{s.number:06d}",
                 parent.pk, s.level, s.commune.pk, s.commune.name)
            )  # fmt: skip
            links.append((s.unit_id, s.unit_id, 0))
            links += [(a, s.unit_id, d + 1) for a, d in ancestors[parent.pk]]
        for d in departments:
            name = f"Trung tâm Công tác xã hội {d.name.replace('Sở GD&ĐT ', '')} (bench)"
            unit_id = providers[d.pk]
            rows.append(
                (unit_id, OrgKind.PROVIDER, name, fold(name), f"{CODE_PREFIX}-P{d.code}",
                 d.pk, "", None, "")
            )  # fmt: skip
            links.append((unit_id, unit_id, 0))
            links += [(a, unit_id, depth + 1) for a, depth in ancestors[d.pk]]
        loader.write(units, rows)
        loader.write(
            loader.table(OrgUnitAncestor, ["ancestor_id", "descendant_id", "depth"]), links
        )
        loader.write(
            loader.table(
                ProviderProfile, ["unit_id", "category", "accepts_referrals", "search_text"]
            ),
            [(providers[d.pk], "social_work", True, fold(d.name)) for d in departments],
        )
        users = loader.table(
            User,
            ["id", "password", "is_superuser", "username", "first_name", "last_name", "email",
             "is_staff", "is_active", "date_joined", "full_name", "search_name"],
        )  # fmt: skip
        people = [(s.counselor_id, f"bench.tv.{s.number:06d}", s.unit_id, Role.COUNSELOR)
                  for s in schools]  # fmt: skip
        people += [
            (first_user + len(schools) + i, f"bench.so.{d.code}", d.pk, Role.DEPARTMENT_OFFICER)
            for i, d in enumerate(departments)
        ]
        ministry = OrgUnit.objects.get(kind=OrgKind.MINISTRY, valid_to__isnull=True)
        people.append((first_user + len(schools) + len(departments), "bench.bo", ministry.pk,
                       Role.MINISTRY_OFFICER))  # fmt: skip
        rng = random.Random(f"{self.plan.seed}/staff")
        user_rows = []
        for user_id, username, _, _ in people:
            full = names.full_name(rng, rng.choice(["male", "female"]))
            user_rows.append(
                (user_id, self.password, False, username, "", "", "", False, True, self.now, full,
                 fold(f"{full} {username}"))
            )  # fmt: skip
        loader.write(users, user_rows)
        loader.write(
            loader.table(Membership, ["user_id", "org_unit_id", "role"]),
            [(user_id, unit_id, role) for user_id, _, unit_id, role in people],
        )

    # --- one school's records ---------------------------------------------------------------
    def school_rows(self, s: School, rows: dict[str, list]) -> None:
        rng = random.Random(f"{self.plan.seed}/school/{s.number}")
        loader, today = self.loader, self.plan.today
        grades = list(GRADES_BY_LEVEL[s.level])
        per_grade = _split(s.students, [1.0] * len(grades))
        first_student = loader.reserve(Student, s.students)
        students = []  # (id, class_name, gender)
        year0 = today.year if today.month >= 9 else today.year - 1
        for grade, count in zip(grades, per_grade, strict=True):
            classes = max(1, math.ceil(count / CLASS_SIZE))
            for k in range(count):
                sid = first_student + len(students)
                gender = "male" if rng.random() < 0.51 else "female"
                full = names.full_name(rng, gender)
                search, sort = names.folded(full)
                class_name = f"{grade}{'ABCDEFGHIKLMNPQ'[k % classes % 15]}"
                born = datetime.date(year0 - grade - 5, 1, 1) + datetime.timedelta(
                    days=rng.randrange(365)
                )
                ethnicity = "Kinh" if rng.random() < 0.85 else rng.choice(ETHNIC_MINORITIES)
                rows["students"].append(
                    (sid, s.unit_id, full, search, sort, gender, born, grade, class_name,
                     ethnicity, f"9{self.plan.seed % 10}{sid:010d}", "none", "", True)
                )  # fmt: skip
                students.append((sid, class_name, gender))
        for first_day, last_day in self.plan.school_years():
            if last_day >= first_day:
                self._year(s, rng, students, first_day, last_day, rows)
        self._new_requests(s, rng, students, rows)

    def _year(self, s, rng, students, first_day, last_day, rows) -> None:
        loader, tz, today = self.loader, self.tz, self.plan.today
        span = (last_day - first_day).days + 1
        scale = span / 269  # a whole school year is 05/09 → 31/05
        n_cases = round(s.students * self.plan.case_rate / 100 * rng.uniform(0.7, 1.3) * scale)
        first_case = loader.reserve(Case, n_cases)
        summary = self._pool(Case, "summary", TEXTS["summary"])
        alias = self._pool(Case, "alias", TEXTS["alias"])
        notes = self._pool(Session, "notes", TEXTS["notes"])
        message = self._pool(HelpRequest, "message", TEXTS["message"])
        goals = self._pool(Assessment, "needs", TEXTS["goals"])
        action = self._pool(PlanAction, "description", TEXTS["action"])
        owner = self._pool(PlanAction, "owner", TEXTS["owner"])
        reason = self._pool(Referral, "reason", TEXTS["reason"])
        for c in range(n_cases):
            case_id = first_case + c
            anonymous = rng.random() < 0.2
            student = None if anonymous else rng.choice(students)
            opened = first_day + datetime.timedelta(days=rng.randrange(span))
            regulation = "tt18_2025" if opened >= CIRCULAR_18_IN_FORCE else "tt31_2017"
            groups = rng.sample(self.groups[regulation], k=1 + (rng.random() < 0.3))
            age = (today - opened).days
            if last_day < today or rng.random() < min(0.85, age / 120):
                closed = min(opened + datetime.timedelta(days=rng.randrange(7, 90)), today)
                stage, outcome = "closed", _weighted(rng, OUTCOMES)
            else:
                closed, outcome = None, ""
                stage = OPEN_STAGES[min(4, rng.randrange(1 + age // 15))] if age else "received"
            follow = None if closed else today + datetime.timedelta(days=rng.randrange(-10, 21))
            opened_at = _at(opened, rng, tz)
            rows["cases"].append(
                (case_id, s.unit_id, student[0] if student else None,
                 rng.choice(alias) if anonymous else "", opened, stage, rng.random() < 0.06,
                 rng.random() < 0.03, rng.choice(summary), follow, outcome, closed,
                 s.counselor_id, opened_at)
            )  # fmt: skip
            rows["case_counselors"].append((case_id, s.counselor_id))
            rows["case_groups"] += [(case_id, g) for g in groups]
            changes = [("", "received", opened_at)]
            middle = stage if stage != "closed" else "supporting"
            if middle != "received":
                changes.append(("received", middle, opened_at + datetime.timedelta(days=2)))
            if closed:
                changes.append((middle, "closed", _at(closed, rng, tz)))
            rows["stage_changes"] += [
                (case_id, a, b, when, s.counselor_id) for a, b, when in changes
            ]
            end = closed or today
            if rng.random() < 0.7:
                channel = _weighted(rng, CHANNELS)
                if channel == "teacher" and not student:
                    # A teacher always names the student (helprequest_teacher_names_student).
                    channel = "counselor"
                web = channel == "web"
                hidden = web and rng.random() < 0.3
                named = student and not hidden
                created = opened_at - datetime.timedelta(hours=rng.randrange(1, 48))
                request_id = loader.reserve(HelpRequest, 1)
                rows["requests"].append(
                    (request_id, s.unit_id, channel,
                     "teacher" if channel == "teacher" else "student", hidden,
                     student[1] if named else "", rng.choice(message), rng.random() < 0.06,
                     "in_case", student[0] if named else None,
                     s.counselor_id if channel == "teacher" else None, case_id,
                     f"B{request_id:09d}" if web else None, self.password if web else "",
                     created, created + datetime.timedelta(hours=rng.randrange(1, 30)))
                )  # fmt: skip
                rows["request_groups"] += [(request_id, g) for g in groups]
            for _ in range(rng.choice([0, 1, 1, 2, 2, 2, 3, 4])):
                session_id = loader.reserve(Session, 1)
                held = opened + datetime.timedelta(days=rng.randrange((end - opened).days + 1))
                form = _weighted(rng, SESSION_FORMS)
                rows["sessions"].append(
                    (session_id, case_id, s.unit_id, _at(held, rng, tz), form,
                     rng.choice([15, 30, 45, 60]), rng.choice(notes), s.counselor_id)
                )  # fmt: skip
                rows["session_groups"].append((session_id, groups[0]))
                present = [student[0]] if student else []
                if form == "group":
                    present += [st[0] for st in rng.sample(students, min(3, len(students)))]
                rows["session_students"] += [(session_id, sid) for sid in dict.fromkeys(present)]
            if rng.random() < 0.4:
                risk = _weighted(rng, RISKS)
                assessed = opened + datetime.timedelta(days=min(3, (end - opened).days))
                rows["assessments"].append(
                    (case_id, assessed, risk, rng.choice(goals), s.counselor_id,
                     _at(assessed, rng, tz))
                )  # fmt: skip
                if risk in ("high", "imminent"):
                    raised = _at(assessed, rng, tz)
                    rows["alerts"].append(
                        (case_id, s.unit_id, f"{risk}_risk", raised, s.counselor_id,
                         raised + datetime.timedelta(hours=1),
                         raised + datetime.timedelta(minutes=rng.randrange(5, 50)),
                         s.counselor_id)
                    )  # fmt: skip
            if not closed and rng.random() < 0.25:
                due = today + datetime.timedelta(days=rng.randrange(-14, 14))
                rows["actions"].append(
                    (case_id, rng.choice(action), rng.choice(owner), due, "open", opened_at)
                )
            if student and rng.random() < 0.04:
                self._referral(s, rng, case_id, student, opened, end, reason, rows)
        self._activities(s, rng, first_day, span, rows)

    def _referral(self, s, rng, case_id, student, opened, end, reason, rows) -> None:
        loader, tz = self.loader, self.tz
        consent_id = loader.reserve(Consent, 1)
        partner = self._pool(Consent, "partner_name", ["Trung tâm Công tác xã hội tỉnh"])
        rows["consents"].append(
            (consent_id, case_id, "guardian", rng.choice(partner), True, True, "written", opened,
             s.counselor_id)
        )  # fmt: skip
        sent = _at(opened + datetime.timedelta(days=min(5, (end - opened).days)), rng, tz)
        age = (self.now - sent).days
        status = "closed" if age > 40 else ("accepted" if age > 5 else "sent")
        responded = sent + datetime.timedelta(days=2) if status != "sent" else None
        closed = sent + datetime.timedelta(days=30) if status == "closed" else None
        shared_field = Referral._meta.get_field("shared")
        rows["referrals"].append(
            (case_id, s.unit_id, s.provider_id, consent_id, rng.choice(reason), "soon",
             "class_name", shared_field.get_prep_value(json.dumps({"class_name": student[1]})),
             status, sent, s.counselor_id, sent + datetime.timedelta(days=3),
             (sent + datetime.timedelta(days=30)).date(), responded,
             "successful" if closed else "", closed)
        )  # fmt: skip

    def _activities(self, s, rng, first_day, span, rows) -> None:
        kinds = [
            ActivityKind.THEMATIC_TALK,
            ActivityKind.CLASS_ACTIVITY,
            ActivityKind.FLAG_CEREMONY,
            ActivityKind.CLUB,
            ActivityKind.PARENT_MEETING,
        ]
        topics = ["Phòng chống bắt nạt học đường", "Kỹ năng quản lý cảm xúc",
                  "An toàn trên mạng", "Định hướng nghề nghiệp", "Tuổi dậy thì"]  # fmt: skip
        count_field = {
            SchoolLevel.PRIMARY: 0,
            SchoolLevel.LOWER_SECONDARY: 1,
            SchoolLevel.UPPER_SECONDARY: 2,
        }[s.level]
        for _ in range(max(1, round(rng.randint(6, 14) * span / 269))):
            activity_id = self.loader.reserve(Activity, 1)
            held = first_day + datetime.timedelta(days=rng.randrange(span))
            title = f"{rng.choice(topics)} — khối {rng.choice(GRADES_BY_LEVEL[s.level])}"
            male = rng.randint(20, 200)
            female = rng.randint(20, 200)
            levels = [0, 0, 0]
            levels[count_field] = male + female
            rows["activities"].append(
                (activity_id, rng.choice(kinds), title, fold(title), held, s.unit_id,
                 TargetGroup.STUDENTS, male, female, *levels, s.counselor_id,
                 _at(held, rng, self.tz))
            )  # fmt: skip
            rows["activity_groups"].append(
                (activity_id, rng.choice(self.groups["tt18_2025" if held >= CIRCULAR_18_IN_FORCE
                                                     else "tt31_2017"]))
            )  # fmt: skip

    def _new_requests(self, s, rng, students, rows) -> None:
        """Requests waiting in the queue today: about one per 150 students, urgent ones too."""
        message = self._pool(HelpRequest, "message", TEXTS["message"])
        today = self.plan.today
        for _ in range(max(1, round(s.students / 150 * rng.uniform(0.5, 1.5)))):
            request_id = self.loader.reserve(HelpRequest, 1)
            created = _at(today - datetime.timedelta(days=rng.randrange(14)), rng, self.tz)
            student = rng.choice(students)
            named = rng.random() < 0.5
            rows["requests"].append(
                (request_id, s.unit_id, "web", "student", not named,
                 student[1] if named else "", rng.choice(message), rng.random() < 0.1, "new",
                 student[0] if named else None, None, None, f"B{request_id:09d}",
                 self.password, created, None)
            )  # fmt: skip

    # --- writing ---------------------------------------------------------------------------
    TABLES = [
        ("students", Student,
         ["id", "school_id", "full_name", "search_name", "sort_name", "gender", "date_of_birth",
          "grade", "class_name", "ethnicity", "national_id", "disability", "support_needs",
          "is_active"]),
        ("cases", Case,
         ["id", "school_id", "student_id", "alias", "opened_on", "stage", "is_urgent",
          "restricted", "summary", "follow_up_on", "outcome", "closed_on", "opened_by_id",
          "created_at"]),
        ("case_counselors", Case.counselors.through, ["case_id", "user_id"]),
        ("case_groups", Case.content_groups.through, ["case_id", "contentgroup_id"]),
        ("stage_changes", StageChange,
         ["case_id", "from_stage", "to_stage", "changed_at", "changed_by_id"]),
        ("requests", HelpRequest,
         ["id", "school_id", "channel", "requester", "is_anonymous", "class_name", "message",
          "is_urgent", "status", "student_id", "referred_by_id", "case_id", "tracking_code",
          "pin_hash", "created_at", "handled_at"]),
        ("request_groups", HelpRequest.content_groups.through,
         ["helprequest_id", "contentgroup_id"]),
        ("sessions", Session,
         ["id", "case_id", "school_id", "held_at", "form", "duration_minutes", "notes",
          "counselor_id"]),
        ("session_students", Session.students.through, ["session_id", "student_id"]),
        ("session_groups", Session.content_groups.through, ["session_id", "contentgroup_id"]),
        ("assessments", Assessment,
         ["case_id", "assessed_on", "risk_level", "needs", "assessed_by_id", "created_at"]),
        ("alerts", SafeguardingAlert,
         ["case_id", "school_id", "reason", "raised_at", "raised_by_id", "ack_due_at",
          "acknowledged_at", "acknowledged_by_id"]),
        ("actions", PlanAction,
         ["case_id", "description", "owner", "due_on", "status", "created_at"]),
        ("consents", Consent,
         ["id", "case_id", "given_by", "partner_name", "covers_counseling", "covers_sharing",
          "method", "given_on", "recorded_by_id"]),
        ("referrals", Referral,
         ["case_id", "school_id", "provider_id", "consent_id", "reason", "urgency",
          "shared_fields", "shared", "status", "sent_at", "sent_by_id", "respond_due_at",
          "feedback_due_on", "responded_at", "outcome", "closed_at"]),
        ("activities", Activity,
         ["id", "kind", "title", "search_title", "held_on", "org_unit_id", "target_group",
          "male_count", "female_count", "primary_count", "lower_secondary_count",
          "upper_secondary_count", "created_by_id", "created_at"]),
        ("activity_groups", Activity.content_groups.through, ["activity_id", "contentgroup_id"]),
    ]  # fmt: skip

    def write_chunk(self, schools: list[School]) -> None:
        rows: dict[str, list] = {name: [] for name, _, _ in self.TABLES}
        for school in schools:
            self.school_rows(school, rows)
        with transaction.atomic():
            for name, model, columns in self.TABLES:
                if rows[name]:
                    self.loader.write(self.loader.table(model, columns), rows[name])

    def run(self, *, chunk_students: int = 50_000) -> dict[str, int]:
        with transaction.atomic():
            schools = self.build_tree()
        self.log(f"{len(schools)} schools in {len({s.province.pk for s in schools})} provinces")
        chunk: list[School] = []
        size = done = 0
        for school in schools:
            chunk.append(school)
            size += school.students
            if size >= chunk_students:
                self.write_chunk(chunk)
                done += size
                self.log(f"{done:,} students written")
                chunk, size = [], 0
        if chunk:
            self.write_chunk(chunk)
        self.loader.finish()
        return dict(self.loader.written)
