"""Hypothesis strategies shared by the tests: patients, entries and rule ranges."""

from __future__ import annotations

import re
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Final

from hypothesis import strategies as st

LB_IN_KG = Fraction("0.45359237")

# Weights as a person types them: a decimal in kg, within dosecalc's hard bounds.
weights_kg = st.decimals(
    min_value=Decimal("0.5"), max_value=Decimal(500), places=3, allow_nan=False
).map(Fraction)

# Weights in lb whose kg value is within the hard bounds.
weights_lb = st.decimals(
    min_value=Decimal("1.11"), max_value=Decimal("1102.3"), places=2, allow_nan=False
).map(Fraction)

heights_cm = st.decimals(
    min_value=Decimal(30), max_value=Decimal(275), places=1, allow_nan=False
).map(Fraction)

concentrations_mg_per_ml = st.decimals(
    min_value=Decimal("0.1"), max_value=Decimal(100), places=2, allow_nan=False
).map(Fraction)

scale_factors = st.fractions(min_value=Fraction(1, 10), max_value=Fraction(10)).filter(bool)

regimen_names = st.sampled_from(
    ["iv-infusion", "iv", "IV", " iv ", "sublingual-buccal", "sublingual", "buccal", "sl", "SL"]
)

sexes = st.sampled_from(["male", "female", "m", "f", "Male", "FEMALE"])

positive_decimal_text = st.decimals(
    min_value=Decimal("0.001"), max_value=Decimal(10_000), places=3, allow_nan=False
).map(lambda d: format(d.normalize(), "f"))


def text(value: Fraction, unit: str) -> str:
    """A Fraction with a finite decimal form, written as a person would type it."""
    return f"{format(Decimal(value.numerator) / Decimal(value.denominator), 'f')} {unit}"


# A dose rate in mg/h for a 70 kg patient, across and well beyond the 21 to 35 mg/h range.
dose_rates_mg_per_h = st.fractions(min_value=Fraction(1, 100), max_value=Fraction(1000)).filter(
    bool
)

# How a dose rate may be written: (unit, factor from mg/h to that unit, needs a concentration).
DOSE_FORMS = ("mg/h", "mcg/h", "mg/kg/h", "mcg/kg/min", "mL/h", "mg/day", "mg/min")
dose_forms = st.sampled_from(DOSE_FORMS)


VOCABULARY_UNITS = [
    "kg",
    "g",
    "mg",
    "mcg",
    "lb",
    "oz",
    "m",
    "cm",
    "mm",
    "inch",
    "ft",
    "hour",
    "minute",
    "day",
    "mL",
    "L",
    "mg/mL",
    "mg/h",
    "mg/kg/h",
    "mcg/kg/min",
    "mL/h",
    "kg/m",
    "1/h",
    "mg/kg",
    "dimensionless",
]


vocabulary_units = st.sampled_from(VOCABULARY_UNITS)

# Exact magnitudes of every size a calculation meets, whole and not, decimal and not.
exact_magnitudes = st.fractions(min_value=Fraction(1, 10**6), max_value=Fraction(10**6)).filter(
    bool
)


def anything():
    """Whatever a script or a form might pass: text, numbers, None, bytes, Quantities."""
    from dosecalc import registry

    magnitudes = st.one_of(
        st.integers(min_value=-(10**30), max_value=10**30),
        st.floats(allow_nan=True, allow_infinity=True),
        st.fractions(),
        st.decimals(allow_nan=True, allow_infinity=True),
    )
    quantities = st.builds(
        lambda m, u: registry().Quantity(m, u), magnitudes, st.sampled_from(VOCABULARY_UNITS)
    )
    return st.one_of(st.text(max_size=60), magnitudes, st.none(), st.binary(max_size=8), quantities)


# --- Orders for the audit: cells as found in a file, aimed at every threshold. ---

# The rules' bounds, and the factors a decision turns on (the verdict, the usual slips
# and the entry-error ratio): a dose of bound x factor sits exactly on a threshold.
RULE_BOUNDS = {"iv": (Fraction("0.3"), Fraction("0.5")), "sl": (Fraction(25), Fraction(50))}
THRESHOLD_FACTORS = [Fraction(f) for f in (1, 10, 100, 1000, 60, 24)] + [
    Fraction(1, f) for f in (10, 100, 1000, 60, 24)
]

_ODD_WEIGHTS = [
    "40 kg",
    "150 kg",
    "0.5 kg",
    "500 kg",
    "88 lb",
    "330 lb",
    "70kg",
    " 70 kg ",
    "154 lbs",
    "70.0 kg",
    "5 ft",
    "70",
    "abc",
    "",
    "-5 kg",
    "0 kg",
    "600 kg",
    "0.4 kg",
    "10 st",
    "70 Kg",
]
_ODD_DOSES = [
    "abc",
    "",
    "30",
    "30 m",
    "25 cc",
    "600 mg/24 h",
    "30 mg / h",
    "0.4 mg/kg",
    "25 mL",
    "2 mL/h",
    "5 mcg/kg/min",
    "1e3 mg/h",
    "3,5 mg/h",
    ".5 mg/kg/hr",
    "30 Mg/h",
    "nan mg/h",
    "30 mg/h/h",
]


def _finite_decimal(value: Fraction) -> bool:
    denominator = value.denominator
    for prime in (2, 5):
        while denominator % prime == 0:
            denominator //= prime
    return denominator == 1 and len(text(value, "")) < 40


@st.composite
def order_rows(draw):
    """One order: weight, regimen, dose, concentration, height, sex, basis, every (text
    cells)."""
    kg = draw(st.one_of(weights_kg, st.sampled_from([Fraction(40), Fraction(150), Fraction(70)])))
    weight = draw(
        st.one_of(
            st.just(text(kg, "kg")),
            weights_lb.map(lambda lb: text(lb, "lb")),
            st.sampled_from(_ODD_WEIGHTS),
        )
    )
    route = draw(st.sampled_from(["iv", "sl"]))
    regimen = draw(
        st.sampled_from(
            {"iv": ["iv", "iv-infusion", "IV"], "sl": ["sl", "buccal", "sublingual-buccal"]}[route]
            + ["intrathecal"]
        )
    )
    bound = draw(st.sampled_from(RULE_BOUNDS[route])) * draw(st.sampled_from(THRESHOLD_FACTORS))
    on_threshold = {
        "iv": [(bound, "mg/kg/hr"), (bound * kg, "mg/h"), (bound * 1000 / 60, "mcg/kg/min")],
        "sl": [(bound, "mg"), (bound * 1000, "mcg")],
    }[route]
    exact = [text(value, unit) for value, unit in on_threshold if _finite_decimal(value)]
    units = ["mg/h", "mg/kg/hr", "mcg/kg/min", "mL/h", "mg", "mL", "mcg", "mg/kg", "mg/min"]
    dose = draw(
        st.one_of(
            st.sampled_from(exact) if exact else st.nothing(),
            st.tuples(positive_decimal_text, st.sampled_from(units)).map(" ".join),
            st.sampled_from(_ODD_DOSES),
        )
    )
    concentration = draw(
        st.sampled_from(
            [
                *["", "", "", "1 mg/mL", "10 mg/mL", "50 mg/5 mL", "0.5 mg/mL", "abc"],
                # implausible, or giving a pump rate or volume no one could give; the bounds
                *["1 mcg/mL", "0.01 mg/mL", "1000 mg/mL", "50 mcg/5 mL", "0.1 mg/mL"],
                *["100 mg/mL", "0.2 mg/mL", "5 mg/mL", "2 mg/mL"],
            ]
        )
    )
    height, sex, basis = draw(
        st.sampled_from(
            [("", "", "")] * 6
            + [
                ("", "", "actual"),
                ("", "", "ACTUAL"),
                ("170 cm", "", ""),
                ("170 cm", "male", "ideal"),
                ("5 ft 2 in", "female", "adjusted"),
                ("150 cm", "female", "ideal"),
                ("", "", "ideal"),
                ("", "", "bogus"),
            ]
        )
    )
    every = draw(st.sampled_from(["", "", "", "", "", "6 hr", "24 h", "30 min", "abc", "0 h"]))
    return weight, regimen, dose, concentration, height, sex, basis, every


# --- The spellings clinicians write: stones, feet and inch marks, "in", "per", routes. ---


def decimal_text(value: Fraction) -> str:
    """A Fraction with a finite decimal form as its decimal: 12.5, not 25/2."""
    return format(Decimal(value.numerator) / Decimal(value.denominator), "f")


_gap = st.sampled_from(["", " ", "  "])

# Whole stones, with any pounds below one stone, inside the 0.5 to 500 kg bounds (77 st 13.99 lb
# is 495.3 kg).
stones = st.integers(min_value=1, max_value=77).map(Fraction)
pounds_below_a_stone = st.decimals(
    min_value=0, max_value=Decimal("13.99"), places=2, allow_nan=False
).map(Fraction)
pounds_of_a_stone_or_more = st.decimals(min_value=14, max_value=100, places=2, allow_nan=False).map(
    Fraction
)
stone_words = st.sampled_from(["st", "stone", "stones", "ST", "Stone"])
pound_words = st.sampled_from(["lb", "lbs", "pound", "pounds", "LB"])


@st.composite
def stones_and_pounds(draw, pounds=pounds_below_a_stone):
    """``9 st 6 lb`` in any of its spellings and spacings: (text, stones, pounds)."""
    s, p = draw(stones), draw(pounds)
    text = (
        f"{decimal_text(s)}{draw(_gap)}{draw(stone_words)}{draw(_gap.filter(bool))}"
        f"{decimal_text(p)}{draw(_gap)}{draw(pound_words)}"
    )
    return text, s, p


# Heights from 1 ft to 8 ft 11.9 in: inside the 30 to 275 cm bounds.
feet = st.integers(min_value=1, max_value=8).map(Fraction)
inches_below_a_foot = st.decimals(
    min_value=0, max_value=Decimal("11.9"), places=1, allow_nan=False
).map(Fraction)
inches_of_a_foot_or_more = st.decimals(min_value=12, max_value=40, places=1, allow_nan=False).map(
    Fraction
)
FOOT_MARKS = ["'", "\u2032", "\u2019"]  # apostrophe, prime, right single quotation mark
INCH_MARKS = ['"', "\u2033", "\u201d"]  # quotation mark, double prime, right double quotation
foot_marks = st.sampled_from(FOOT_MARKS)
inch_marks = st.sampled_from(INCH_MARKS)


@st.composite
def feet_and_inches_marked(draw, inches=inches_below_a_foot):
    """``5' 7"``, ``5'7`` (the inch mark left off), or with the prime and double prime or the
    right quotation marks autocorrection types: (text, feet, inches)."""
    f, i = draw(feet), draw(inches)
    closing = draw(st.one_of(inch_marks, st.just("")))
    text = f"{decimal_text(f)}{draw(_gap)}{draw(foot_marks)}{draw(_gap)}{decimal_text(i)}"
    return f"{text}{draw(_gap) if closing else ''}{closing}", f, i


feet_words = st.sampled_from(["ft", "foot", "feet", "FT"])
inch_words = st.sampled_from(["in", "inch", "inches", "IN"])
metric_height_words = st.sampled_from(
    [("cm", 1), ("CM", 1), ("centimetres", 1), ("mm", 10), ("m", Fraction(1, 100))]
)


@st.composite
def height_spellings(draw):
    """A height as a clinician may write it, in every spelling the reader has: centimetres,
    millimetres, metres, inches, ``5 ft 7 in`` and ``5' 7"`` in their words and marks;
    mostly inside the bounds, and some refused (13 in past a foot, a height no patient
    has). Text only: which of them are read is for the reader to say."""
    kind = draw(st.sampled_from(["metric", "inches", "feet and inches", "marks", "marks, 12+"]))
    if kind == "metric":
        word, per_cm = draw(metric_height_words)
        cm = draw(st.one_of(heights_cm, st.sampled_from([Fraction(20), Fraction(300)])))
        return f"{decimal_text(cm * per_cm)}{draw(_gap)}{word}"
    if kind == "inches":
        inches = draw(st.integers(min_value=12, max_value=108))
        return f"{inches}{draw(_gap)}{draw(inch_words)}"
    if kind == "feet and inches":
        over = draw(st.one_of(inches_below_a_foot, inches_of_a_foot_or_more))
        return (
            f"{decimal_text(draw(feet))}{draw(_gap)}{draw(feet_words)}{draw(_gap.filter(bool))}"
            f"{decimal_text(over)}{draw(_gap)}{draw(inch_words)}"
        )
    if kind == "marks":
        return draw(feet_and_inches_marked())[0]
    return draw(feet_and_inches_marked(inches=inches_of_a_foot_or_more))[0]


# An amount in a volume, as written on a syringe label or an infusion bag.
drug_amounts = st.decimals(
    min_value=Decimal("0.01"), max_value=Decimal(5000), places=2, allow_nan=False
).map(Fraction)
volumes = st.decimals(
    min_value=Decimal("0.1"), max_value=Decimal(1000), places=1, allow_nan=False
).map(Fraction)
amount_words = st.sampled_from(["mg", "mcg", "g", "MG", "milligrams", "micrograms"])
volume_words = st.sampled_from(["mL", "ml", "L", "millilitres", "ML"])


@st.composite
def amounts_in_volumes(draw):
    """``500 mg in 50 mL`` and the same concentration as ``500 mg/50 mL``: (in, slash)."""
    amount = f"{decimal_text(draw(drug_amounts))}{draw(_gap)}{draw(amount_words)}"
    volume = f"{decimal_text(draw(volumes))}{draw(_gap)}{draw(volume_words)}"
    word = draw(st.sampled_from(["in", "IN", "In"]))
    return f"{amount} {word}{draw(_gap.filter(bool))}{volume}", f"{amount}/{volume}"


# Dose units written with "/", as DOSE_FORMS, and with time words a clinician spells out.
DOSE_UNITS_WITH_SLASHES = [
    "mg/h",
    "mg/hr",
    "mg/hour",
    "mcg/h",
    "mg/kg/h",
    "mg/kg/hr",
    "mcg/kg/min",
    "mcg/kg/minute",
    "mL/hr",
    "mL/h",
    "mg/day",
    "mg/min",
    "mg/24 h",
    "mg/kg",
    "mg",
]
_per_words = st.sampled_from([" per ", " PER ", " Per ", "  per  ", "/", " / "])


@st.composite
def per_spellings(draw):
    """A dose unit with each "/" written as "per" (or left, or spaced): (per, slash)."""
    slash = draw(st.sampled_from(DOSE_UNITS_WITH_SLASHES))
    first, *rest = slash.split("/")
    return first + "".join(draw(_per_words) + part for part in rest), slash


ROUTE_WORDS = ["intravenous", "subcutaneous", "oral", "sublingual", "buccal", "intranasal"]
ROUTE_WORDS += ["infusion", "bolus", "rectal", "topical"]
_route_separators = st.sampled_from(["/", " / ", " or ", " OR "])


@st.composite
def routes(draw):
    """A route as a rule file may write it, with the alternatives it names:
    ("Sublingual or Buccal", ["sublingual", "buccal"])."""
    phrases = draw(
        st.lists(
            st.lists(st.sampled_from(ROUTE_WORDS), min_size=1, max_size=2).map(" ".join),
            min_size=1,
            max_size=3,
            unique=True,
        )
    )
    text = phrases[0]
    for phrase in phrases[1:]:
        text += draw(_route_separators) + phrase
    if draw(st.booleans()):
        text = text.title()
    return text, phrases


# --- Patients and orders for the reports: every optional row, every warning, every form. ---


@st.composite
def patients(draw):
    """Keyword arguments for `dosecalc.calculate`: either regimen, with or without a
    concentration, a height, a sex and a basis; weights across the hard bounds."""
    inputs = {
        "weight": text(draw(weights_kg), "kg"),
        "regimen": draw(st.sampled_from(["iv", "sl"])),
    }
    concentration = draw(st.none() | concentrations_mg_per_ml)
    if concentration is not None:
        inputs["concentration"] = text(concentration, "mg/mL")
    if draw(st.booleans()):
        inputs["height"] = text(draw(heights_cm.filter(lambda cm: cm >= 150)), "cm")
        inputs["sex"] = draw(st.sampled_from(["male", "female"]))
        inputs["basis"] = draw(st.sampled_from(["actual", "ideal", "adjusted"]))
    return inputs


@st.composite
def checked_orders(draw):
    """Keyword arguments for `dosecalc.check`: a patient and a proposed dose in any form
    the regimen takes, often on a bound times a factor that a usual slip or the
    entry-error ratio turns on (so probable entry errors come up), else anywhere."""
    inputs = draw(patients())
    route = inputs["regimen"]
    kg = Fraction(inputs["weight"].removesuffix(" kg"))
    factor = draw(
        st.sampled_from(THRESHOLD_FACTORS)
        | st.fractions(min_value=Fraction(1, 2000), max_value=Fraction(2000)).filter(bool)
    )
    bound = draw(st.sampled_from(RULE_BOUNDS[route])) * factor
    forms = {
        "iv": [(bound, "mg/kg/hr"), (bound * kg, "mg/hr"), (bound * 1000 / 60, "mcg/kg/min")],
        "sl": [(bound, "mg"), (bound * 1000, "mcg")],
    }[route]
    if "concentration" in inputs:
        concentration = Fraction(inputs["concentration"].removesuffix(" mg/mL"))
        forms.append(
            (bound * kg / concentration, "mL/hr")
            if route == "iv"
            else (bound / concentration, "mL")
        )
    value, unit = draw(st.sampled_from(forms))
    # As a person types it: at most 6 decimals, never 0.
    typed = max(Fraction(round(value * 10**6), 10**6), Fraction(1, 10**6))
    return {**inputs, "dose": text(typed, unit)}


# How a person separates a number from its unit: not at all, a space, or two.
unit_gaps = st.sampled_from(["", " ", "  "])


# --- Regimens, as rule files hold them, and single-field edits of them (for `rules diff`). ---

_RULE_IDS = ["iv-infusion", "sublingual-buccal", "sc-infusion", "oral", "iv-bolus", "buccal-low"]
_WORDS = st.text(alphabet="abcdefghij ", min_size=1, max_size=12).map(str.strip).filter(bool)
_RATE_UNITS = ["mg/kg/h", "mg/kg/hr", "mcg/kg/min", "mg/kg/day", "g/kg/h"]
_AMOUNT_UNITS = ["mg", "mcg", "g"]


@st.composite
def rule_decimals(draw, low: Decimal = Decimal("0.000001")):
    """A value as a rule file may hold it: up to 6 decimals, up to 1,000,000."""
    places = draw(st.integers(min_value=0, max_value=6))
    floor = max(low, Decimal(1).scaleb(-places))
    return draw(st.decimals(min_value=floor, max_value=Decimal(1_000_000), places=places))


@st.composite
def rule_ranges(draw, units=_RATE_UNITS):
    """A dose range (low, high, unit) in one of ``units``, low not above high."""
    from dosecalc.ruleset.schema import DoseRange

    low, high = sorted([draw(rule_decimals()), draw(rule_decimals())])
    return DoseRange(low=low, high=high, unit=draw(st.sampled_from(units)))


_UNITS_OF_KIND = {
    "weight-based-rate": _RATE_UNITS,
    "absolute-rate": ["mg/h", "mg/24 h", "mcg/h"],
    "weight-based-dose": ["mg/kg", "mcg/kg"],
    "fixed-dose": _AMOUNT_UNITS,
}


def _units_of(kind: str) -> list[str]:
    return _UNITS_OF_KIND[kind]


def hard_limits(units):
    """Hard limits in one of ``units``, with their citation."""
    from dosecalc.ruleset.schema import HardLimits

    return rule_ranges(units).flatmap(
        lambda limits: citations(limits.low, limits.high).map(
            lambda source: HardLimits(**limits.model_dump(), source=source)
        )
    )


@st.composite
def citations(draw, *figures: Decimal):
    """A citation whose quote prints ``figures`` (a rule carries only figures its quote
    prints), each as a file writes it, among words; two figures are a range's bounds,
    printed as one range, low first ("0.3-0.5", "0.3 to 0.5")."""
    from dosecalc.ruleset.schema import Citation

    joiner = draw(st.sampled_from(["-", "\u2013", " to "])) if len(figures) == 2 else " "
    printed = joiner.join(f"{figure:f}" for figure in figures)
    return Citation(
        document=draw(_WORDS),
        description=draw(_WORDS),
        section=draw(_WORDS),
        table=draw(st.none() | _WORDS),
        quote=f"{draw(_WORDS)} {printed}".strip(),
    )


def _cited(model, values, units):
    """``model`` (a value, a unit and a citation) of one of ``values`` in one of ``units``,
    its citation printing the value."""
    return st.tuples(values, st.sampled_from(units)).flatmap(
        lambda pair: citations(pair[0]).map(
            lambda source: model(value=pair[0], unit=pair[1], source=source)
        )
    )


def route_codes(route: str):
    """A code for ``route``, with its own citation."""
    from dosecalc.ruleset.schema import RouteCode

    return st.builds(
        RouteCode,
        route=st.just(route),
        system=st.just("http://snomed.info/sct"),
        code=st.sampled_from(["47625008", "37839007", "54471007"]),
        display=_WORDS,
        source=_WORDS,
    )


def drug_names():
    """Another name of the drug, with its own citation."""
    from dosecalc.ruleset.schema import DrugName

    return st.builds(DrugName, name=_WORDS, source=citations())


def amounts():
    from dosecalc.ruleset.schema import Amount

    return _cited(Amount, rule_decimals(), _AMOUNT_UNITS)


def concentrations():
    from dosecalc.ruleset.schema import Concentration

    return _cited(Concentration, rule_decimals(), ["mg/mL", "mcg/mL", "g/L"])


_word_lists = st.lists(_WORDS, max_size=4, unique=True)

# For each field of `Regimen`, the values it may take, given the regimen (a range is in a unit
# of the regimen's kind). tests/test_rules_diff.py checks that every field is here.
REGIMEN_FIELD_VALUES = {
    "id": lambda r: st.sampled_from(_RULE_IDS),
    "aliases": lambda r: st.lists(st.sampled_from(["a", "b", "c", "iv", "sl"]), unique=True).map(
        tuple
    ),
    "drug": lambda r: _WORDS,
    "route": lambda r: _WORDS,
    "label": lambda r: _WORDS,
    "kind": lambda r: st.sampled_from(sorted(_UNITS_OF_KIND)),
    "dose": lambda r: rule_ranges(_units_of(r.kind)),
    "side_effects": lambda r: _word_lists.filter(bool).map(tuple),
    "supervision": lambda r: _WORDS,
    "source": lambda r: citations(r.dose.low, r.dose.high),
    "source_does_not_specify": lambda r: _word_lists.map(tuple),
    "route_codes": lambda r: st.lists(route_codes(r.route), max_size=1).map(tuple),
    "other_names": lambda r: st.lists(drug_names(), max_size=2).map(tuple),
    "hard_limits": lambda r: st.none() | hard_limits(_units_of(r.kind)),
    "max_per_24h": lambda r: st.none() | amounts(),
    "standard_concentrations": lambda r: st.lists(concentrations(), max_size=3).map(tuple),
    "pump_rate_increment": lambda r: st.none() | pump_rate_increments(),
    "smallest_measurable_volume": lambda r: st.none() | measurable_volumes(),
    # a dose given at once only: a rate has no volume per dose
    "largest_volume_per_dose": lambda r: (
        st.none() | (st.nothing() if r.kind.endswith("rate") else largest_volumes())
    ),
    "reviewed_by": lambda r: st.none() | _WORDS,
    "review_date": lambda r: st.none() | st.dates(),
}


def pump_rate_increments(values=None):
    """A library's pump rate step (mL/h), with its citation."""
    from dosecalc.ruleset.schema import PumpRateStep

    return _cited(
        PumpRateStep, values if values is not None else rule_decimals(), ["mL/h", "mL/hr"]
    )


def measurable_volumes(values=None):
    """A library's smallest measurable volume (mL), with its citation."""
    from dosecalc.ruleset.schema import MeasurableVolume

    return _cited(MeasurableVolume, values if values is not None else rule_decimals(), ["mL"])


def largest_volumes(values=None):
    """A library's largest volume per dose (mL), with its citation."""
    from dosecalc.ruleset.schema import LargestVolumePerDose

    return _cited(LargestVolumePerDose, values if values is not None else rule_decimals(), ["mL"])


@st.composite
def rule_regimens(draw):
    """A regimen, its optional fields set or not (the limits set by `model_copy`, which
    does not check them against the range: a diff compares what files hold)."""
    from dosecalc.ruleset.schema import Regimen

    kind = draw(st.sampled_from(sorted(_UNITS_OF_KIND)))
    regimen = Regimen(
        id=draw(st.sampled_from(_RULE_IDS)),
        drug=draw(_WORDS),
        route=draw(_WORDS),
        label=draw(_WORDS),
        kind=kind,
        dose=(dose := draw(rule_ranges(_units_of(kind)))),
        side_effects=draw(_word_lists.filter(bool)),
        supervision=draw(_WORDS),
        source=draw(citations(dose.low, dose.high)),
        source_does_not_specify=draw(_word_lists),
    )
    optional = [
        *("hard_limits", "max_per_24h", "standard_concentrations", "reviewed_by"),
        *("pump_rate_increment", "smallest_measurable_volume", "largest_volume_per_dose"),
    ]
    chosen = draw(st.lists(st.sampled_from([*optional, "review_date"]), unique=True))
    return regimen.model_copy(
        update={name: draw(REGIMEN_FIELD_VALUES[name](regimen)) for name in chosen}
    )


@st.composite
def regimen_edits(draw):
    """A regimen, the name of one of its fields, and a different value for that field."""
    regimen = draw(rule_regimens())
    name = draw(st.sampled_from(sorted(REGIMEN_FIELD_VALUES)))
    value = draw(REGIMEN_FIELD_VALUES[name](regimen).filter(lambda v: v != getattr(regimen, name)))
    return regimen, name, value


@st.composite
def regimen_lists(draw):
    """Regimens with distinct ids, as a rule set holds them."""
    return draw(st.lists(rule_regimens(), max_size=4, unique_by=lambda r: r.id))


sha256_digests = st.text("0123456789abcdef", min_size=64, max_size=64)
"""A SHA-256 as hex: starting with a digit or with a letter."""


# --- Orders against the fictional hospital library (examples/hospital-library): every kind,
# every library limit, doses drawn around its bounds so that each finding comes up. ---

LIBRARY_FORMS = {
    "fictivane-sc-driver": ["mg/24 h", "mg/hr"],
    "fictivane-iv": ["mg/kg/hr", "mg/hr"],
    "fictivane-bolus": ["mg/kg", "mg"],
    "fictivane-oral": ["mg"],
}
"""Each regimen of the fictional library, with units its doses may be written in."""


@st.composite
def library_orders(draw):
    """Keyword arguments for `dosecalc.check` against the fictional library (without
    ``rules``): a weight (usual, extreme or none), a regimen and a dose in one of its units,
    often a round multiple that lands on or near a range bound, a hard limit or a maximum;
    for a dose per administration, sometimes how often it is given."""
    regimen = draw(st.sampled_from(sorted(LIBRARY_FORMS)))
    unit = draw(st.sampled_from(LIBRARY_FORMS[regimen]))
    weight = draw(st.sampled_from(["70 kg", "50 kg", "3.5 kg", "160 kg", "154 kg", None]))
    value = draw(
        st.sampled_from([Fraction(n, 8) for n in range(1, 200)])
        | st.fractions(min_value=Fraction(1, 1000), max_value=Fraction(2000)).filter(bool)
    )
    typed = max(Fraction(round(value * 10**4), 10**4), Fraction(1, 10**4))
    order = {"regimen": regimen, "dose": text(typed, unit)}
    if weight is not None:
        order["weight"] = weight
    if regimen in ("fictivane-oral", "fictivane-bolus") and draw(st.booleans()):
        order["every"] = draw(st.sampled_from(["30 min", "4 hr", "5 hr", "6 hr", "24 hr"]))
    return order


# --- Rule files edited, and commands on a terminal ---

RULE_NUMBER = re.compile(r"\b(?:low|high|value) = (\d+(?:\.\d+)?)")
"""A figure of a rule file: a bound of a dose range or a limit, as ``low = 0.3``."""


@st.composite
def rule_number_edits(draw, text: str):
    """``text`` (a rule file) with one of its figures changed to another decimal, and the
    figure's old and new spelling: what a slip in an editor does (0.5 to 5)."""
    figures = list(RULE_NUMBER.finditer(text))
    found = draw(st.sampled_from(figures))
    old = found[1]
    new = draw(
        st.one_of(
            st.just(old.replace(".", "", 1).lstrip("0") or "5"),  # a decimal point lost
            st.just(f"{old}0"),  # a zero too many (in a decimal, the same number)
            st.decimals(min_value=Decimal("0.01"), max_value=Decimal(1000), places=2).map(str),
        ).filter(lambda figure: figure != old)
    )
    return text[: found.start(1)] + new + text[found.end(1) :], old, new


manifest_states = st.sampled_from(["none", "signed before the edit", "signed after the edit"])
"""What a rule folder's MANIFEST.sha256 is after an edit: missing, stale, or renewed."""


TERMINAL_COMMANDS: Final = {
    "calc": ["calc", "--weight", "70 kg", "--regimen", "iv"],
    "check": ["check", "--weight", "70 kg", "--regimen", "iv", "--dose"],
    "prepare": [
        *("prepare", "--dose", "35 mg/hr", "--stock", "500 mg/10 mL"),
        *("--final-volume", "50 mL", "--duration", "24 hr"),
    ],
    "audit": ["audit", "examples/orders.csv"],
    "rules": ["rules"],
}
"""Commands that print to a terminal; ``check`` takes a dose after them."""


@st.composite
def terminal_commands(draw):
    """A command line that prints to a terminal; a check's dose below, within or above."""
    name = draw(st.sampled_from(sorted(TERMINAL_COMMANDS)))
    argv = list(TERMINAL_COMMANDS[name])
    if name == "check":
        argv.append(draw(st.sampled_from(["3 mg/hr", "30 mg/hr", "400 mg/hr", "0.4 mg/kg/hr"])))
    if name in ("calc", "check", "prepare") and draw(st.booleans()):
        argv.append("--json")
    return argv


# --- prepare: orders the fictional hospital library refuses, and preparations -----------

HOSPITAL_LIBRARY = Path(__file__).parent.parent / "examples" / "hospital-library"
"""Its intravenous infusion (`fictivane-iv`): hard limits 0.05 to 0.4 mg/kg/h, at most
300 mg per 24 hours (12.5 mg/h); its syringe driver (`driver`): hard limits 5 to 60
mg/24 h, at most 60 mg per 24 hours."""

_CENT = Decimal("0.01")


def _rates_between(low: Decimal, high: Decimal):
    """Decimal rates (2 places) from ``low`` to ``high`` inclusive."""
    return st.decimals(min_value=low, max_value=high, places=2)


@st.composite
def breaching_orders(draw):
    """An order the fictional hospital library refuses, as `prepare`'s keyword arguments
    (``rules`` aside), and which limit it breaches: below or above the hard limits, or
    within them and above the maximum per 24 hours; with a stock, a final volume and a
    duration or pump rate that hold it."""
    if draw(st.booleans()):
        kg = draw(st.decimals(min_value=Decimal(40), max_value=Decimal(150), places=1))
        breach = draw(st.sampled_from(["below", "above", "above-max"]))
        low, high, daily = kg * Decimal("0.05"), kg * Decimal("0.4"), Decimal("12.5")
        rate = draw(
            {
                "below": _rates_between(_CENT, low - _CENT),
                "above": _rates_between(high + _CENT, Decimal(1000)),
                "above-max": _rates_between(daily + _CENT, high),
            }[breach]
        )
        dose = draw(st.sampled_from([f"{rate} mg/hr", f"{rate * 24} mg/24 hr"]))
        patient = {"regimen": "fictivane-iv", "weight": f"{kg} kg"}
    else:
        breach = draw(st.sampled_from(["below", "above"]))
        per_day = draw(
            _rates_between(_CENT, Decimal("4.99"))
            if breach == "below"
            else _rates_between(Decimal("60.01"), Decimal(5000))
        )
        dose = f"{per_day} mg/24 hr"
        patient = {"regimen": "driver"}
    timing = draw(
        st.sampled_from([{"duration": "24 hr"}, {"duration": "12 hr"}, {"pump_rate": "10 mL/hr"}])
    )
    order = {
        **patient,
        "dose": dose,
        "stock": draw(st.sampled_from(["50 mg/mL", "500 mg/10 mL", "100 mg in 1 mL"])),
        "final_volume": draw(st.sampled_from(["60 mL", "500 mL", "1000 mL"])),
        **timing,
    }
    return order, breach


@st.composite
def vial_volumes(draw):
    """The volume of one vial, as a label gives it, or none given."""
    return draw(
        st.none()
        | st.decimals(min_value=Decimal("0.5"), max_value=Decimal(100), places=1).map(
            lambda v: f"{format(v.normalize(), 'f')} mL"
        )
    )


# --- Audit inputs as they arrive: characters of any script, files, tables of any dtype. ---

# Valid audit rows (weight, regimen, dose, concentration), read on the audit's fast path.
FAST_PATH_ROWS = [
    ("70 kg", "iv", "21 mg/hr", ""),
    ("154 lb", "iv", "0.3 mg/kg/hr", ""),
    ("70.5 kg", "iv", "30 mg/h", ""),
    ("80kg", "sl", "25 mg", ""),
    ("70 kg", "iv", "25 mL/hr", "1 mg/mL"),
    ("60 kg", "sl", "5 mL", "10 mg/mL"),
]


@st.composite
def altered_fast_path_rows(draw, characters):
    """A row of `FAST_PATH_ROWS` with one of ``characters`` put in, or put in place of
    another, at a generated position of its weight, dose or concentration."""
    cells = list(draw(st.sampled_from(FAST_PATH_ROWS)))
    field = draw(st.sampled_from([i for i in (0, 2, 3) if cells[i]]))
    written = cells[field]
    at = draw(st.integers(0, len(written)))
    replace = draw(st.booleans()) and at < len(written)
    cells[field] = written[:at] + draw(st.sampled_from(characters)) + written[at + replace :]
    return (*cells, "", "", "")


def audit_headers():
    """An orders file's header: an id and every input column, in any order, any case, with
    outer spaces."""
    from dosecalc.clinical.audit import INPUT_COLUMNS

    return st.permutations(["id", *INPUT_COLUMNS]).flatmap(
        lambda names: st.tuples(
            *(st.sampled_from([n, n.upper(), n.title(), f" {n} "]) for n in names)
        )
    )


def _blanks():
    import numpy as np
    import pandas as pd

    return [None, float("nan"), np.nan, pd.NA, pd.NaT, np.datetime64("NaT", "ns"), "", "  ", "\t"]


# Text cells of each input column: good, bad and odd, as a table may hold them.
AUDIT_TEXT_CELLS = {
    "weight": ["70 kg", "154 lb", "60kg", "5 st 7 lb", "70", "abc", "40 kg", "0 kg"],
    "regimen": ["iv", "IV", "iv-infusion", "sl", "buccal", "intrathecal"],
    "dose": ["21 mg/hr", "0.3 mg/kg/hr", "350 mg/h", "25 mg", "25 mL/hr", "30", "5 mL"],
    "concentration": ["1 mg/mL", "10 mg/mL", "abc"],
    "height": ["170 cm", "5 ft 7 in", "2 m"],
    "sex": ["male", "female", "x"],
    "basis": ["actual", "ideal", "adjusted", "bogus"],
    "every": ["6 hr", "24 h", "abc"],
}


def _other_cells():
    """Cells that are not text: lists, dicts, bytes, numbers, dates, a huge list."""
    import datetime

    import numpy as np
    import pandas as pd

    return [
        [["70 kg"]],
        ["iv"],
        {"weight": "70 kg"},
        b"70 kg",
        bytearray(b"iv"),
        70,
        70.5,
        10**5000,
        Decimal("1.5"),
        Fraction(1, 3),
        True,
        np.int64(3),
        pd.Timestamp("2020-01-01"),
        datetime.date(2020, 1, 1),
        np.arange(3),
        ["x" * 10_000] * 100,
        {1, 2},
    ]


# Each dtype pandas offers, and what it can hold: a list of cells is cast to it.
_DTYPE_CELLS = {
    "valid": lambda name: AUDIT_TEXT_CELLS[name][:3],  # object, of text read as typed
    "text": lambda name: [*AUDIT_TEXT_CELLS[name]] * 3 + _blanks(),  # object, of text
    "object": lambda name: [*AUDIT_TEXT_CELLS[name], *_blanks(), *_other_cells()],
    "string": lambda name: [*AUDIT_TEXT_CELLS[name], None, "", "  "],
    "category": lambda name: [*AUDIT_TEXT_CELLS[name], None],
    "Int64": lambda name: [1, 70, None],
    "Float64": lambda name: [0.5, 70.0, None],
    "float64": lambda name: [70.0, float("nan")],
    "int64": lambda name: [0, 70],
    "bool": lambda name: [True, False],
    "datetime64[ns]": lambda name: [datetime_cell(), None],
}


def datetime_cell():
    import pandas as pd

    return pd.Timestamp("2026-12-06 10:00")


_ODD_LABELS = [0, None, 1.5, b"weight", ("weight",), "", "verdict", "Outcome", "note", "id"]


@st.composite
def audit_tables(draw):
    """An audit's input as a DataFrame or a mapping: columns of every dtype pandas offers,
    labels repeated, in any case, or odd (not text, the audit's own, a MultiIndex).

    Returns (table, rows as Python cells by input column name or None for a column not
    given, whether the labels can be read unambiguously).
    """
    import numpy as np
    import pandas as pd

    rows = draw(st.integers(0, 5))
    names = [
        n
        for n in AUDIT_TEXT_CELLS
        if n in ("weight", "regimen", "dose") or draw(st.integers(0, 3)) == 0
    ]
    if draw(st.integers(0, 9)) == 0:
        names.remove(draw(st.sampled_from(["weight", "regimen", "dose"])))
    labels = [draw(st.sampled_from([n, n.upper(), n.title(), f" {n} "])) for n in names]
    if draw(st.booleans()):
        labels += draw(st.lists(st.sampled_from(_ODD_LABELS), max_size=2))
    if labels and draw(st.integers(0, 5)) == 0:  # a repeated label, as written or in case
        again = draw(st.sampled_from(labels))
        labels.append(again.swapcase() if isinstance(again, str) and draw(st.booleans()) else again)
    order = draw(st.permutations(range(len(labels))))
    labels = [labels[i] for i in order]
    is_frame = draw(st.booleans())
    clean = draw(st.booleans())  # every input column of text read as typed: verdicts
    columns, cells = [], []
    for label in labels:
        key = label.strip().lower() if isinstance(label, str) else None
        kind = (
            "valid"
            if clean and key in AUDIT_TEXT_CELLS
            else draw(st.sampled_from(["valid", "text", *_DTYPE_CELLS]))
        )
        pool = _DTYPE_CELLS[kind](key if key in AUDIT_TEXT_CELLS else "regimen")
        values = draw(st.lists(st.sampled_from(pool), min_size=rows, max_size=rows))
        dtype = "object" if kind in ("valid", "text") else kind
        if is_frame:
            column = pd.Series(values, dtype=dtype if dtype != "object" else object)
        else:
            column = draw(
                st.sampled_from(
                    [
                        values,
                        tuple(values),
                        np.array([*values, None], dtype=object)[:-1],  # 1-D whatever they hold
                        pd.Series(values, dtype=object, index=range(rows, 0, -1)),
                    ]
                )
            )
        columns.append(column)
        cast = pd.Series(values, dtype=dtype if dtype != "object" else object)
        cells.append((key, list(cast.astype(object))))  # the cells as the audit sees them
    text_labels = all(isinstance(label, str) for label in labels)  # a MultiIndex sorts them
    multi = is_frame and text_labels and draw(st.integers(0, 9)) == 0
    if is_frame:
        table = pd.concat(columns, axis=1) if columns else pd.DataFrame(index=range(rows))
        table.columns = (
            pd.MultiIndex.from_tuples([(label, "x") for label in labels]) if multi else labels
        )
        table.index = draw(st.permutations(range(rows)))
    else:
        table = dict(zip(labels, columns, strict=True))  # a repeated label: its last column
    keys = [
        label.strip().lower() if isinstance(label, str) else None
        for label in (labels if is_frame else table)
    ]
    readable = (
        not multi
        and all(isinstance(label, str) for label in labels)
        and not (is_frame and len(set(labels)) < len(labels))
        and not any(key in ("verdict", "outcome") for key in keys)
        and all(keys.count(name) <= 1 for name in AUDIT_TEXT_CELLS)
        and all(name in keys for name in ("weight", "regimen", "dose"))
    )
    by_name = {key: values for key, values in cells if key in AUDIT_TEXT_CELLS}
    return table, rows, by_name, readable


# --- What a library caller passes: orders against every limit, foreign quantities, paths,
# --- long text and every space separator (tests/test_returned_objects.py,
# --- tests/test_foreign_inputs.py, tests/test_echoed_input.py).

HOSPITAL_FORMS = {
    "fictivane-sc-driver": (
        ["mg/24 h", "mg/h", "mg/day"],
        [Fraction(n) for n in (5, 10, 40, 59, 60, 61)],
    ),
    "fictivane-iv": (
        ["mg/kg/h", "mcg/kg/min"],
        [Fraction(n, 100) for n in (5, 10, 20, 39, 40, 41)],
    ),
    "fictivane-bolus": (["mg/kg", "mg"], [Fraction(n, 4) for n in (1, 2, 4, 7, 8, 9)]),
    "fictivane-oral": (["mg", "mcg"], [Fraction(n) for n in (10, 20, 49, 50, 51)]),
}
"""The hospital library's regimens (examples/hospital-library), with units their doses may
be written in and the bounds, hard limits and maxima a dose may land on, near or past."""

_UNIT_FROM_RULE = {  # what one of the rule's unit is in the unit written (70 kg)
    "mg/24 h": 1,
    "mg/day": 1,
    "mg/h": Fraction(1, 24),
    "mg/kg/h": 1,
    "mcg/kg/min": Fraction(1000, 60),
    "mg/kg": 1,
    "mg": 1,
    "mcg": 1000,
}


@st.composite
def hospital_orders(draw):
    """Keyword arguments for `dosecalc.check` against the hospital library (without
    ``rules``): 70 kg, a regimen, and a dose on, near or past a bound, a hard limit or the
    maximum per 24 hours, in one of its units."""
    regimen = draw(st.sampled_from(sorted(HOSPITAL_FORMS)))
    units, marks = HOSPITAL_FORMS[regimen]
    unit = draw(st.sampled_from(units))
    value = draw(st.sampled_from(marks)) * _UNIT_FROM_RULE[unit]
    if regimen == "fictivane-bolus" and unit == "mg":
        value *= 70
    typed = max(Fraction(round(value * 10**4), 10**4), Fraction(1, 10**4))
    return {"weight": "70 kg", "regimen": regimen, "dose": text(typed, unit)}


def foreign_registries():
    """pint registries a caller may have built: floats (pint's default), Decimals, and one
    with units of its own (``stonex``) and a ``stone`` redefined as 15 lb."""
    import pint

    default = pint.UnitRegistry()
    decimal = pint.UnitRegistry(non_int_type=Decimal)
    own = pint.UnitRegistry(on_redefinition="ignore")
    own.define("stonex = 14 * pound")
    redefined = pint.UnitRegistry(on_redefinition="ignore")
    redefined.define("stone = 15 * pound")
    return {"default": default, "decimal": decimal, "own units": own, "stone redefined": redefined}


def foreign_magnitudes():
    """Every kind of number a caller's quantity may hold: int, float, Fraction, Decimal,
    numpy's scalars, numbers far too large or small (10**5000), bools, NaN, infinity, zero,
    negative, complex, an array."""
    import numpy as np

    plain = st.one_of(
        st.integers(min_value=-(10**6), max_value=10**6),
        st.floats(allow_nan=True, allow_infinity=True),
        st.fractions(max_denominator=10**6),
        st.decimals(allow_nan=True, allow_infinity=True),
    )
    numpy = st.one_of(
        st.integers(min_value=-(2**31), max_value=2**31 - 1).map(np.int64),
        st.floats(width=32).map(np.float32),
        st.floats().map(np.float64),
        st.integers(0, 255).map(np.uint8),
    )
    extreme = st.one_of(
        st.integers(min_value=60, max_value=6000).map(lambda digits: 10**digits),
        st.integers(min_value=60, max_value=6000).map(lambda digits: Fraction(1, 10**digits)),
        st.integers(min_value=60, max_value=6000).map(lambda digits: Decimal(f"1e{digits}")),
        st.integers(min_value=60, max_value=6000).map(lambda digits: Decimal(f"1e-{digits}")),
    )
    odd = st.sampled_from([True, False, np.bool_(True), 1 + 2j, np.array([70.0]), "70"])
    return st.one_of(plain, numpy, extreme, odd)


FOREIGN_UNITS = [
    "kg",
    "lb",
    "stone",
    "stonex",
    "g",
    "cm",
    "inch",
    "mg/h",
    "mg/kg/h",
    "mcg/kg/min",
    "mg",
    "mg/mL",
    "mL/h",
    "kg**2",
    "degC",
    "mg/stone",
]


@st.composite
def rule_paths(draw):
    """What a script may pass as ``rules=``: names of every length (to 6,000 characters, past
    what a file system allows), deep nesting, a NUL, an empty or blank name, a file, a
    device, bytes, a number, a path-like object giving bytes."""
    import os
    from pathlib import Path

    class _BytesPath:
        def __fspath__(self) -> bytes:
            return b"rules"

    length = draw(st.integers(min_value=0, max_value=6000))
    letter = draw(st.sampled_from(["x", "é", "/", "a/", " "]))
    name = (letter * length)[:length]
    return draw(
        st.sampled_from(
            [
                name,
                Path(name or "x"),
                "rules\x00x",
                "",
                "   ",
                "/dev/null",
                "/etc/hostname",
                os.devnull,
                b"rules",
                7,
                3.5,
                _BytesPath(),
                ["rules"],
            ]
        )
    )


@st.composite
def long_text(draw):
    """Text longer than a message may quote (41 characters to a megabyte), of a repeated
    piece so that a quoted run of it is easy to find."""
    piece = draw(st.sampled_from(["x", "iv", "male ", "70 kg", "ß", "\u2009x"]))
    length = draw(st.sampled_from([41, 100, 101, 1000, 5000]) | st.integers(41, 2**20))
    return (piece * (length // len(piece) + 1))[:length]


def space_separator_characters() -> list[str]:
    """Every character of Unicode's category Zs (space separators), from its database."""
    import sys
    import unicodedata

    return [chr(c) for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) == "Zs"]


def space_separators():
    """Any one of Unicode's space separators."""
    return st.sampled_from(space_separator_characters())


# ------------------------------------------------------------------ damaged rule folders


@st.composite
def damaged_bytes(draw, valid: bytes, others: tuple[bytes, ...] = ()):
    """What a damaged copy of ``valid`` may hold: generated bytes, a truncation, generated
    bytes put in or written over it, or a splice of it and another valid file."""
    how = draw(st.sampled_from(["generated", "truncated", "inserted", "overwritten", "spliced"]))
    if how == "generated":
        return draw(st.binary(max_size=2_000))
    cut = draw(st.integers(0, len(valid)))
    if how == "truncated":
        return valid[:cut]
    if how == "spliced":
        other = draw(st.sampled_from((valid, *others)))
        return valid[:cut] + other[draw(st.integers(0, len(other))) :]
    junk = draw(st.binary(min_size=1, max_size=64))
    if how == "inserted":
        return valid[:cut] + junk + valid[cut:]
    return valid[:cut] + junk + valid[cut + len(junk) :]


# Every character that could start a line of its own or hide one: controls (C0, C1, DEL),
# formats (bidirectional overrides, BOM), line and paragraph separators. NUL cannot be in a
# file name at all, and "/" ends one.
forging_characters = st.characters(categories=["Cc", "Cf", "Zl", "Zp"], exclude_characters="\0")

LINE_BREAKS: Final = "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"
"""Every character str.splitlines breaks a line at."""

# The tool's own lines, as a forged name would imitate them.
FORGED_LINES: Final = [
    "No changes: the rule sets are the same.",
    "OK: rules holds 2 valid regimens",
    "WITHIN the range",
    "version ketamine-palliative@1",
]


@st.composite
def forging_names(draw):
    """A rule file's name with a control, format or separator character in it, usually with
    a forged line of the tool's after it."""
    before = draw(st.text(alphabet="abcdefghij-", max_size=8))
    character = draw(st.one_of(st.sampled_from(LINE_BREAKS), forging_characters))
    forged = draw(st.sampled_from(["", *FORGED_LINES]))
    return f"{before}{character}{forged}.toml"


# Names as anyone may write them, in any script, with no control, format or separator
# character and no space: they load, and are shown as they are.
printable_names = st.text(
    st.characters(
        exclude_categories=["Cc", "Cf", "Cs", "Co", "Zl", "Zp", "Zs"], exclude_characters="/"
    ),
    max_size=20,
).map(lambda text: f"rule-{text}-end.toml")

# Names with a space of any kind in them, which a report could wrap a line at.
spaced_names = st.tuples(
    st.text(alphabet="abc-", max_size=6),
    st.characters(categories=["Zs"]),
    st.sampled_from(["", *FORGED_LINES]),
).map(lambda parts: f"{parts[0]}{parts[1]}{parts[2]}.toml")


# ----------------------------------------------------------- units of a rule's quantities

# Every spelling dosecalc reads, by what it measures (units.py reads these; written out here
# so the test's oracle does not borrow dosecalc's own tables).
DRUG_AMOUNT_SPELLINGS: Final = [
    "g", "gram", "grams", "mg", "milligram", "milligrams",
    "mcg", "µg", "μg", "ug", "microgram", "micrograms",
]  # fmt: skip
BODY_WEIGHT_SPELLINGS: Final = [
    "kg", "kgs", "kilogram", "kilograms", "kilo", "kilos",
    "lb", "lbs", "pound", "pounds", "oz", "ounce", "ounces", "st", "stone", "stones",
]  # fmt: skip
KILOGRAM_SPELLINGS: Final = BODY_WEIGHT_SPELLINGS[:6]
TIME_SPELLINGS: Final = [
    "h", "hr", "hrs", "hour", "hours", "min", "mins", "minute", "minutes",
    "d", "day", "days", "24 h",
]  # fmt: skip
VOLUME_SPELLINGS: Final = [
    "ml", "mL", "millilitre", "milliliters", "l", "L", "litre", "liters",
]  # fmt: skip
LENGTH_SPELLINGS: Final = ["m", "cm", "mm", "in", "inch", "ft", "feet", "metre"]
OTHER_SPELLINGS: Final = ["furlong", "%", "dL", "units", "mmol", "kcal", "24"]

unit_terms = st.sampled_from(
    DRUG_AMOUNT_SPELLINGS
    + BODY_WEIGHT_SPELLINGS
    + TIME_SPELLINGS
    + VOLUME_SPELLINGS
    + LENGTH_SPELLINGS
    + OTHER_SPELLINGS
)


@st.composite
def rule_units(draw):
    """A unit of any dimension as a rule file may write it: one to three terms, each after
    the first divided by ("/" or " per "), so masses, body weights, volumes, lengths, times,
    concentrations, rates and ratios all come up."""
    terms = draw(st.lists(unit_terms, min_size=1, max_size=3))
    per = draw(st.sampled_from(["/", " / ", " per "]))
    return terms, per.join(terms)


# ------------------------------------------------------------------ time zones

_ZONE_NAMES = [
    "UTC", "Europe/London", "Europe/Paris", "America/New_York", "America/Los_Angeles",
    "Pacific/Kiritimati", "Pacific/Pago_Pago", "Pacific/Chatham", "Asia/Kolkata",
    "Australia/Lord_Howe", "Etc/GMT-14", "Etc/GMT+12", "Antarctica/Troll",
]  # fmt: skip


@st.composite
def _posix_offsets(draw):
    """``UTC+24``, ``XYZ-25:30``, ``<+14>-14``: offsets of POSIX ``TZ`` form, from ordinary
    to a day and far beyond (what C libraries clamp, and Python cannot represent)."""
    hours = draw(st.integers(0, 30) | st.integers(0, 10**9))
    minutes = draw(st.none() | st.integers(0, 59))
    seconds = draw(st.none() | st.integers(0, 59)) if minutes is not None else None
    offset = f"{draw(st.sampled_from(['', '+', '-']))}{hours}"
    offset += "".join(f":{part:02}" for part in (minutes, seconds) if part is not None)
    name = draw(st.sampled_from(["UTC", "XYZ", "<+14>", "<-1230>", "A"]))
    dst = draw(st.sampled_from(["", "DST", "DST,M3.2.0/2,M11.1.0/2", "DST-30,J1/0,J365/25"]))
    return f"{name}{offset}{dst}"


def time_zones():
    """Values of the ``TZ`` environment variable: real zones (the farthest ahead and behind
    included), POSIX offsets of any size, and any text at all (no NUL: an environment
    variable cannot hold it)."""
    garbage = st.text(st.characters(min_codepoint=1, max_codepoint=0x2FF), max_size=30)
    return st.sampled_from(_ZONE_NAMES) | _posix_offsets() | garbage | st.just(":")


# ------------------------------------------------------------------ encodings


def output_encodings():
    """Encodings standard output and error may have: ASCII (``LANG=C`` on an old system,
    ``PYTHONIOENCODING=ascii``), the 8-bit ones of Western locales, and Unicode's."""
    return st.sampled_from(
        ["ascii", "latin-1", "cp1252", "iso8859-15", "cp437", "mac-roman", "utf-8", "utf-16"]
    )


def cell_texts():
    """Text for a cell that an audit copies untouched: plain, accented, or of any script."""
    return st.text(
        st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Zl", "Zp")), max_size=8
    ).map(lambda text: text.replace('"', "").replace(",", ""))


def host_headers():
    """``Host`` headers a request may carry: names and ports of any shape, and any text."""
    return st.from_regex(r"[a-z0-9.\-]{1,20}(:[0-9]{1,5})?", fullmatch=True) | st.text(max_size=20)


# ------------------------------------------------------------------ careless spellings


@st.composite
def careless_numbers(draw, value: Fraction) -> str:
    """``value`` (a finite decimal) as a hurried hand types it: a bare leading point
    (".5"), trailing zeros ("50.0", "24.00"), or as it should be."""
    written = decimal_text(value)
    if "." not in written and draw(st.booleans()):
        written += "." + "0" * draw(st.integers(0, 3))  # "50." and "50.000" alike
    elif "." in written:
        written += "0" * draw(st.integers(0, 2))
    if written.startswith("0.") and draw(st.booleans()):
        written = written[1:]
    return written


# Spellings of each unit a preparation is typed in; the micro signs for micrograms.
_CARELESS_UNITS: Final = {
    "mg": ["mg", "MG", "milligrams"],
    "mcg": ["mcg", "µg", "μg", "ug", "MCG"],
    "g": ["g", "G", "gram"],
    "mL": ["mL", "ml", "ML", "millilitres"],
    "L": ["L", "l", "litre"],
    "hr": ["hr", "h", "HR", "hours", "Hrs"],
    "min": ["min", "MIN", "minutes"],
}


@st.composite
def careless_quantities(
    draw,
    value: Fraction,
    unit: str,
    per: tuple[Fraction | None, str] | None = None,
    joiners: tuple[str, ...] = ("/", " / ", " per "),
):
    """``value unit`` (or ``value unit/per``, ``value unit in per`` where ``joiners`` allow)
    typed carelessly: leading points, trailing zeros, no space before a unit, odd case, µg
    for mcg."""

    def term(number: Fraction | None, name: str) -> str:
        spelled = draw(st.sampled_from(_CARELESS_UNITS.get(name, [name])))
        if number is None:
            return spelled
        return f"{draw(careless_numbers(number))}{draw(st.sampled_from(['', ' ']))}{spelled}"

    typed = term(value, unit)
    if per is not None:
        typed += draw(st.sampled_from(joiners)) + term(*per)
    return typed


@st.composite
def careless_preparations(draw):
    """A preparation's inputs typed carelessly (prepare's keyword arguments): an order in
    mg, mcg or mg per 24 hours, a stock as a label prints it or as a strength, a final
    volume in mL or L, a duration in hours or minutes, a vial volume or none."""
    final_ml = draw(st.sampled_from([Fraction(50), Fraction(20), Fraction(100), Fraction(500)]))
    if draw(st.booleans()):
        final_volume = draw(careless_quantities(final_ml, "mL"))
    else:
        final_volume = draw(careless_quantities(final_ml / 1000, "L"))
    hours = draw(st.sampled_from([Fraction(24), Fraction(12), Fraction(1, 2), Fraction(8)]))
    if hours < 1:
        duration = draw(careless_quantities(hours * 60, "min"))
    else:
        duration = draw(careless_quantities(hours, "hr"))
    mg_per_hr = draw(st.sampled_from([Fraction(1), Fraction(1, 2), Fraction(35), Fraction(5, 4)]))
    dose = draw(
        st.sampled_from(
            [
                careless_quantities(mg_per_hr, "mg", (None, "hr")),
                careless_quantities(mg_per_hr * 1000, "mcg", (None, "hr")),
                careless_quantities(mg_per_hr, "mg", (Fraction(1), "hr")),
                careless_quantities(mg_per_hr * 24, "mg", (Fraction(24), "hr")),
                careless_quantities(mg_per_hr * hours, "mg"),
            ]
        ).flatmap(lambda s: s)
    )
    # Strong enough that the stock drawn fits in the final volume (at most 35 x 24 mg).
    amount, volume = draw(
        st.sampled_from(
            [
                (Fraction(500), Fraction(10)),
                (Fraction(5000), Fraction(100)),
                (Fraction(1, 2), Fraction(1, 100)),
                (Fraction(2), Fraction(1, 10)),
            ]
        )
    )
    if draw(st.booleans()):
        stock = draw(careless_quantities(amount, "mg", (volume, "mL"), ("/", " / ", " in ")))
    else:
        stock = draw(careless_quantities(amount / volume, "mg", (None, "mL")))
    vial = draw(st.none() | st.sampled_from([Fraction(10), Fraction(5, 2)]))
    return {
        "dose": dose,
        "stock": stock,
        "final_volume": final_volume,
        "duration": duration,
        "vial_volume": None if vial is None else draw(careless_quantities(vial, "mL")),
    }


# ------------------------------------------------------------------ JSON numbers of a dose

# A rate of ketamine by UCUM code: values inside the 0.3 to 0.5 mg/kg/hr range (21 to 35
# mg/hr at 70 kg), just outside it, and far out (a probable entry error).
_DOSE_VALUES: Final = {
    "mg/h": (0.5, 15.0, 21.0, 28.0, 35.0, 45.0, 350.0, 3500.0),
    "mg/kg/h": (0.003, 0.25, 0.3, 0.45, 0.5, 0.6, 4.0),
    "ug/kg/min": (0.5, 4.0, 5.0, 7.5, 8.3, 9.0, 80.0),
    "mg/d": (100.0, 504.0, 700.0, 840.0, 1000.0, 8400.0),
}
_FLOAT_NOISE: Final = (
    lambda x: x,
    lambda x: x + 0.1 + 0.2 - 0.3,  # 0.30000000000000004 and its kin
    lambda x: x * 3 / 3,
    lambda x: x / 3 * 3,
    lambda x: x * 1.1 / 1.1,
    lambda x: x * 0.1 * 10,
    lambda x: (x + 1e-9) - 1e-9,
    lambda x: x / 7 * 7,
)


@st.composite
def float_doses(draw):
    """(value, UCUM code): a dose as an EHR's JSON carries it, an ordinary float result
    (0.45000000000000007, 450.00000000000006) in, near and far out of the range."""
    code = draw(st.sampled_from(sorted(_DOSE_VALUES)))
    base = draw(st.sampled_from(_DOSE_VALUES[code]))
    value = draw(st.sampled_from(_FLOAT_NOISE))(base)
    if draw(st.booleans()):
        value = draw(st.floats(min_value=base * 0.9, max_value=base * 1.1, allow_nan=False))
    return value, code


def float_weights():
    """A body weight in kg as a float result (70.00000000000001), or a plain one."""
    return st.sampled_from([70.0, 55.5, 120.25]).flatmap(
        lambda kg: st.sampled_from(_FLOAT_NOISE).map(lambda noise: noise(kg))
    )


@st.composite
def hook_orders(draw):
    """(library, drug text, route text, (value, UCUM code), weight in kg or None): an
    order an EHR sends, for ketamine under the shipped rules or for the fictional
    library's fictivane (hard limits, maxima per 24 hours), in range, out of it, far out,
    past a limit; with a usual weight, one typed in lb as kg, one too low to be covered,
    one refused, or none."""
    weight = draw(st.sampled_from([70.0, 154.0, 35.0, 30.5, 2000.0, None]))
    if draw(st.booleans()):
        value, code = draw(float_doses())
        return (
            False,
            "Ketamine 500 mg/10 mL injection",
            "intravenous infusion",
            (value, code),
            weight,
        )
    route, code, values = draw(
        st.sampled_from(
            [
                ("intravenous infusion", "mg/kg/h", (0.04, 0.15, 0.25, 0.35, 0.5, 4.0)),
                ("intravenous infusion", "mg/h", (1.0, 7.0, 12.0, 20.0, 30.0, 300.0)),
                ("intravenous bolus", "mg/kg", (0.1, 0.75, 1.5, 3.0, 30.0)),
                ("oral", "mg", (1.0, 15.0, 25.0, 60.0, 150.0)),
            ]
        )
    )
    value = draw(st.sampled_from(_FLOAT_NOISE))(draw(st.sampled_from(values)))
    return True, "Fictivane 10 mg/mL", route, (value, code), weight


# ------------------------------------------------------------------ the HTML face's queries

_PAGE_VALUES: Final = {
    "weight": ["70 kg", "154 lb", "70", "  "],
    "concentration": ["1 mg/mL", "50 mg/5 mL", ""],
    "height": ["170 cm", "5 ft 7 in", ""],
    "sex": ["female", "male", "other", ""],
    "basis": ["actual", "adjusted", "lean", ""],
    "dose": ["300 mg/hr", "0.4 mg/kg/hr", "25 mg", ""],
}


@st.composite
def queries_without_a_regimen(draw):
    """A page's query with any subset of its fields but the regimen, each given, blank or
    left out; the regimen left out or blank."""
    fields = draw(st.lists(st.sampled_from(sorted(_PAGE_VALUES)), unique=True))
    query = {name: draw(st.sampled_from(_PAGE_VALUES[name])) for name in fields}
    if draw(st.booleans()):
        query["regimen"] = draw(st.sampled_from(["", " "]))
    return query


# ------------------------------------------------------------------ any JSON value
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3)
    ),
    max_leaves=6,
)
"""Any value a JSON document may hold where a FHIR element is expected: an EHR's field of
the wrong type (a list for a code, an object for a status) must be read as unusable."""
