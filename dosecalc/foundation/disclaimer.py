"""The disclaimer every result carries and the app shows first: its one home.

Plain text with no imports, so that the app can paint it before the clinical core
(pint, pydantic, the rules) has loaded. It names no drug and no source: those come
from the rules in force (each regimen's citation and ``supervision``), shown once loaded.
"""

from typing import Final

DISCLAIMER: Final = (
    "Educational use only. Not a substitute for clinical judgement. Verify every figure "
    "independently before use. The figures restate the source cited with them, and apply "
    "only under the supervision and monitoring that source requires (stated with every result)."
)

SHORT_DISCLAIMER: Final = (
    "EDUCATIONAL USE ONLY. Not a substitute for clinical judgement; verify every figure "
    "(full disclaimer below)."
)
"""The one line a report starts with, before any dose; the full disclaimer follows the answer."""

EDUCATIONAL_ONLY: Final = "Educational use only; not a substitute for clinical judgement."
"""The disclaimer where a sentence is all there is room for (the CLI's help, a CDS
Hooks service's usage requirements)."""
