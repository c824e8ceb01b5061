"""`dosecalc audit` against a hand-written pandas script, side by side in one run.

    python benchmarks/audit.py [--rows 1000000] [--verify 20000]

Writes a mixed orders file (benchmarks/orders.py: kg and lb weights; mg/h,
mg/kg/h, mcg/kg/min and mg doses; 0.1 % bad rows), then runs, each in a fresh
process, the hand-written pandas script (benchmarks/pandas_baseline.py: hard
coded unit factors, no safety) and ``dosecalc audit``. Prints wall time and
peak memory (maximum resident set) of each and their ratio; then checks that
rows out == rows in, that every bad row has an error and no verdict, and that
the verdicts of ``--verify`` rows drawn at random (every row with ``--verify 0``)
equal `dosecalc.check`'s.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import orders  # noqa: E402  # the generator beside this script


def run(command: list[str]) -> tuple[float, float]:
    """Wall seconds and peak resident memory (MiB) of one command in its own process."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    if status != 0:
        raise SystemExit(f"{' '.join(command)} failed ({status})")
    return seconds, usage.ru_maxrss / 1024


def verify(source: Path, audited: Path, sample: int) -> str:
    import dosecalc

    with source.open(newline="") as given, audited.open(newline="") as out:
        rows_in, rows_out = list(csv.DictReader(given)), list(csv.DictReader(out))
    assert len(rows_out) == len(rows_in), f"{len(rows_in)} rows in, {len(rows_out)} out"
    bad = [r for r in rows_out if r["error"]]
    assert all(r["verdict"] == "" and r["dose_in_rule_units"] == "" for r in bad)
    assert all(r["verdict"] in ("below", "within", "above") for r in rows_out if not r["error"])
    picked = (
        range(len(rows_out))
        if sample == 0
        else random.Random(1).sample(range(len(rows_out)), min(sample, len(rows_out)))
    )
    checked: dict[tuple[str, str, str], str] = {}
    for i in picked:
        row = rows_out[i]
        key = (row["weight"], row["regimen"], row["dose"])
        if key not in checked:
            try:
                checked[key] = dosecalc.check(weight=key[0], regimen=key[1], dose=key[2]).verdict
            except dosecalc.InputError:
                checked[key] = ""
        assert row["verdict"] == checked[key], (i, row, checked[key])
    return (
        f"rows out == rows in ({len(rows_out):,}); {len(bad):,} bad rows, each with an error "
        f"and no verdict; {len(picked):,} verdicts equal to dosecalc.check's"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--verify", type=int, default=20_000, help="rows to check; 0 = all")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "orders.csv"
        orders.write(args.rows, str(source))
        size = source.stat().st_size / 2**20
        print(f"{args.rows:,} mixed orders, {size:.0f} MiB of CSV")
        baseline = run(
            [
                sys.executable,
                str(HERE / "pandas_baseline.py"),
                str(source),
                str(Path(folder) / "pandas.csv"),
            ]
        )
        audited = Path(folder) / "audit.csv"
        ours = run([sys.executable, "-m", "dosecalc", "audit", str(source), "-o", str(audited)])
        print(
            f"  hand-written pandas script: {baseline[0]:6.2f} s, "
            f"peak memory {baseline[1]:5.0f} MiB"
        )
        print(f"  dosecalc audit:             {ours[0]:6.2f} s, peak memory {ours[1]:5.0f} MiB")
        print(f"  ratio: {ours[0] / baseline[0]:.2f}x the pandas script's time (goal <= 2x)")
        print(f"  {verify(source, audited, args.verify)}")


if __name__ == "__main__":
    main()
