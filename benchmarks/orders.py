"""A reproducible CSV of mixed infusion and sublingual orders, for the audit benchmarks.

    python benchmarks/orders.py ROWS OUT.csv [--seed N]

Weights in kg and lb; doses in mg/h, mg/kg/h, mcg/kg/min (IV) and mg
(sublingual); 0.1 % bad rows (no unit, a negative or absurd weight, a length,
an unknown regimen, a dose form the regimen does not take). The same seed
always writes the same file.
"""

from __future__ import annotations

import argparse
import csv
import random

BAD_ROW_SHARE = 0.001
BAD_ROWS = (
    ("70", "iv", "30 mg/h"),
    ("-5 kg", "iv", "30 mg/h"),
    ("5000 kg", "iv", "30 mg/h"),
    ("170 cm", "iv", "30 mg/h"),
    ("70 kg", "intrathecal", "30 mg/h"),
    ("70 kg", "iv", "25 mg"),
    ("abc", "sl", "25 mg"),
)


def order(rng: random.Random) -> tuple[str, str, str]:
    """One plausible order: weight, regimen, dose (some out of range, some slipped)."""
    if rng.random() < 0.5:
        weight = f"{rng.randrange(400, 1500) / 10:g} kg"
    else:
        weight = f"{rng.randrange(90, 330)} lb"
    if rng.random() < 0.2:
        regimen = rng.choice(["sl", "sublingual-buccal", "buccal"])
        return weight, regimen, f"{rng.randrange(5, 80, 5)} mg"
    form = rng.random()
    if form < 0.4:
        dose = f"{rng.randrange(50, 800) / 10:g} mg/h"
    elif form < 0.7:
        dose = f"{rng.randrange(10, 90) / 100:g} mg/kg/hr"
    else:
        dose = f"{rng.randrange(20, 120) / 10:g} mcg/kg/min"
    if rng.random() < 0.01:  # a slipped decimal point
        number, unit = dose.split(" ", 1)
        dose = f"{float(number) * 10:g} {unit}"
    return weight, rng.choice(["iv", "iv-infusion"]), dose


def write(rows: int, path: str, seed: int = 2026) -> None:
    rng = random.Random(seed)
    with open(path, "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow(["id", "recorded", "weight", "regimen", "dose"])
        for row in range(rows):
            weight, regimen, dose = (
                rng.choice(BAD_ROWS) if rng.random() < BAD_ROW_SHARE else order(rng)
            )
            writer.writerow([row + 1, f"2026-{row % 12 + 1:02d}-01T08:00", weight, regimen, dose])


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rows", type=int)
    parser.add_argument("out")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    write(args.rows, args.out, args.seed)
