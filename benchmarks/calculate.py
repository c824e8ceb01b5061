"""`dosecalc.calculate` per call against one pint multiply-and-convert, in one run.

    python benchmarks/calculate.py

The reference is the arithmetic at the heart of a calculation, done directly
in pint: 0.3 mg/kg/h x 70 kg converted to mg/h (a plain pint registry with
its disk cache, float magnitudes). `calculate` does that with exact
fractions and also parses and validates every input, applies the rules, and
builds the whole result (dose, per 24 h, per kg per minute, pump rate,
titration table, basis, display strings). Prints the median of several
timing runs of each and the ratio (goal <= 5x).
"""

from __future__ import annotations

import platform
import statistics
import timeit

import pint

import dosecalc

RUNS = 7


def per_call(statement, number: int) -> float:
    """Median seconds per call over RUNS runs of ``number`` calls."""
    return statistics.median(timeit.repeat(statement, number=number, repeat=RUNS)) / number


def main() -> None:
    units = pint.UnitRegistry(cache_folder=":auto:")
    rate, weight = units.Quantity(0.3, "mg/kg/h"), units.Quantity(70, "kg")
    reference = per_call(lambda: (rate * weight).to("mg/h"), 2000)

    def calculate() -> None:
        dosecalc.calculate(weight="70 kg", regimen="iv", concentration="1 mg/mL")

    calculate()  # load the rules and build the registry once, as a long-running script would
    ours = per_call(calculate, 200)
    print(f"  Python {platform.python_version()}, pint {pint.__version__}")
    print(f"  one pint multiply-and-convert: {reference * 1e6:8.1f} us")
    print(f"  dosecalc.calculate:            {ours * 1e6:8.1f} us")
    print(f"  ratio: {ours / reference:.1f}x (goal <= 5x)")


if __name__ == "__main__":
    main()
