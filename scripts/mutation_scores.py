"""Each mutated file's mutation score, from mutmut's results in ``mutants/``.

Killed counts a mutant the tests failed on, one the type checker refused and one that
timed out; the score is killed over every mutant that was run.
"""

from __future__ import annotations

import json
from pathlib import Path

from mutmut.stats import status_by_exit_code

KILLED = frozenset({"killed", "caught by type check", "timeout"})


def main() -> None:
    for meta in sorted(Path("mutants").rglob("*.py.meta")):
        codes = json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"].values()
        statuses = [status_by_exit_code[code] for code in codes]
        run = [status for status in statuses if status != "not checked"]
        if not run:
            continue
        killed = sum(status in KILLED for status in run)
        name = meta.relative_to("mutants").as_posix().removesuffix(".meta")
        print(f"{name}: {killed}/{len(run)} killed, {killed / len(run):.1%}")


if __name__ == "__main__":
    main()
