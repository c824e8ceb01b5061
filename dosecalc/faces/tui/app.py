"""The dosecalc app: a disclaimer first, then the calculator, keyboard first."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import ClassVar

from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen

from dosecalc.faces.tui.screens import CalculatorScreen, DisclaimerScreen, SourceScreen
from dosecalc.reports.text import render_check_text, render_text
from dosecalc.ruleset.loader import RuleSet


class DoseCalcApp(App[None]):
    """Weight and route in; the source's range, its cautions and its basis out."""

    CSS_PATH = "dosecalc.tcss"
    TITLE = "dosecalc"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "ctrl+s",
            "save_summary",
            "Save summary",
            id="save-summary",
            tooltip="Save a plain-text summary to a file and copy it to the clipboard",
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
            "Save summary", "Save a plain-text summary and copy it", self.action_save_summary
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
        """Save the summary (inputs, results, basis, cautions, disclaimer, time) and copy it."""
        text = self.summary()
        if text is None:
            self.notify("Nothing to save: there is no valid result.", severity="error")
            return
        path = self.export_dir / f"dosecalc-summary-{datetime.now():%Y%m%d-%H%M%S}.txt"
        path.write_text(text, encoding="utf-8")
        self.copy_to_clipboard(text)
        self.notify(f"Saved to {path} and copied to the clipboard (where the terminal allows).")

    def summary(self) -> str | None:
        """The plain-text summary of what is on screen, or None when no dose is shown."""
        session = self.calculator.session
        if session.result is None:
            return None
        parts = [
            f"Summary made {datetime.now():%Y-%m-%d %H:%M} by dosecalc",
            render_text(session.result),
        ]
        if session.check_result is not None:
            parts.append(render_check_text(session.check_result))
        return "\n".join(parts)
