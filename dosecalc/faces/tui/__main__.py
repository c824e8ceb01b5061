"""The app on its own: what ``dosecalc serve`` starts for each browser session.

``python -m dosecalc.faces.tui [--rules DIR]``. Unlike ``dosecalc tui`` it
does not ask for a terminal, because in a browser there is none: textual-serve
drives it through Textual's web driver.
"""

from __future__ import annotations

import argparse

from dosecalc.faces.tui.app import DoseCalcApp
from dosecalc.ruleset.loader import load_rules


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m dosecalc.faces.tui")
    parser.add_argument("--rules", metavar="DIR", help="rule folder (default: the shipped rules)")
    DoseCalcApp(load_rules(parser.parse_args(argv).rules)).run()


if __name__ == "__main__":
    main()
