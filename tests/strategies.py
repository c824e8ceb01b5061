"""Hypothesis strategies shared by the tests: patients, entries and rule ranges."""

from __future__ import annotations

import re
from decimal import Decimal
from fractions import Fraction
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
    """One order: weight, regimen, dose, concentration, height, sex, basis (text cells)."""
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
    return weight, regimen, dose, concentration, height, sex, basis


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

    return st.builds(
        lambda limits, source: HardLimits(**limits.model_dump(), source=source),
        rule_ranges(units),
        citations(),
    )


@st.composite
def citations(draw):
    from dosecalc.ruleset.schema import Citation

    return Citation(
        document=draw(_WORDS),
        description=draw(_WORDS),
        section=draw(_WORDS),
        table=draw(st.none() | _WORDS),
        quote=draw(_WORDS),
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


def amounts():
    from dosecalc.ruleset.schema import Amount

    return st.builds(
        Amount, value=rule_decimals(), unit=st.sampled_from(_AMOUNT_UNITS), source=citations()
    )


def concentrations():
    from dosecalc.ruleset.schema import Concentration

    return st.builds(
        Concentration,
        value=rule_decimals(),
        unit=st.sampled_from(["mg/mL", "mcg/mL", "g/L"]),
        source=citations(),
    )


_word_lists = st.lists(_WORDS, max_size=4, unique=True)

# For each field of `Regimen`, the values it may take, given the regimen (a range is in a unit
# of the regimen's kind). tests/test_rules_diff.py checks that every field is here.
REGIMEN_FIELD_VALUES = {
    "id": lambda r: st.sampled_from(_RULE_IDS),
    "aliases": lambda r: st.lists(st.sampled_from(["a", "b", "c", "iv", "sl"]), unique=True),
    "drug": lambda r: _WORDS,
    "route": lambda r: _WORDS,
    "label": lambda r: _WORDS,
    "kind": lambda r: st.sampled_from(sorted(_UNITS_OF_KIND)),
    "dose": lambda r: rule_ranges(_units_of(r.kind)),
    "side_effects": lambda r: _word_lists.filter(bool),
    "supervision": lambda r: _WORDS,
    "source": lambda r: citations(),
    "source_does_not_specify": lambda r: _word_lists,
    "route_codes": lambda r: st.lists(route_codes(r.route), max_size=1),
    "hard_limits": lambda r: st.none() | hard_limits(_units_of(r.kind)),
    "max_per_24h": lambda r: st.none() | amounts(),
    "standard_concentrations": lambda r: st.lists(concentrations(), max_size=3),
    "reviewed_by": lambda r: st.none() | _WORDS,
    "review_date": lambda r: st.none() | st.dates(),
}


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
        dose=draw(rule_ranges(_units_of(kind))),
        side_effects=draw(_word_lists.filter(bool)),
        supervision=draw(_WORDS),
        source=draw(citations()),
        source_does_not_specify=draw(_word_lists),
    )
    optional = ["hard_limits", "max_per_24h", "standard_concentrations", "reviewed_by"]
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
    often a round multiple that lands on or near a range bound, a hard limit or a maximum."""
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
