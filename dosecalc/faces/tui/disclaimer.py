"""The disclaimer screen: the first thing the app paints, before the clinical core loads.

This module imports textual and the disclaimer's text only (no pint, pydantic or rules;
a test checks it), so the app can show it while the calculator loads behind it.
"""

from __future__ import annotations

from collections.abc import Sequence

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

from dosecalc.foundation.disclaimer import DISCLAIMER

LOADING = "Loading the calculator…"
SOURCE_LOADING = "The source's own conditions of use follow once the rules have loaded."


class DisclaimerScreen(ModalScreen[bool]):
    """Shown first; nothing else is reachable until it is acknowledged with Enter.

    Made with ``ready=False`` while the calculator is still loading: "I understand"
    then waits for `calculator_ready`, so that it never leads to a calculator that is
    not there yet. The disclaimer names no drug: what each source says about supervision
    (``supervision``, from the loaded rules) is shown beneath it once they have loaded.
    Once it is accepted (`accepted`), the app keeps every key typed for the calculator.
    """

    def __init__(self, ready: bool = True, supervision: Sequence[str] = ()) -> None:
        super().__init__()
        self._ready = ready
        self.accepted = False
        """Whether "I understand" was chosen (it may still wait for the calculator)."""
        self._supervision = supervision

    def compose(self) -> ComposeResult:
        with Vertical(id="disclaimer"):
            yield Label("dosecalc", id="disclaimer-title")
            yield Static(DISCLAIMER, id="disclaimer-text")
            yield Static(_source_says(self._supervision), id="disclaimer-source", markup=False)
            yield Button("I understand", id="understand", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#understand", Button).focus()

    @on(Button.Pressed, "#understand")
    def accept(self) -> None:
        if self.accepted:  # a second Enter or click while the calculator loads
            return
        self.accepted = True
        if self._ready:
            self.dismiss(True)
            return
        button = self.query_one("#understand", Button)
        button.label = LOADING
        button.disabled = True

    def calculator_ready(self, supervision: Sequence[str]) -> None:
        """The calculator has loaded: the sources' statements are shown, and an acceptance
        that waited for it goes through now."""
        self._supervision = supervision
        for shown in self.query("#disclaimer-source").results(Static):  # none before compose
            shown.update(_source_says(supervision))
        self._ready = True
        if self.accepted:
            self.dismiss(True)


def _source_says(supervision: Sequence[str]) -> str:
    """Each distinct supervision statement of the rules in force, as the source words it."""
    if not supervision:
        return SOURCE_LOADING
    return "\n".join(f"The source says: {statement}" for statement in dict.fromkeys(supervision))
