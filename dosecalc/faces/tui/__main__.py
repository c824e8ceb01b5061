"""The app on its own: what ``dosecalc serve`` starts for each browser session.

``python -m dosecalc.faces.tui [--rules DIR] [--rules-sha256 HASH]``. Unlike ``dosecalc
tui`` it does not ask for a terminal, because in a browser there is none: textual-serve
drives it through Textual's web driver. The files' SHA-256 is checked before the app
starts (a hash of their bytes, cheap); the rules are then validated, and checked again,
while the disclaimer is read, and no calculator is shown unless both pass.
"""

from __future__ import annotations

import argparse
import sys

from dosecalc.foundation.errors import DoseCalcError, RulesError
from dosecalc.ruleset.loader import RuleSet, default_rules_path, load_rules, rules_sha256


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dosecalc.faces.tui")
    parser.add_argument("--rules", metavar="DIR", help="rule folder (default: the shipped rules)")
    parser.add_argument(
        "--rules-sha256", metavar="HASH", help="refuse to start unless the rules have this SHA-256"
    )
    args = parser.parse_args(argv)

    def verified(sha256: str, folder: object) -> None:
        if args.rules_sha256 is not None and sha256 != args.rules_sha256:
            raise RulesError(
                f"the rules in {folder} are not the ones the server checked "
                f"(sha256 {sha256}, expected {args.rules_sha256}); restart dosecalc serve"
            )

    def load() -> RuleSet:
        rules = load_rules(args.rules)
        verified(rules.sha256, rules.path)
        return rules

    try:
        verified(rules_sha256(args.rules), args.rules or default_rules_path())
        from dosecalc.faces.tui.app import DoseCalcApp  # textual, not yet the clinical core

        app = DoseCalcApp(load)
        app.run()
        if app.startup_error is not None:
            raise app.startup_error
    except DoseCalcError as error:
        print(f"dosecalc: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
