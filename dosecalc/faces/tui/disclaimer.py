"""The disclaimer screen: the first thing the app paints, before the clinical core loads.

This module imports textual and the disclaimer's text only (no pint, pydantic or rules;
a test checks it), so the app can show it while the calculator loads behind it.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

from dosecalc.foundation.disclaimer import DISCLAIMER

LOADING = "Loading the calculator…"


class DisclaimerScreen(ModalScreen[bool]):
    """Shown first; nothing else is reachable until it is acknowledged with Enter.

    Made with ``ready=False`` while the calculator is still loading: "I understand"
    then waits for `calculator_ready`, so that it never leads to a calculator that is
    not there yet.
    """

    def __init__(self, ready: bool = True) -> None:
        super().__init__()
        self._ready = ready
        self._accepted = False

    def compose(self) -> ComposeResult:
        with Vertical(id="disclaimer"):
            yield Label("dosecalc", id="disclaimer-title")
            yield Static(DISCLAIMER, id="disclaimer-text")
            yield Static(
                "The source says: ketamine must be administered under the supervision of a "
                "palliative care specialist, and patients must be closely monitored for side "
                "effects.",
                id="disclaimer-source",
            )
            yield Button("I understand", id="understand", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#understand", Button).focus()

    @on(Button.Pressed, "#understand")
    def accept(self) -> None:
        if self._ready:
            self.dismiss(True)
            return
        self._accepted = True
        button = self.query_one("#understand", Button)
        button.label = LOADING
        button.disabled = True

    def calculator_ready(self) -> None:
        """The calculator has loaded: an acceptance that waited for it goes through now."""
        self._ready = True
        if self._accepted:
            self.dismiss(True)
