"""`audit`: many proposed orders checked at once, each with the verdict `check` gives.

Rows out == rows in, always, in the same order: a row that cannot be checked
gets the reason in ``error`` and no verdict, and never stops the audit.

The hot path works on numpy arrays. Each distinct unit text ("kg", "mg/kg/hr")
is resolved once, by the parser `check` uses; the numbers become float64
arrays; the verdict, the usual slips and the weight warnings are array
comparisons. A row leaves the hot path for `check` itself (once per distinct
row) whenever anything about it is unusual:

* a cell the fast reader does not take: anything but ``<number> <unit>`` with
  a plain decimal of the digits 0 to 9 (a digit of another script is `check`'s to
  refuse) and a unit without digits ("5 ft 7 in" and "600 mg/24 h" go to
  `check`), and any input error, whose message only `check` gives;
* a height, a sex, or a basis other than "actual" (blank means actual);
* an interval between doses (``every``);
* a concentration that is not well inside dosecalc's plausibility bounds, or that gives
  a pump rate or volume per dose that is not (`check` words those warnings);
* a value within a relative `NEAR` of any threshold a decision turns on (a
  bound, a bound times a slip factor, a weight limit), or a weight whose
  rounding to 0.01 kg (as `check` uses it) falls on a half: the float64 arithmetic
  here is good to about 1e-15, so outside that band its comparisons are the
  exact ones, and inside it `check` decides on exact fractions.

So every verdict, slip and warning is the one `check` gives for the same row.

One idea a module: `table` (the public `audit`, the `Auditor` and its columns),
`cells` (reading cells, each unit text once), `arrays` (the hot path),
`exact` (rows decided on exact fractions, or by `check`) and `outcome` (the
output cells, their texts and the `AuditSummary`).
"""

from dosecalc.clinical.audit.arrays import NEAR
from dosecalc.clinical.audit.cells import (
    INPUT_COLUMNS,
    OPTIONAL_COLUMNS,
    REQUIRED_COLUMNS,
    Column,
    FloatArray,
    TextArray,
)
from dosecalc.clinical.audit.outcome import (
    OUTCOME_COUNTS,
    OUTCOME_NAMES,
    OUTPUT_COLUMNS,
    ROW_COUNTS,
    Audited,
    AuditSummary,
)
from dosecalc.clinical.audit.table import Auditor, audit, check_header

__all__ = [
    "INPUT_COLUMNS",
    "NEAR",
    "OPTIONAL_COLUMNS",
    "OUTCOME_COUNTS",
    "OUTCOME_NAMES",
    "OUTPUT_COLUMNS",
    "REQUIRED_COLUMNS",
    "ROW_COUNTS",
    "AuditSummary",
    "Audited",
    "Auditor",
    "Column",
    "FloatArray",
    "TextArray",
    "audit",
    "check_header",
]
