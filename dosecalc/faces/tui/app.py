"""The dosecalc app: a disclaimer first, then the calculator, keyboard first."""

from __future__ import annotations

import io
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import ClassVar

from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.events import DeliveryComplete, DeliveryFailed
from textual.screen import Screen

from dosecalc.faces.tui.screens import (
    CalculatorScreen,
    DisclaimerScreen,
    ExportScreen,
    SourceScreen,
)
from dosecalc.reports.formats import FORMATS, render
from dosecalc.ruleset.loader import RuleSet


class DoseCalcApp(App[None]):
    """Weight and route in; the source's range, its cautions and its basis out."""

    CSS_PATH = "dosecalc.tcss"
    TITLE = "dosecalc"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "ctrl+s",
            "save_summary",
            "Save",
            id="save-summary",
            tooltip="Save the result as text, Markdown, HTML, JSON or FHIR, and copy it",
        ),
        Binding(
            "ctrl+r",
            "switch_regimen",
            "Switch regimen",
            id="switch-regimen",
            tooltip="Switch between intravenous infusion and sublingual or buccal",
        ),
        Binding(
            "ctrl+o",
            "show_source",
            "Source",
            id="show-source",
            tooltip="Show the source section behind the regimen in use",
        ),
        Binding(
            "ctrl+t",
            "toggle_theme",
            "Dark/light",
            id="toggle-theme",
            tooltip="Switch between the dark and the light theme",
        ),
    ]

    def __init__(self, rules: RuleSet, export_dir: Path | None = None) -> None:
        super().__init__()
        self.rules = rules
        self.export_dir = export_dir or Path.cwd()
        self._names_given: set[str] = set()
        self.calculator = CalculatorScreen(rules)

    def on_mount(self) -> None:
        self.push_screen(self.calculator)
        self.push_screen(DisclaimerScreen(), self._acknowledged)

    def _acknowledged(self, understood: bool | None) -> None:
        if understood:
            self.calculator.query_one("#weight").focus()

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand(
            "Switch regimen",
            "Intravenous infusion ⇄ sublingual or buccal",
            self.action_switch_regimen,
        )
        yield SystemCommand(
            "Save summary",
            "Save the result as text, Markdown, HTML, JSON or FHIR, and copy it",
            self.action_save_summary,
        )
        yield SystemCommand(
            "Show the source section", "What the source says, as quoted", self.action_show_source
        )
        yield SystemCommand("Toggle dark/light", "Switch theme", self.action_toggle_theme)

    def action_switch_regimen(self) -> None:
        self.calculator.switch_regimen()

    def action_toggle_theme(self) -> None:
        self.theme = "textual-light" if self.theme == "textual-dark" else "textual-dark"

    def action_show_source(self) -> None:
        regimen = self.rules.find(self.calculator.session.inputs.regimen)
        source = regimen.source
        self.push_screen(
            SourceScreen(
                "\n".join(
                    [
                        f"{source.document}: {source.description}",
                        f"Section '{source.section}'"
                        + (f", {source.table}" if source.table else ""),
                        "",
                        f'"{source.quote}"',
                        "",
                        regimen.supervision,
                    ]
                )
            )
        )

    def action_save_summary(self) -> None:
        """Ask for a format, then save the result in it (`save`)."""
        if self.calculator.session.result is None:
            self.notify("Nothing to save: there is no valid result.", severity="error")
            return
        self.push_screen(ExportScreen(), self._export_chosen)

    def _export_chosen(self, name: str | None) -> None:
        if name is not None:
            self.save(name)

    def save(self, name: str) -> None:
        """Save what is on screen in format ``name`` and copy it: into ``export_dir`` on a
        terminal, as a download in a browser (``dosecalc serve``)."""
        made_at = datetime.now().astimezone()
        text = self.export(name, made_at)
        if text is None:
            self.notify("Nothing to save: there is no valid result.", severity="error")
            return
        chosen = FORMATS[name]
        self.deliver_text(
            io.StringIO(text),
            save_directory=self.export_dir,
            save_filename=self._unused_name(f"dosecalc-{made_at:%Y%m%d-%H%M%S}", chosen.suffix),
            mime_type=chosen.media_type,
        )
        self.copy_to_clipboard(text)

    def _unused_name(self, stem: str, suffix: str) -> str:
        """``stem`` + ``suffix``, or ``stem-2`` + ``suffix`` and so on: two saves in the same
        second keep two reports."""
        name, number = f"{stem}{suffix}", 1
        while name in self._names_given or (self.export_dir / name).exists():
            number += 1
            name = f"{stem}-{number}{suffix}"
        self._names_given.add(name)  # its file may still be being written
        return name

    def on_delivery_complete(self, event: DeliveryComplete) -> None:
        where = f"Saved to {event.path}" if event.path is not None else "Downloaded"
        self.notify(f"{where}, and copied to the clipboard (where the terminal allows).")

    def on_delivery_failed(self, event: DeliveryFailed) -> None:
        self.notify(f"Could not save: {event.exception}", severity="error")

    def export(self, name: str, made_at: datetime) -> str | None:
        """The result on screen in format ``name``, or None when no dose is shown.

        Every format also holds the order check, when there is one.
        """
        session = self.calculator.session
        if session.result is None:
            return None
        report = render(session.result, name, made_at, check=session.check_result)
        if name != "text":
            return report
        return f"Summary made {made_at:%Y-%m-%d %H:%M %Z} by dosecalc\n{report}"
