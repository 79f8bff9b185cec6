"""Reads for surveys: what a person must answer, what an officer sent, completion and results.

Surveys ask schools and their staff, never students. A school's answer is the school's and is
shown with its name. A staff member's answers are their own: the owner sees a staff survey's
results only once answering is over (closed or past the deadline, so results that change with
each answer cannot be matched with the completion list) and only from DIEMTUA_SUPPRESS_BELOW
respondents up; free texts are shown without names, sorted, so no answer is tied to a person.
"""

import json
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from diemtua.accounts import access
from diemtua.orgs.models import OrgKind, OrgUnit

from .models import (
    Audience,
    InstrumentKind,
    InstrumentVersion,
    Response,
    Survey,
    SurveyRecipient,
    localized,
)
from .scoring import options_of
from .survey_access import SCHOOL_ANSWER_ROLES, SURVEY_OFFICER_ROLES

# Audiences a survey campaign reaches; student questionnaires go through class administrations.
SURVEY_AUDIENCES = (Audience.SCHOOL, Audience.STAFF)


def survey_versions(*, fetched_by=None) -> QuerySet[InstrumentVersion]:
    """The current version of each active survey instrument for schools or staff."""
    latest = {}
    rows = (
        InstrumentVersion.objects.filter(
            instrument__kind=InstrumentKind.SURVEY,
            instrument__audience__in=SURVEY_AUDIENCES,
            instrument__is_active=True,
        )
        .order_by("instrument_id", "-number")
        .values_list("instrument_id", "pk")
    )
    for instrument_id, pk in rows:
        latest.setdefault(instrument_id, pk)
    return (
        InstrumentVersion.objects.filter(pk__in=latest.values())
        .select_related("instrument")
        .order_by("instrument__code")
    )


def target_schools(*, fetched_by, owner: OrgUnit, level: str = "") -> QuerySet[OrgUnit]:
    """Today's schools under the owner unit (optionally of one level), by name."""
    qs = OrgUnit.objects.filter(
        kind=OrgKind.SCHOOL, valid_to__isnull=True, ancestor_links__ancestor=owner
    )
    if level:
        qs = qs.filter(school_level=level)
    return qs.order_by("search_name", "pk")


def surveys_to_answer(*, fetched_by) -> QuerySet[SurveyRecipient]:
    """What this person answers: staff surveys sent to them, school surveys of their schools
    (as a school lead or counselor). Open ones first, by deadline."""
    schools = [u.pk for u in access.units_with_role(fetched_by, SCHOOL_ANSWER_ROLES)]
    mine = Q(user=fetched_by)
    if schools:
        mine |= Q(user__isnull=True, unit_id__in=schools)
    return (
        SurveyRecipient.objects.filter(mine)
        .select_related("survey", "survey__owner", "unit", "responded_by")
        .order_by(
            "responded_at",
            "survey__closed_at",
            "-survey__deadline",
            "unit__search_name",
            "pk",
        )
    )


def surveys_managed(*, fetched_by) -> QuerySet[Survey]:
    """Surveys sent from the units where the user is an officer, or from units below them."""
    units = [u.pk for u in access.units_with_role(fetched_by, SURVEY_OFFICER_ROLES)]
    return (
        Survey.objects.filter(owner__ancestor_links__ancestor_id__in=units)
        .distinct()
        .select_related("owner", "version__instrument")
        .annotate(
            n_recipients=Count("recipients", distinct=True),
            n_answered=Count(
                "recipients",
                filter=Q(recipients__responded_at__isnull=False),
                distinct=True,
            ),
        )
        .order_by("closed_at", "-deadline", "-pk")
    )


# --- Completion -----------------------------------------------------------------------------

ANSWERED, PENDING, LATE = "answered", "pending", "late"


def recipient_status(recipient: SurveyRecipient, survey: Survey, today) -> str:
    """Answered; not yet (still open); late (the deadline passed or the survey was closed)."""
    if recipient.responded_at is not None:
        return ANSWERED
    if survey.closed_at is not None or today > survey.deadline:
        return LATE
    return PENDING


def is_open(survey: Survey, today=None) -> bool:
    today = today or timezone.localdate()
    return survey.closed_at is None and today <= survey.deadline


@dataclass
class Completion:
    rows: list  # recipients, each with .status
    total: int
    answered: int
    pending: int
    late: int

    @property
    def percent(self) -> int:
        return round(100 * self.answered / self.total) if self.total else 0


def survey_completion(*, fetched_by, survey: Survey, status: str = "") -> Completion:
    """Every recipient with its status and the counts (counts are over all recipients)."""
    today = timezone.localdate()
    rows = list(
        survey.recipients.select_related("unit", "user", "responded_by").order_by(
            "unit__search_name", "user__search_name", "pk"
        )
    )
    counts = {ANSWERED: 0, PENDING: 0, LATE: 0}
    for row in rows:
        row.status = recipient_status(row, survey, today)
        counts[row.status] += 1
    shown = [row for row in rows if row.status == status] if status in counts else rows
    return Completion(rows=shown, total=len(rows), **counts)


# --- Results --------------------------------------------------------------------------------


@dataclass
class OptionCount:
    label: str
    count: int
    percent: float


@dataclass
class ItemResult:
    number: int
    code: str
    type: str
    text: str
    answered: int = 0
    options: list[OptionCount] = field(default_factory=list)
    mean: float | None = None
    low: int | None = None
    high: int | None = None
    texts: list[tuple[str, str]] = field(default_factory=list)  # (school or "", text)


@dataclass
class SurveyResults:
    recipients: int
    respondents: int
    items: list[ItemResult]
    bands: list[OptionCount]
    mean_total: float | None
    by_school: bool  # text answers carry the school's name (school surveys)
    withheld: str = ""  # why a staff survey's results are not shown yet

    def chart_data(self) -> list[dict]:
        """What static/js/survey_charts.js draws: one bar chart per choice item and the bands."""
        charts = [
            {
                "id": f"chart-{item.code}",
                "labels": [o.label for o in item.options],
                "counts": [o.count for o in item.options],
            }
            for item in self.items
            if item.options
        ]
        if self.bands:
            charts.append(
                {
                    "id": "chart-bands",
                    "labels": [b.label for b in self.bands],
                    "counts": [b.count for b in self.bands],
                }
            )
        return charts


def _percent(count: int, of: int) -> float:
    return round(100 * count / of, 1) if of else 0.0


def survey_results(*, fetched_by, survey: Survey) -> SurveyResults:
    """Per item: counts per option with the % of respondents, the mean of numbers, the free
    texts; the bands of the total where the definition has bands."""
    definition = survey.version.definition
    responses = list(
        Response.objects.filter(recipient__survey=survey)
        .select_related("recipient__unit")
        .order_by("recipient__unit__search_name", "pk")
    )
    respondents = len(responses)
    by_school = survey.version.instrument.audience == Audience.SCHOOL
    if not by_school:
        threshold = settings.DIEMTUA_SUPPRESS_BELOW
        withheld = ""
        if is_open(survey):
            withheld = gettext(
                "Kết quả phiếu cá nhân hiện ra khi đợt khảo sát kết thúc, để không ai đoán được "
                "câu trả lời của một người."
            )
        elif respondents < threshold:
            withheld = gettext(
                "Dưới %(k)s người trả lời: kết quả phiếu cá nhân không hiện, để không ai đoán "
                "được câu trả lời của một người."
            ) % {"k": threshold}
        if withheld:
            return SurveyResults(
                recipients=survey.recipients.count(),
                respondents=respondents,
                items=[],
                bands=[],
                mean_total=None,
                by_school=False,
                withheld=withheld,
            )
    answers = [(r.recipient.unit.name, json.loads(r.answers_json or "{}")) for r in responses]
    items = []
    for number, item in enumerate(definition["items"], start=1):
        code, kind = item["code"], item["type"]
        result = ItemResult(number=number, code=code, type=kind, text=localized(item["text"]))
        given = [(school, a[code]) for school, a in answers if a.get(code) not in (None, "", [])]
        result.answered = len(given)
        if kind in ("choice", "multi"):
            tally = {}
            for _school, value in given:
                for v in value if isinstance(value, list) else [value]:
                    tally[v] = tally.get(v, 0) + 1
            result.options = [
                OptionCount(
                    label=localized(option["label"]),
                    count=tally.get(option["value"], 0),
                    percent=_percent(tally.get(option["value"], 0), respondents),
                )
                for option in options_of(definition, item)
            ]
        elif kind == "number":
            numbers = [v for _school, v in given if isinstance(v, int)]
            if numbers:
                result.mean = round(sum(numbers) / len(numbers), 1)
                result.low, result.high = min(numbers), max(numbers)
        elif survey.version.instrument.audience in SURVEY_AUDIENCES:
            # Free text only from schools and staff; never from students (they are not asked
            # through surveys, and their words would stay at their school).
            texts = [(school if by_school else "", str(v)) for school, v in given]
            result.texts = texts if by_school else sorted(texts, key=lambda t: t[1].casefold())
        items.append(result)
    bands = []
    totals = [r.total for r in responses if r.total is not None]
    for band in definition.get("bands", []):
        count = sum(1 for r in responses if r.band == band["code"])
        bands.append(
            OptionCount(
                label=localized(band["label"]), count=count, percent=_percent(count, respondents)
            )
        )
    return SurveyResults(
        recipients=survey.recipients.count(),
        respondents=respondents,
        items=items,
        bands=bands,
        mean_total=round(sum(totals) / len(totals), 1) if totals else None,
        by_school=by_school,
    )


def own_answers(*, fetched_by, recipient: SurveyRecipient) -> list[tuple[str, str]] | None:
    """The answer given for this recipient, as (question, answer) in the page's language;
    None when not answered yet. Only for the respondent (survey_access.may_answer)."""
    response = Response.objects.filter(recipient=recipient).select_related("version").first()
    if response is None:
        return None
    definition = response.version.definition
    given = json.loads(response.answers_json or "{}")
    rows = []
    for number, item in enumerate(definition["items"], start=1):
        value = given.get(item["code"])
        labels = {o["value"]: localized(o["label"]) for o in options_of(definition, item)}
        if value is None:
            shown = "—"
        elif isinstance(value, list):
            shown = "; ".join(labels.get(v, str(v)) for v in value)
        elif item["type"] == "choice":
            shown = labels.get(value, str(value))
        else:
            shown = str(value)
        rows.append((f"{number}. {localized(item['text'])}", shown))
    return rows
