"""The app on its own: what ``dosecalc serve`` starts for each browser session.

``python -m dosecalc.faces.tui [--rules DIR]``. Unlike ``dosecalc tui`` it
does not ask for a terminal, because in a browser there is none: textual-serve
drives it through Textual's web driver.
"""

from __future__ import annotations

import argparse
import sys

from dosecalc.foundation.errors import DoseCalcError
from dosecalc.ruleset.loader import load_rules


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dosecalc.faces.tui")
    parser.add_argument("--rules", metavar="DIR", help="rule folder (default: the shipped rules)")
    parser.add_argument(
        "--rules-sha256", metavar="HASH", help="refuse to start unless the rules have this SHA-256"
    )
    args = parser.parse_args(argv)
    try:
        rules = load_rules(args.rules)
    except DoseCalcError as error:
        print(f"dosecalc: {error}", file=sys.stderr)
        return 2
    if args.rules_sha256 is not None and rules.sha256 != args.rules_sha256:
        print(
            f"dosecalc: the rules in {rules.path} are not the ones the server checked "
            f"(sha256 {rules.sha256}, expected {args.rules_sha256}); restart dosecalc serve",
            file=sys.stderr,
        )
        return 2
    from dosecalc.faces.tui.app import DoseCalcApp  # textual, once the rules are known good

    DoseCalcApp(rules).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
