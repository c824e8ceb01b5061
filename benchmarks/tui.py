"""How fast the app appears and answers a keystroke, measured side by side in one run.

    python benchmarks/tui.py

1. Process start to first paint: the dosecalc app against a minimal Textual app
   (one Static), each started headless in a fresh Python process, median of
   several runs, with the ratio.
2. Keystroke to updated result, under Pilot: the time the app's handler takes
   from the weight field's change to every panel updated (the work done inside
   a frame), and, for reference, Pilot's whole round trip for the key press
   (which includes Pilot's own waiting for the app to be idle).
"""

from __future__ import annotations

import asyncio
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from typing import ParamSpec

P = ParamSpec("P")
RUNS = 7
KEYSTROKES = 60

_FIRST_PAINT = """
import sys, time
start = float(sys.argv[1])
{setup}
async def report(pilot):
    await pilot.pause()
    print(time.time() - start)
    pilot.app.exit()
app.run(headless=True, auto_pilot=report)
"""

MINIMAL = """
from textual.app import App
from textual.widgets import Static
class Minimal(App):
    def compose(self):
        yield Static("hello")
app = Minimal()
"""

DOSECALC = """
from dosecalc import load_rules
from dosecalc.faces.tui.app import DoseCalcApp
app = DoseCalcApp(load_rules())
"""


def first_paint(setup: str) -> float:
    times = []
    for _ in range(RUNS):
        start = time.time()
        done = subprocess.run(
            [sys.executable, "-c", _FIRST_PAINT.format(setup=setup), str(start)],
            capture_output=True,
            text=True,
            check=True,
        )
        times.append(float(done.stdout.strip().splitlines()[-1]))
    return statistics.median(times)


async def keystroke_latency() -> tuple[float, float]:
    from dosecalc import load_rules
    from dosecalc.clinical.session import Session
    from dosecalc.faces.tui.app import DoseCalcApp
    from dosecalc.faces.tui.screens import CalculatorScreen

    spent: list[float] = []  # per keystroke: the session update, then the panels' refresh

    def timing(method: Callable[P, None]) -> Callable[P, None]:
        def timed(*args: P.args, **kwargs: P.kwargs) -> None:
            start = time.perf_counter()
            method(*args, **kwargs)
            spent.append(time.perf_counter() - start)

        return timed

    Session.set = timing(Session.set)  # type: ignore[method-assign]
    CalculatorScreen.refresh_results = timing(CalculatorScreen.refresh_results)  # type: ignore[method-assign]
    app = DoseCalcApp(load_rules())
    round_trips = []
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter", "7")
        spent.clear()
        for i in range(KEYSTROKES):
            start = time.perf_counter()
            await pilot.press("backspace" if i % 2 else "0")
            round_trips.append(time.perf_counter() - start)
    per_keystroke = [a + b for a, b in zip(spent[::2], spent[1::2], strict=True)]
    return statistics.median(per_keystroke), statistics.median(round_trips)


def main() -> None:
    minimal, dosecalc = first_paint(MINIMAL), first_paint(DOSECALC)
    print(f"process start to first paint (median of {RUNS}, headless):")
    print(f"  minimal Textual app  {minimal * 1000:7.0f} ms")
    print(f"  dosecalc app         {dosecalc * 1000:7.0f} ms   ratio {dosecalc / minimal:.2f}")
    handler, round_trip = asyncio.run(keystroke_latency())
    print(f"keystroke under Pilot (median of {KEYSTROKES}):")
    print(f"  field change to every panel updated  {handler * 1000:6.1f} ms  (a frame: 16.7 ms)")
    print(
        f"  Pilot round trip for the key press   {round_trip * 1000:6.1f} ms  (with Pilot's waits)"
    )


if __name__ == "__main__":
    main()
