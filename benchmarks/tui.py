"""How fast the app appears and answers a keystroke, measured side by side in one run.

    python benchmarks/tui.py

1. Process start to first paint, on a pseudo-terminal of 80x24: ``python -m dosecalc tui``
   (what the ``dosecalc tui`` command runs, the whole way: the command line, the rules
   folder, the app) until the disclaimer's first words are on the terminal, against a
   minimal Textual app (one Static) until its text is; each a fresh process, started
   alternately, median of several runs, with the ratio (goal <= 1.5x).
2. Keystroke to updated result, under Pilot: the time the app's handler takes
   from the weight field's change to every panel updated (the work done inside
   a frame), and, for reference, Pilot's whole round trip for the key press
   (which includes Pilot's own waiting for the app to be idle).
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import pty
import re
import select
import statistics
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Callable
from typing import ParamSpec

from dosecalc.foundation.disclaimer import DISCLAIMER

P = ParamSpec("P")
RUNS = 7
KEYSTROKES = 60
TIMEOUT_S = 30.0
QUIT = b"\x11"  # Ctrl+Q, which quits both apps (and the disclaimer)

MINIMAL = """
from textual.app import App
from textual.widgets import Static
class Minimal(App):
    def compose(self):
        yield Static("hello, minimal")
Minimal().run()
"""
MINIMAL_APP = ([sys.executable, "-c", MINIMAL], "hello, minimal")
DOSECALC_APP = ([sys.executable, "-m", "dosecalc", "tui"], DISCLAIMER.split(". ")[0])
_ESCAPE = re.compile(rb"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[@-Z\\-_])")


def first_paint(command: list[str], words: str) -> float:
    """Seconds from starting ``command`` on a fresh 80x24 pseudo-terminal until ``words``
    are on it (escape sequences aside); then the app is quit."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    start = time.perf_counter()
    app = subprocess.Popen(command, stdin=slave, stdout=slave, stderr=slave, start_new_session=True)
    os.close(slave)
    shown, painted = b"", None
    try:
        while painted is None and time.perf_counter() - start < TIMEOUT_S:
            if select.select([master], [], [], 0.5)[0]:
                shown += os.read(master, 1 << 16)
                if words.encode() in _ESCAPE.sub(b"", shown):
                    painted = time.perf_counter() - start
        os.write(master, QUIT)
        while select.select([master], [], [], 5)[0]:  # drain until the app has closed
            os.read(master, 1 << 16)
    except OSError:  # EIO: the terminal's other end closed, the app has exited
        pass
    finally:
        os.close(master)
        if app.poll() is None:
            app.kill()
        app.wait()
    if painted is None:
        raise RuntimeError(f"{command}: {words!r} not seen in {TIMEOUT_S} s: {shown[-500:]!r}")
    return painted


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
    first_paint(*MINIMAL_APP), first_paint(*DOSECALC_APP)  # warm the disk caches
    minimal_s, dosecalc_s = [], []
    for _ in range(RUNS):
        minimal_s.append(first_paint(*MINIMAL_APP))
        dosecalc_s.append(first_paint(*DOSECALC_APP))
    minimal, dosecalc = statistics.median(minimal_s), statistics.median(dosecalc_s)
    print(f"process start to first paint (median of {RUNS}, 80x24 pseudo-terminal):")
    print(f"  minimal Textual app   {minimal * 1000:7.0f} ms")
    print(
        f"  dosecalc tui          {dosecalc * 1000:7.0f} ms   "
        f"ratio {dosecalc / minimal:.2f} (goal <= 1.5)"
    )
    handler, round_trip = asyncio.run(keystroke_latency())
    print(f"keystroke under Pilot (median of {KEYSTROKES}):")
    print(f"  field change to every panel updated  {handler * 1000:6.1f} ms  (a frame: 16.7 ms)")
    print(
        f"  Pilot round trip for the key press   {round_trip * 1000:6.1f} ms  (with Pilot's waits)"
    )


if __name__ == "__main__":
    main()
