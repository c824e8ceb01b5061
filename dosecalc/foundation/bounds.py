"""dosecalc's own plausibility bounds: their one home.

None is a clinical number, and none comes from the source: each only catches an entry that
is probably a slip (a weight in grams, mcg written for mg, a bag's strength typed for a
syringe's) before a figure nobody could give is shown. A hard bound refuses the entry; a
usual band warns, and the warning names the bound as dosecalc's. A library may state its
own bound where the rule schema has a field for it (`smallest_measurable_volume`,
`largest_volume_per_dose`).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Final

WEIGHT_LIMITS_KG: Final = (Fraction("0.5"), Fraction(500))
"""A weight outside these is refused: no patient weighs it (grams or pounds typed as kg)."""
USUAL_ADULT_WEIGHT_KG: Final = (Fraction(40), Fraction(150))
"""The usual adult band: outside it the source's range was not written for the patient."""
HEIGHT_LIMITS_CM: Final = (Fraction(30), Fraction(275))
"""A height outside these is refused (metres or inches typed as cm)."""

USUAL_CONCENTRATION_MG_PER_ML: Final = (Fraction(1, 10), Fraction(100))
"""A drug solution weaker than 0.1 mg/mL or stronger than 100 mg/mL is probably a slip."""
PUMP_RATE_ML_PER_H: Final = (Fraction(1, 10), Fraction(100))
"""Below 0.1 mL/hr few pumps deliver accurately; above 100 mL/hr is no low-dose infusion."""
MEASURABLE_VOLUME_ML: Final = Fraction(1, 10)
"""A volume under 0.1 mL, to draw or to give, cannot be measured accurately with a usual
syringe. A library may state its own (`smallest_measurable_volume`); this one applies
whatever it states."""
VOLUME_PER_DOSE_ML: Final = (MEASURABLE_VOLUME_ML, Fraction(5))
"""Below 0.1 mL (`MEASURABLE_VOLUME_ML`) a dose cannot be measured accurately; above 5 mL it
could not be held in the mouth. It applies whatever the route (the rules name routes in words
only, and no route is read in code), so it asks for a second look and never refuses; a
library whose route gives more at once (an intravenous bolus) states its own
`largest_volume_per_dose`, which takes the place of the upper bound."""

DURATION_HOURS: Final = (Fraction(1, 4), Fraction(168))
"""An infusion made up to run for less than 15 minutes or more than 7 days is no entry
anyone means: refused."""
FINAL_VOLUME_ML: Final = (Fraction(1), Fraction(1000))
"""A syringe or bag of less than 1 mL or more than a litre: refused as a slip."""
