"""Demo screenings at Lĩnh Nam lower-secondary school: consent slips, a GAD-7 and a PHQ-9 for
one grade-8 class, and the anonymous satisfaction survey in another — answered through the same
services a phone uses. The demo roster has small classes; the screened class is filled up to a
believable size (PHQ-9 and GAD-7 are for students from 11)."""

import datetime
import random

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from diemtua.accounts.models import User
from diemtua.orgs.models import OrgUnit
from diemtua.students.models import Student

from . import services
from .models import Administration, Instrument, Response

SCHOOL = "01-LINHNAM"
COUNSELOR = "tv.linhnam"
CLASS_SIZE = 30


def _classes(school) -> list[str]:
    """Classes of the oldest grades first (the screened class is one of grade 8 or 9)."""
    rows = (
        Student.objects.filter(school=school, is_active=True)
        .values("class_name", "grade")
        .annotate(n=Count("pk"))
        .order_by("-grade", "-n", "class_name")
    )
    return [row["class_name"] for row in rows]


def _fill_class(rng, school, class_name: str) -> None:
    from diemtua.core.demo_data import _person_name

    present = list(Student.objects.filter(school=school, class_name=class_name))
    grade = present[0].grade
    born_year = present[0].date_of_birth.year
    for _ in range(CLASS_SIZE - len(present)):
        gender = rng.choice(["female", "male"])
        Student.objects.create(
            school=school,
            full_name=_person_name(rng, "Kinh", gender),
            gender=gender,
            date_of_birth=datetime.date(born_year, 1, 1)
            + datetime.timedelta(days=rng.randrange(365)),
            grade=grade,
            class_name=class_name,
            ethnicity="Kinh",
        )


def _answers(rng, definition, *, worry: float, item9: int | None = None) -> dict:
    answers = {}
    for item in definition["items"]:
        if item["type"] != "choice":
            continue
        values = [o["value"] for o in definition["options"][item["options"]]]
        low, high = min(values), max(values)
        if definition["code"] in ("PHQ9", "GAD7"):
            value = min(high, int(rng.random() * 4 * worry))
        else:  # satisfaction: mostly agree
            value = rng.choice([high, high, high - 1, high - 1, high - 2])
        answers[item["code"]] = max(low, value)
    if item9 is not None:
        answers["q9"] = item9
    return answers


def _backdate(administration, days_ago: int) -> None:
    then = timezone.now() - datetime.timedelta(days=days_ago)
    Administration.objects.filter(pk=administration.pk).update(created_at=then)


def _answer_some(rng, administration, share: float, *, urgent_one=False) -> int:
    definition = administration.version.definition
    answered = 0
    participants = list(administration.participants.select_related("student").order_by("pk"))
    for index, participant in enumerate(participants):
        if rng.random() > share:
            continue
        worry = rng.choice([0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.6, 0.9])
        item9 = (1 if urgent_one and index == 2 else 0) if definition["code"] == "PHQ9" else None
        services.response_submit(
            code=participant.code, answers=_answers(rng, definition, worry=worry, item9=item9)
        )
        answered += 1
    Response.objects.filter(administration=administration).update(
        submitted_at=administration.created_at + datetime.timedelta(hours=2)
    )
    return answered


@transaction.atomic
def seed_screening() -> int:
    """Returns how many answers were stored (0 when the demo already has them)."""
    school = OrgUnit.objects.filter(code=SCHOOL).first()
    counselor = User.objects.filter(username=COUNSELOR).first()
    if school is None or counselor is None or Administration.objects.filter(school=school).exists():
        return 0
    rng = random.Random("diemtua-demo-screening")  # noqa: S311 — demo data, not secrets
    classes = _classes(school)
    main, other = classes[0], classes[1]
    _fill_class(rng, school, main)
    today = timezone.localdate()
    consent_day = today - datetime.timedelta(days=14)
    students = list(Student.objects.filter(school=school, class_name=main).order_by("sort_name"))
    # Two families have not returned the slip yet: those children get no code.
    entries = [(s, giver) for s in students[2:] for giver in ("student", "guardian")]
    services.consents_record(
        actor=counselor, school=school, entries=entries, method="written", given_on=consent_day
    )
    stored = 0
    version = {
        code: Instrument.objects.get(code=code).current_version()
        for code in ("GAD7", "PHQ9", "HL_TUVAN")
    }
    gad7 = services.administration_open(
        actor=counselor, school=school, version=version["GAD7"], group_name=main,
        closes_on=today + datetime.timedelta(days=4),
    ).administration  # fmt: skip
    _backdate(gad7, 10)
    gad7.refresh_from_db()
    stored += _answer_some(rng, gad7, 0.85)
    phq9 = services.administration_open(
        actor=counselor, school=school, version=version["PHQ9"], group_name=main,
        closes_on=today + datetime.timedelta(days=6),
    ).administration  # fmt: skip
    _backdate(phq9, 3)
    phq9.refresh_from_db()
    stored += _answer_some(rng, phq9, 0.6, urgent_one=True)
    survey = services.administration_open(
        actor=counselor, school=school, version=version["HL_TUVAN"], group_name=other,
        closes_on=today + datetime.timedelta(days=2),
    ).administration  # fmt: skip
    _backdate(survey, 20)
    survey.refresh_from_db()
    stored += _answer_some(rng, survey, 0.9)
    services.administration_close(actor=counselor, administration=survey)
    return stored
