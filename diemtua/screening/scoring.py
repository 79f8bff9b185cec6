"""The questionnaire engine: check a definition, check answers, score them.

Pure functions over the JSON definitions in `instruments/` (no database), so the same code
scores a phone submission, a paper form typed in by `manage.py score_instrument`, and the tests.

A definition:
    code, kind ("screening" | "survey"), audience ("student" | "staff" | "school"),
    title/intro {"vi", "en"}, anonymous (bool), source (citation and licence),
    min_age (the youngest age the instrument is validated for, if any),
    options: {name: [{"value": int, "label": {"vi", "en"}}, …]},
    items: [{"code", "type": "choice" | "multi" | "number" | "text", "text": {…},
             "options": name (choice, multi), "min"/"max" (number), "scored" (bool),
             "required" (bool, default true)}],
    scoring: {"method": "sum" | "none"} — the sum of the values of scored items,
    bands: [{"code", "min", "max", "label"}] covering every possible total without gaps,
    flags: [{"code", "urgent", "label", "when": {"item": code | "total": true, "op", "value"}}].
"""

import operator
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from .models import localized

ITEM_TYPES = {"choice", "multi", "number", "text"}
OPS = {
    "gt": operator.gt,
    "gte": operator.ge,
    "lt": operator.lt,
    "lte": operator.le,
    "eq": operator.eq,
}
TEXT_MAX = 2000


class DefinitionError(ValueError):
    """A definition file is not a valid questionnaire (caught when instruments are loaded)."""


class AnswerError(ValueError):
    """Answers that cannot be scored; `errors` maps an item code (or "") to a message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class Flag:
    code: str
    urgent: bool
    label: dict

    @property
    def text(self) -> str:
        return localized(self.label)


@dataclass(frozen=True)
class Score:
    total: int | None
    band: str = ""
    band_label: dict = field(default_factory=dict)
    flags: tuple[Flag, ...] = ()

    @property
    def is_urgent(self) -> bool:
        return any(flag.urgent for flag in self.flags)

    @property
    def band_text(self) -> str:
        return localized(self.band_label)


def options_of(definition: dict, item: dict) -> list[dict]:
    return definition.get("options", {}).get(item.get("options"), [])


def scored_items(definition: dict) -> list[dict]:
    return [item for item in definition["items"] if item.get("scored")]


def total_range(definition: dict) -> tuple[int, int]:
    low = high = 0
    for item in scored_items(definition):
        values = [option["value"] for option in options_of(definition, item)]
        low, high = low + min(values), high + max(values)
    return low, high


def validate_definition(definition: dict) -> None:
    """Refuse a definition that could score wrongly: unknown types, options or items, bands
    with gaps or overlaps, flags on items that do not exist."""
    problems = []
    for key in ("code", "kind", "audience", "title", "items"):
        if not definition.get(key):
            problems.append(f"missing {key}")
    if problems:
        raise DefinitionError(f"{definition.get('code', '?')}: " + ", ".join(problems))
    code = definition["code"]
    seen = set()
    for item in definition["items"]:
        item_code = item.get("code")
        if not item_code or item_code in seen:
            problems.append(f"item code {item_code!r} missing or repeated")
        seen.add(item_code)
        if item.get("type") not in ITEM_TYPES:
            problems.append(f"{item_code}: unknown type {item.get('type')!r}")
        if not localized(item.get("text"), "vi") or not localized(item.get("text"), "en"):
            problems.append(f"{item_code}: needs Vietnamese and English text")
        if item.get("type") in ("choice", "multi"):
            options = options_of(definition, item)
            if not options:
                problems.append(f"{item_code}: unknown options {item.get('options')!r}")
            values = [option.get("value") for option in options]
            if len(set(values)) != len(values) or not all(isinstance(v, int) for v in values):
                problems.append(f"{item_code}: option values must be distinct integers")
        if item.get("scored") and item.get("type") != "choice":
            problems.append(f"{item_code}: only single-choice items can be scored")
    method = definition.get("scoring", {}).get("method", "none")
    if method not in ("sum", "none"):
        problems.append(f"unknown scoring method {method!r}")
    bands = definition.get("bands", [])
    if bands:
        if method != "sum":
            problems.append("bands need a total (scoring method 'sum')")
        else:
            low, high = total_range(definition)
            expected = low
            for band in sorted(bands, key=lambda b: b["min"]):
                if band["min"] != expected or band["max"] < band["min"]:
                    problems.append(f"band {band.get('code')} leaves a gap or overlaps")
                expected = band["max"] + 1
            if expected != high + 1:
                problems.append(f"bands must end at the highest total {high}")
    for flag in definition.get("flags", []):
        when = flag.get("when", {})
        if when.get("op") not in OPS:
            problems.append(f"flag {flag.get('code')}: unknown op {when.get('op')!r}")
        if "item" in when and when["item"] not in seen:
            problems.append(f"flag {flag.get('code')}: unknown item {when['item']!r}")
        if "item" not in when and not when.get("total"):
            problems.append(f"flag {flag.get('code')}: needs an item or the total")
        if when.get("total") and method != "sum":
            problems.append(f"flag {flag.get('code')}: no total to test")
    if problems:
        raise DefinitionError(f"{code}: " + "; ".join(problems))


def clean_answers(definition: dict, raw: dict) -> dict:
    """Turn submitted values (strings from a form, or ints) into checked answers.

    Returns {item code: int | list[int] | str}; raises AnswerError naming every item at fault.
    Unanswered optional items are left out.
    """
    errors: dict[str, str] = {}
    answers: dict = {}
    for item in definition["items"]:
        code = item["code"]
        value = raw.get(code)
        empty = value is None or value == "" or value == []
        if empty:
            if item.get("required", True):
                errors[code] = _("Bạn chưa trả lời câu này.")
            continue
        kind = item["type"]
        allowed = {option["value"] for option in options_of(definition, item)}
        try:
            if kind == "choice":
                number = int(value)
                if number not in allowed:
                    raise ValueError
                answers[code] = number
            elif kind == "multi":
                values = value if isinstance(value, list | tuple) else [value]
                numbers = sorted({int(v) for v in values})
                if not set(numbers) <= allowed:
                    raise ValueError
                answers[code] = numbers
            elif kind == "number":
                number = int(value)
                if number < item.get("min", 0) or number > item.get("max", 100000):
                    errors[code] = _("Hãy nhập một số từ %(min)s đến %(max)s.") % {
                        "min": item.get("min", 0),
                        "max": item.get("max", 100000),
                    }
                    continue
                answers[code] = number
            else:
                text = str(value).strip()
                if len(text) > TEXT_MAX:
                    errors[code] = _("Câu trả lời dài quá %(n)s ký tự.") % {"n": TEXT_MAX}
                    continue
                if text:
                    answers[code] = text
                elif item.get("required", True):
                    errors[code] = _("Bạn chưa trả lời câu này.")
        except (TypeError, ValueError):
            errors[code] = _("Câu trả lời này không có trong các lựa chọn.")
    if errors:
        raise AnswerError(errors)
    return answers


def score(definition: dict, answers: dict) -> Score:
    """Score checked answers (see clean_answers): total, band and the flags they raise."""
    method = definition.get("scoring", {}).get("method", "none")
    total = None
    band = {}
    if method == "sum":
        total = sum(answers.get(item["code"], 0) for item in scored_items(definition))
        band = next((b for b in definition.get("bands", []) if b["min"] <= total <= b["max"]), {})
    flags = []
    for rule in definition.get("flags", []):
        when = rule["when"]
        value = total if when.get("total") else answers.get(when["item"])
        if isinstance(value, int) and OPS[when["op"]](value, when["value"]):
            flags.append(Flag(rule["code"], bool(rule.get("urgent")), rule.get("label", {})))
    return Score(
        total=total,
        band=band.get("code", ""),
        band_label=band.get("label", {}),
        flags=tuple(flags),
    )


def answers_from_values(definition: dict, values: list[str]) -> dict:
    """Paper-form entry: values in item order, for the scored items first.

    `score_instrument PHQ9 0,1,2,…` takes the scored items' values in order; values beyond them
    fill the remaining single-choice items (e.g. PHQ-9's unscored difficulty question).
    """
    order = scored_items(definition) + [
        item for item in definition["items"] if not item.get("scored") and item["type"] == "choice"
    ]
    needed = len(scored_items(definition))
    if len(values) < needed or len(values) > len(order):
        raise AnswerError(
            {
                "": _("Cần %(n)s giá trị (một cho mỗi câu tính điểm), nhận được %(got)s.")
                % {"n": needed, "got": len(values)}
            }
        )
    raw = {item["code"]: value.strip() for item, value in zip(order, values, strict=False)}
    scored_only = {
        **definition,
        "items": [item | {"required": item in order[:needed]} for item in order],
    }
    return clean_answers(scored_only, raw)


def describe_answers(definition: dict, answers: dict) -> list[dict]:
    """Each item with the answer given, as the person saw it (option labels, not values)."""
    described = []
    for item in definition["items"]:
        labels = {o["value"]: localized(o["label"]) for o in options_of(definition, item)}
        value = answers.get(item["code"])
        if value is None:
            shown = "—"
        elif isinstance(value, list):
            shown = ", ".join(labels.get(v, str(v)) for v in value)
        else:
            shown = labels.get(value, str(value))
        described.append(
            {"code": item["code"], "text": localized(item["text"]), "value": value, "shown": shown}
        )
    return described
