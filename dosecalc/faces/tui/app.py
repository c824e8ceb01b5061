"""The dosecalc app: a disclaimer first, then the calculator, keyboard first."""

from __future__ import annotations

import io
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import ClassVar, Final

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
from dosecalc.reports.text import render_check_text, render_text
from dosecalc.ruleset.loader import RuleSet

_SUMMARY: Final = "dosecalc-summary"
_SCREENSHOT: Final = "dosecalc-screenshot"  # not Textual's "screenshot": we say where it went


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
            "Regimen",
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
            "Theme",
            id="toggle-theme",
            tooltip="Switch between the dark and the light theme",
        ),
        Binding(
            "ctrl+q",
            "quit",
            "Quit",
            id="quit",
            tooltip="Quit the app and return to the command prompt",
            priority=True,
        ),
    ]

    def __init__(self, rules: RuleSet, export_dir: Path | None = None) -> None:
        super().__init__()
        self.rules = rules
        self.export_dir = export_dir or Path.cwd()
        self._names_given: set[str] = set()
        self.calculator = CalculatorScreen(rules)
        self.accepted = False
        """Whether the disclaimer was accepted: until then only quitting is offered."""

    def on_mount(self) -> None:
        self.push_screen(self.calculator)
        self.push_screen(DisclaimerScreen(), self._acknowledged)

    def _acknowledged(self, understood: bool | None) -> None:
        if understood:
            self.accepted = True
            self.refresh_bindings()
            self.calculator.query_one("#weight").focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The command palette (a priority key, so it would open over any screen) waits
        for the disclaimer to be accepted."""
        if action == "command_palette":
            return self.accepted
        return True

    def action_command_palette(self) -> None:
        if self.accepted:
            super().action_command_palette()

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        for command in super().get_system_commands(screen):
            if command.title == "Screenshot":  # Textual's saves to a Downloads folder
                yield SystemCommand(
                    "Screenshot",
                    "Save an SVG picture of the screen where results are saved",
                    lambda: self.set_timer(0.1, self.action_screenshot),
                )
            else:
                yield command
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

    def action_screenshot(self, filename: str | None = None, path: str | None = None) -> None:
        """An SVG picture of the screen, saved where results are saved (``export_dir``),
        a folder that exists, rather than a Downloads folder that may not."""
        made_at = datetime.now().astimezone()
        self.deliver_text(
            io.StringIO(self.export_screenshot()),
            save_directory=path or self.export_dir,
            save_filename=filename
            or self._unused_name(f"dosecalc-screen-{made_at:%Y%m%d-%H%M%S}", ".svg"),
            open_method="browser",
            mime_type="image/svg+xml",
            name=_SCREENSHOT,
        )

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
            name=_SUMMARY,
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
        """Say where the file went, its name on a line of its own so it is never split."""
        if event.path is None:
            where = "Downloaded."
        else:
            where = f"Saved as\n{event.path.name}\nin {event.path.parent}"
        copied = "\nand copied to the clipboard (where the terminal allows)."
        self.notify(
            where + (copied if event.name == _SUMMARY else ""),
            title="Screenshot" if event.name == _SCREENSHOT else "Saved",
            markup=False,
        )

    def on_delivery_failed(self, event: DeliveryFailed) -> None:
        self.notify(f"Could not save: {event.exception}", severity="error", markup=False)

    def export(self, name: str, made_at: datetime) -> str | None:
        """The result on screen in format ``name``, or None when no dose is shown.

        The plain-text summary also holds the order check, when there is one.
        """
        session = self.calculator.session
        if session.result is None:
            return None
        if name != "text":
            return render(session.result, name, made_at)
        parts = [
            f"Summary made {made_at:%Y-%m-%d %H:%M %Z} by dosecalc",
            render_text(session.result),
        ]
        if session.check_result is not None:
            parts.append(render_check_text(session.check_result))
        return "\n".join(parts)
