"""The dosecalc app: a disclaimer first, then the calculator, keyboard first.

Started with a loader (what ``dosecalc tui`` and each browser session do), the app
paints the disclaimer with textual alone, then loads the rules and the calculator
(pint, pydantic, the clinical core) in a thread while the disclaimer is read; "I
understand" waits for them. Started with a loaded `RuleSet`, it makes the calculator
at once, behind the disclaimer.

Every key is handled whole, with all it sets off, before the next: keys that arrive
together (a fast typist on a busy machine) would otherwise race, a backspace resolved
by a binding landing after the digits typed after it. Keys typed once the disclaimer
is accepted, before the calculator is on screen with its weight field focused (loading,
or only being shown), wait for it: a clinician who types ``154`` straight after Enter
gets 154, never 54.
"""

from __future__ import annotations

import asyncio
import importlib
import io
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Final

from textual import events
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.events import DeliveryComplete, DeliveryFailed
from textual.screen import Screen

from dosecalc.faces.tui.disclaimer import DisclaimerScreen
from dosecalc.foundation.clock import local_time
from dosecalc.reports.formats import FORMATS

if TYPE_CHECKING:
    from dosecalc.faces.tui.screens import CalculatorScreen
    from dosecalc.ruleset.loader import RuleSet

CALCULATOR_ACTIONS: Final = frozenset(
    {"switch_regimen", "save_summary", "show_source", "prepare_infusion"}
)
"""Actions that need the calculator: unavailable until it has loaded."""

QUIT_KEY: Final = "ctrl+q"
"""Quits at once, never queued behind the keys typed before it."""


def _load_core(load: Callable[[], RuleSet]) -> RuleSet:
    """In a thread: the rules, and the calculator's modules with the clinical core."""
    rules = load()
    importlib.import_module("dosecalc.faces.tui.screens")
    return rules


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
            tooltip="Switch to the next regimen of the rules in force",
        ),
        Binding(
            "ctrl+o",
            "show_source",
            "Source",
            id="show-source",
            tooltip="Show the source section behind the regimen in use",
        ),
        Binding(
            "ctrl+b",
            "prepare_infusion",
            "Prepare",
            id="prepare-infusion",
            tooltip="Make up an infusion: amount, stock to draw, diluent, concentration, mL/hr",
            show=False,  # in the palette and the keys panel; the footer is full at 80 columns
        ),
        Binding(
            "ctrl+t",
            "toggle_theme",
            "Theme",
            id="toggle-theme",
            tooltip="Switch between the dark and the light theme",
        ),
        Binding(
            QUIT_KEY,
            "quit",
            "Quit",
            id="quit",
            tooltip="Quit the app and return to the command prompt",
            priority=True,
        ),
    ]

    def __init__(
        self, rules: RuleSet | Callable[[], RuleSet], export_dir: Path | None = None
    ) -> None:
        """``rules``: the rules, or a function that loads them (called in a thread)."""
        super().__init__()
        self.export_dir = export_dir or Path.cwd()
        self._names_given: set[str] = set()
        self.rules: RuleSet | None = None
        self.calculator: CalculatorScreen | None = None
        self.startup_error: Exception | None = None
        """Why the calculator could not load (a broken rule folder, say); the app closed."""
        self._load = rules if callable(rules) else None
        if not callable(rules):
            self._calculator_loaded(rules)
        self._disclaimer = DisclaimerScreen(
            ready=self.calculator is not None, supervision=self._supervision()
        )
        self.accepted = False
        """Whether the disclaimer was accepted: until then only quitting is offered."""
        self._typed: asyncio.Queue[events.Key] = asyncio.Queue()
        """Keys as typed, waiting their turn (`_hand_on_keys`)."""
        self._key_in_hand: events.Key | None = None
        """The key being handled: the one `on_event` lets through."""
        self._calculator_shown = asyncio.Event()
        """Set once the accepted calculator is on screen, its weight field focused."""

    def on_mount(self) -> None:
        if self.calculator is not None:
            self.push_screen(self.calculator)
        self.push_screen(self._disclaimer, self._acknowledged)
        self.run_worker(self._hand_on_keys(), name="keys", group="keys")
        if self._load is not None:  # once the disclaimer is painted
            self.call_after_refresh(self.run_worker, self._load_calculator(self._load))

    async def _load_calculator(self, load: Callable[[], RuleSet]) -> None:
        try:
            rules = await asyncio.to_thread(_load_core, load)
        except Exception as error:  # every failure is reported once the app has closed
            self.startup_error = error
            self.exit(return_code=2)
            return
        self._calculator_loaded(rules)
        self._disclaimer.calculator_ready(self._supervision())

    def _calculator_loaded(self, rules: RuleSet) -> None:
        from dosecalc.faces.tui.screens import CalculatorScreen  # the clinical core

        self.rules = rules
        self.calculator = CalculatorScreen(rules)

    def _supervision(self) -> list[str]:
        """What each regimen's source says about supervision (none before the rules load)."""
        return [regimen.supervision for regimen in self.rules.regimens] if self.rules else []

    async def on_event(self, event: events.Event) -> None:
        """Queue each key as typed (`_hand_on_keys` hands them on one at a time); quitting
        is never queued."""
        if (
            isinstance(event, events.Key)
            and not event.is_forwarded
            and event is not self._key_in_hand
            and event.key != QUIT_KEY
        ):
            self._typed.put_nowait(event)
            return
        if event is self._key_in_hand and not self.screen_stack:  # closing: nothing to type in
            self._key_in_hand = None
            return
        await super().on_event(event)
        if event is self._key_in_hand:
            self._key_in_hand = None

    async def _hand_on_keys(self) -> None:
        """Hand each key on in the order typed, once everything the one before set off
        (a binding's action, a field's submission, a new screen) has been handled; once
        the disclaimer is accepted, none until the calculator is shown."""
        while True:
            typed = await self._typed.get()
            if self._disclaimer.accepted:
                await self._calculator_shown.wait()
            self._key_in_hand = events.Key(typed.key, typed.character)
            if not self.post_message(self._key_in_hand):  # the app is closing
                return
            while self._key_in_hand is not None or self._handling_messages():
                await asyncio.sleep(0)

    def _handling_messages(self) -> bool:
        """Whether the app, or anything on a screen it holds, has a message waiting."""
        return any(
            pump.message_queue_size
            for pump in [
                self,
                *(node for screen in self.screen_stack for node in screen.walk_children()),
                *self.screen_stack,
            ]
        )

    async def _acknowledged(self, understood: bool | None) -> None:
        """Show the calculator with its weight field focused; the keys typed since the
        acceptance follow, in order (`_hand_on_keys`)."""
        if not understood or self.calculator is None:  # "I understand" waits for it
            return
        self.accepted = True
        self.refresh_bindings()
        if self.screen is not self.calculator:  # loaded in the background: not yet shown
            await self.push_screen(self.calculator)
        self.calculator.set_focus(self.calculator.query_one("#weight"))
        self._calculator_shown.set()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The command palette (a priority key, so it would open over any screen) waits
        for the disclaimer to be accepted; the calculator's actions, for the calculator."""
        if action == "command_palette":
            return self.accepted
        return self.calculator is not None or action not in CALCULATOR_ACTIONS

    def action_command_palette(self) -> None:
        if self.accepted:
            super().action_command_palette()

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        for command in super().get_system_commands(screen):
            # Textual's ("Save screenshot" up to 3.x, "Screenshot" later) saves to a Downloads
            # folder, which may not exist.
            if "screenshot" in command.title.lower():
                yield SystemCommand(
                    "Screenshot",
                    "Save an SVG picture of the screen where results are saved",
                    lambda: self.set_timer(0.1, self.action_screenshot),
                )
            else:
                yield command
        if self.calculator is None:
            return
        yield SystemCommand(
            "Switch regimen", "The next regimen of the rules in force", self.action_switch_regimen
        )
        yield SystemCommand(
            "Save summary",
            "Save the result as text, Markdown, HTML, JSON or FHIR, and copy it",
            self.action_save_summary,
        )
        yield SystemCommand(
            "Show the source section", "What the source says, as quoted", self.action_show_source
        )
        yield SystemCommand(
            "Prepare an infusion",
            "Drug amount, stock to draw, diluent, final concentration and mL/hr",
            self.action_prepare_infusion,
        )
        yield SystemCommand("Toggle dark/light", "Switch theme", self.action_toggle_theme)

    def _loaded_calculator(self) -> CalculatorScreen:
        """The calculator, for an action that is offered only once it has loaded."""
        if self.calculator is None:
            raise RuntimeError("the calculator has not loaded yet")
        return self.calculator

    def action_screenshot(self, filename: str | None = None, path: str | None = None) -> None:
        """An SVG picture of the screen, saved where results are saved (``export_dir``),
        a folder that exists, rather than a Downloads folder that may not."""
        made_at = local_time(datetime.now())
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
        self._loaded_calculator().switch_regimen()

    def action_toggle_theme(self) -> None:
        self.theme = "textual-light" if self.theme == "textual-dark" else "textual-dark"

    def action_show_source(self) -> None:
        from dosecalc.faces.tui.screens import SourceScreen  # loaded with the calculator

        calculator = self._loaded_calculator()
        regimen = calculator.rules.find(calculator.session.inputs.regimen)
        source = regimen.source
        self.push_screen(
            SourceScreen(
                "\n".join(
                    [
                        source.cited,
                        "",
                        f'"{source.quote}"',
                        "",
                        regimen.supervision,
                    ]
                )
            )
        )

    def action_prepare_infusion(self) -> None:
        """Open the preparation of an infusion, for the calculator's patient."""
        from dosecalc.faces.tui.screens import PrepareScreen  # loaded with the calculator

        calculator = self._loaded_calculator()
        arguments = calculator.session.calculate_arguments()
        self.push_screen(PrepareScreen(calculator.rules, arguments))

    def action_save_summary(self) -> None:
        """Ask for a format, then save the result in it (`save`)."""
        if self._loaded_calculator().session.result is None:
            self.notify("Nothing to save: there is no valid result.", severity="error")
            return
        from dosecalc.faces.tui.screens import ExportScreen  # loaded with the calculator

        self.push_screen(ExportScreen(), self._export_chosen)

    def _export_chosen(self, name: str | None) -> None:
        if name is not None:
            self.save(name)

    def save(self, name: str) -> None:
        """Save what is on screen in format ``name`` and copy it: into ``export_dir`` on a
        terminal, as a download in a browser (``dosecalc serve``)."""
        made_at = local_time(datetime.now())
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

        Every format also holds the order check, when there is one.
        """
        from dosecalc.reports.formats import render  # loaded with the calculator

        state = self._loaded_calculator().session.state  # one calculation, whole
        if state.result is None:
            return None
        report = render(state.result, name, made_at, check=state.check_result)
        if name != "text":
            return report
        return f"Summary made {made_at:%Y-%m-%d %H:%M %Z} by dosecalc\n{report}"
