"""The engine against the published scoring of PHQ-9 and GAD-7, edge values included.

PHQ-9 (Kroenke, Spitzer & Williams 2001): 0–4 none-minimal, 5–9 mild, 10–14 moderate,
15–19 moderately severe, 20–27 severe. GAD-7 (Spitzer et al. 2006): 0–4 minimal, 5–9 mild,
10–14 moderate, 15–21 severe. Expected values are written out here, not read from the files.
"""

import copy
import io

import pytest
from django.core.management import CommandError, call_command

from diemtua.screening.instruments import shipped_definitions, sync_instruments
from diemtua.screening.models import Instrument
from diemtua.screening.scoring import (
    AnswerError,
    DefinitionError,
    answers_from_values,
    clean_answers,
    score,
    validate_definition,
)


def _definition(code):
    return next(d for d in shipped_definitions() if d["code"] == code)


def _answers_with_total(n_items, total, *, last=None):
    """Values 0–3 over n_items summing to total (item 9 kept at `last` when given)."""
    values = [0] * n_items
    remaining = total - (last or 0)
    slots = range(n_items - 1) if last is not None else range(n_items)
    for i in slots:
        values[i] = min(3, remaining)
        remaining -= values[i]
    if last is not None:
        values[-1] = last
    assert remaining == 0 and sum(values) == total
    return {f"q{i + 1}": v for i, v in enumerate(values)}


PHQ9_EDGES = [
    (0, "minimal"), (4, "minimal"), (5, "mild"), (9, "mild"), (10, "moderate"),
    (14, "moderate"), (15, "moderately_severe"), (19, "moderately_severe"),
    (20, "severe"), (27, "severe"),
]  # fmt: skip
GAD7_EDGES = [
    (0, "minimal"), (4, "minimal"), (5, "mild"), (9, "mild"), (10, "moderate"),
    (14, "moderate"), (15, "severe"), (21, "severe"),
]  # fmt: skip


@pytest.mark.parametrize(("total", "band"), PHQ9_EDGES)
def test_phq9_bands_at_the_published_edges(total, band):
    definition = _definition("PHQ9")
    answers = clean_answers(definition, _answers_with_total(9, total, last=max(0, total - 24)))
    result = score(definition, answers)
    assert (result.total, result.band) == (total, band)


@pytest.mark.parametrize(("total", "band"), GAD7_EDGES)
def test_gad7_bands_at_the_published_edges(total, band):
    definition = _definition("GAD7")
    result = score(definition, clean_answers(definition, _answers_with_total(7, total)))
    assert (result.total, result.band) == (total, band)


@pytest.mark.parametrize("item9", [1, 2, 3])
def test_phq9_item_9_above_zero_is_always_urgent_even_with_a_low_total(item9):
    definition = _definition("PHQ9")
    result = score(definition, clean_answers(definition, _answers_with_total(9, item9, last=item9)))
    assert result.band == "minimal"
    assert "self_harm" in [flag.code for flag in result.flags]
    assert result.is_urgent


def test_phq9_item_9_at_zero_raises_no_urgent_flag_even_when_severe():
    definition = _definition("PHQ9")
    result = score(definition, clean_answers(definition, _answers_with_total(9, 24, last=0)))
    assert result.band == "severe"
    assert [flag.code for flag in result.flags] == ["depression_followup"]
    assert not result.is_urgent


def test_follow_up_flags_start_at_ten():
    phq9, gad7 = _definition("PHQ9"), _definition("GAD7")
    assert not score(phq9, clean_answers(phq9, _answers_with_total(9, 9, last=0))).flags
    assert score(phq9, clean_answers(phq9, _answers_with_total(9, 10, last=0))).flags
    assert not score(gad7, clean_answers(gad7, _answers_with_total(7, 9))).flags
    assert [f.code for f in score(gad7, clean_answers(gad7, _answers_with_total(7, 10))).flags] == [
        "anxiety_followup"
    ]


def test_missing_and_impossible_answers_are_named_item_by_item():
    definition = _definition("GAD7")
    with pytest.raises(AnswerError) as refused:
        clean_answers(definition, {"q1": "0", "q2": "4", "q3": "x", "q4": "1", "q5": "1"})
    assert set(refused.value.errors) == {"q2", "q3", "q6", "q7"}
    assert "chưa trả lời" in refused.value.errors["q6"]


def test_the_unscored_difficulty_question_is_optional_and_not_counted():
    definition = _definition("PHQ9")
    answers = clean_answers(definition, {**_answers_with_total(9, 6, last=0), "q10": "3"})
    assert score(definition, answers).total == 6


def test_every_shipped_definition_is_valid_and_has_both_languages():
    codes = {d["code"] for d in shipped_definitions()}
    assert codes == {"PHQ9", "GAD7", "HL_TUVAN", "SS_TRUONG", "NC_TAPHUAN"}
    assert not any("SDQ" in code for code in codes)  # licence forbids electronic use


def test_a_definition_with_a_gap_between_bands_is_refused():
    definition = copy.deepcopy(_definition("GAD7"))
    definition["bands"][1]["min"] = 6
    with pytest.raises(DefinitionError, match="gap"):
        validate_definition(definition)


def test_a_flag_on_an_unknown_item_is_refused():
    definition = copy.deepcopy(_definition("PHQ9"))
    definition["flags"][0]["when"]["item"] = "q99"
    with pytest.raises(DefinitionError, match="q99"):
        validate_definition(definition)


def test_paper_form_values_map_to_the_scored_items_in_order():
    definition = _definition("PHQ9")
    answers = answers_from_values(definition, ["0", "1", "2", "3", "0", "1", "2", "3", "1"])
    assert answers["q9"] == 1 and answers["q4"] == 3
    with pytest.raises(AnswerError):
        answers_from_values(definition, ["1"] * 8)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("code", "values", "expected"),
    [
        ("PHQ9", "0,0,0,0,0,0,0,0,0", "total=0 band=minimal"),
        ("PHQ9", "1,1,1,1,1,0,0,0,0", "total=5 band=mild"),
        ("PHQ9", "3,3,3,3,3,3,3,3,3", "total=27 band=severe"),
        ("phq9", "2,2,2,2,2,2,2,1,0", "total=15 band=moderately_severe"),
        ("GAD7", "2,2,2,2,2,0,0", "total=10 band=moderate"),
        ("GAD7", "3,3,3,3,3,0,0", "total=15 band=severe"),
    ],
)
def test_score_instrument_prints_total_and_band(code, values, expected):
    out = io.StringIO()
    call_command("score_instrument", code, values, stdout=out)
    assert out.getvalue().strip() == expected


@pytest.mark.django_db
def test_score_instrument_refuses_a_wrong_form_clearly():
    with pytest.raises(CommandError, match="7 giá trị"):
        call_command("score_instrument", "GAD7", "1,2,3")
    with pytest.raises(CommandError, match="q1"):
        call_command("score_instrument", "GAD7", "4,0,0,0,0,0,0")
    with pytest.raises(CommandError, match="SDQ"):
        call_command("score_instrument", "SDQ", "1,2")


@pytest.mark.django_db
def test_score_instrument_shows_flags_when_asked():
    out = io.StringIO()
    call_command("score_instrument", "PHQ9", "0,0,0,0,0,0,0,0,2", stdout=out, verbosity=2)
    assert out.getvalue().split() == ["total=2", "band=minimal", "flags=self_harm"]


@pytest.mark.django_db
def test_a_changed_definition_becomes_a_new_version_and_old_ones_stay():
    instrument = Instrument.objects.get(code="GAD7")
    first = instrument.current_version()
    assert sync_instruments() == []  # unchanged files: nothing new
    changed = copy.deepcopy(first.definition)
    changed["items"][0]["text"]["vi"] = "Cảm thấy lo âu, bồn chồn"
    assert sync_instruments([changed]) == [f"GAD7 v{first.number + 1}"]
    first.refresh_from_db()
    assert first.definition["items"][0]["text"]["vi"] != "Cảm thấy lo âu, bồn chồn"
    assert instrument.current_version().number == first.number + 1
