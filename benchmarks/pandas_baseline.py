"""What a pharmacist might write by hand: the audit's arithmetic in pandas, with no safety.

    python benchmarks/pandas_baseline.py IN.csv OUT.csv

Unit factors are hard-coded; unknown units, a missing unit or a regimen
typo silently become NaN and a verdict of "within" or "below" may follow.
This is the speed reference for `dosecalc audit`, not a tool.
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd

WEIGHT_TO_KG = {"kg": 1.0, "lb": 0.45359237}
IV = {"iv": True, "iv-infusion": True, "sl": False, "sublingual-buccal": False, "buccal": False}
IV_LOW, IV_HIGH = 0.3, 0.5  # mg/kg/h
SL_LOW, SL_HIGH = 25.0, 50.0  # mg


def main(source: str, destination: str) -> None:
    orders = pd.read_csv(source, dtype=str, keep_default_na=False)
    weight = orders["weight"].str.partition(" ")  # the fastest split pandas offers here
    kg = pd.to_numeric(weight[0], errors="coerce") * weight[2].map(WEIGHT_TO_KG)
    dose = orders["dose"].str.partition(" ")
    number, unit = pd.to_numeric(dose[0], errors="coerce"), dose[2]
    is_iv = orders["regimen"].map(IV)
    per_kg_per_h = np.select(
        [unit == "mg/kg/hr", unit == "mg/h", unit == "mcg/kg/min"],
        [number, number / kg, number * 0.06],
        default=np.nan,
    )
    value = np.where(is_iv, per_kg_per_h, np.where(unit == "mg", number, np.nan))
    low = np.where(is_iv, IV_LOW, SL_LOW)
    high = np.where(is_iv, IV_HIGH, SL_HIGH)
    orders["verdict"] = np.where(value < low, "below", np.where(value > high, "above", "within"))
    orders["dose_in_rule_units"] = value
    orders["rule_unit"] = np.where(is_iv, "mg/kg/h", "mg")
    orders.to_csv(destination, index=False)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
