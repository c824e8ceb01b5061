"""Cold start of ``dosecalc calc ... --json`` against building a pint registry, in one run.

    python benchmarks/cold_start.py

Each command runs in a fresh process, RUNS times, alternating; prints the
median wall time of each and the ratio (goal <= 1.3x). The reference is
``python -c "import pint; pint.UnitRegistry(cache_folder=':auto:')"``: the
least any pint-based calculator pays before its first conversion. Both run
with this interpreter and this environment's packages (pint imports numpy
when it is installed, for both alike).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

RUNS = 11
REFERENCE = [sys.executable, "-c", "import pint; pint.UnitRegistry(cache_folder=':auto:')"]
DOSECALC = [
    sys.executable,
    "-m",
    "dosecalc",
    "calc",
    "--weight",
    "70 kg",
    "--regimen",
    "iv",
    "--json",
]


def seconds(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    seconds(REFERENCE), seconds(DOSECALC)  # warm the disk caches (pint's and the OS's)
    reference, ours = [], []
    for _ in range(RUNS):
        reference.append(seconds(REFERENCE))
        ours.append(seconds(DOSECALC))
    reference_s, ours_s = statistics.median(reference), statistics.median(ours)
    print(f"  import pint + UnitRegistry:  {reference_s * 1e3:6.0f} ms")
    print(f"  dosecalc calc ... --json:    {ours_s * 1e3:6.0f} ms")
    print(f"  ratio: {ours_s / reference_s:.2f}x (goal <= 1.3x)")


if __name__ == "__main__":
    main()
