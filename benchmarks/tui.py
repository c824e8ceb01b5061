"""How fast the app appears and answers a keystroke, measured side by side in one run.

    python benchmarks/tui.py

1. Process start to first paint: the dosecalc app against a minimal Textual app
   (one Static), each started headless in a fresh Python process, median of
   several runs, with the ratio.
2. Keystroke to updated result, under Pilot: typing a weight digit and waiting
   until the result panel shows the new range; median over many keystrokes.
"""

from __future__ import annotations

import asyncio
import statistics
import subprocess
import sys
import time

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


async def keystroke_latency() -> float:
    from textual.widgets import Input, Static

    from dosecalc import load_rules
    from dosecalc.faces.tui.app import DoseCalcApp

    app = DoseCalcApp(load_rules())
    latencies = []
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
        weight = app.calculator.query_one("#weight", Input)
        result = app.calculator.query_one("#result", Static)
        for i in range(KEYSTROKES):
            weight.value = "7"
            await pilot.pause()
            before = str(result.render())
            start = time.perf_counter()
            await pilot.press("0" if i % 2 else "5")
            while str(result.render()) == before:
                await asyncio.sleep(0)
            latencies.append(time.perf_counter() - start)
    return statistics.median(latencies)


def main() -> None:
    minimal, dosecalc = first_paint(MINIMAL), first_paint(DOSECALC)
    print(f"process start to first paint (median of {RUNS}, headless):")
    print(f"  minimal Textual app  {minimal * 1000:7.0f} ms")
    print(f"  dosecalc app         {dosecalc * 1000:7.0f} ms   ratio {dosecalc / minimal:.2f}")
    latency = asyncio.run(keystroke_latency())
    print(
        f"keystroke to updated result under Pilot (median of {KEYSTROKES}): {latency * 1000:.1f} ms"
    )


if __name__ == "__main__":
    main()
