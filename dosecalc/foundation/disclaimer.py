"""The disclaimer every result carries and the app shows first: its one home.

Plain text with no imports, so that the app can paint it before the clinical core
(pint, pydantic, the rules) has loaded.
"""

from typing import Final

DISCLAIMER: Final = (
    "Educational use only. Not a substitute for clinical judgement. Verify every figure "
    "independently before use. The figures restate a general-audience article, not a "
    "formulary, and apply only under a palliative care specialist's supervision with close "
    "monitoring."
)
