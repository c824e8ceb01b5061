"""The ``dosecalc`` command line. It parses arguments and prints; no dose logic.

Exit codes: 0 success (a check's verdict, whatever it is, is not an error);
1 with ``rules diff`` when the rule sets differ (as ``diff`` does); 2 bad input,
bad arguments or an invalid rule folder (one message on stderr, nothing on
stdout); 3 with ``check --strict`` for any headline but a plain "within", and with
``prepare`` when the order is refused or the range is not made up (`EXIT_CODES`); 70
an unexpected internal error (a short message; ``--debug`` shows the traceback).

The clinical core (pint, pydantic) is imported by the commands that use it, when
they run: ``dosecalc tui`` paints the app's disclaimer before it loads.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Final, NamedTuple

from dosecalc.faces import streams, web  # stdlib only; textual-serve loads only to serve
from dosecalc.faces.output_file import replaced_on_success
from dosecalc.foundation.disclaimer import DISCLAIMER, EDUCATIONAL_ONLY
from dosecalc.foundation.errors import DoseCalcError, InputError, RulesError
from dosecalc.foundation.text import printable, quoted
from dosecalc.foundation.version import __version__
from dosecalc.patient.bases import BASES
from dosecalc.reports.formats import (
    FORMATS,
    PREPARE_FORMATS,
    render,
    render_check,
    render_prepare,
    to_json,
)
from dosecalc.ruleset.loader import RULES_ENV, RuleSet, default_rules_path, load_rules

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

    from dosecalc.clinical.audit import AuditSummary
    from dosecalc.clinical.prepare import PrepareResult
    from dosecalc.clinical.result import CheckResult, DoseResult
    from dosecalc.reports.audit_file import OutputFormat

EXIT_OK: Final = 0
EXIT_DIFFERENT: Final = 1
EXIT_BAD_INPUT: Final = 2
EXIT_NOT_WITHIN: Final = 3
EXIT_INTERNAL_ERROR: Final = 70
EXIT_INTERRUPTED: Final = 130


class Outcome(NamedTuple):
    """What a command prints on stdout, and its exit code.

    ``colour`` paints ``output`` once it is made printable: colour comes last, or its
    own ESC bytes would be written out as ``\\u001b`` with everything else raw.
    """

    output: str
    code: int = EXIT_OK
    colour: Callable[[str], str] | None = None


class _PrintableParser(argparse.ArgumentParser):
    """argparse echoes what it cannot parse: never an escape sequence, raw. An option is
    read only by its whole name (``--reg`` is not ``--regimen``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **{"allow_abbrev": False, **kwargs})

    def _print_message(self, message: str, file: SupportsWrite[str] | None = None) -> None:
        super()._print_message(printable(message), file)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    with streams.carried():  # whatever the encoding of stdout and stderr (ASCII, Latin-1)
        return _run(argv)


def _run(argv: Sequence[str] | None) -> int:
    if sys.stderr is None:  # closed: messages go nowhere, never into standard output
        sys.stderr = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115
    parser = _parser()
    args = parser.parse_args(argv)
    repeated = _given_twice(parser, sys.argv[1:] if argv is None else argv)
    if repeated is not None:
        option, first = repeated
        also = "" if first == option else f" (as {first} too)"
        parser.error(
            f"{option} was given more than once{also}: give it once (one value is used, and "
            "dosecalc will not choose which)"
        )
    if _writes_json(args):
        streams.json_escaped(sys.stdout)
    if args.command is None:
        if not _on_a_terminal():
            parser.print_help()
            return EXIT_OK
        args.handler = _tui
    try:
        if sys.stdout is None:
            raise InputError(
                "output",
                "standard output is closed",
                "Run dosecalc with it open (redirect it to a file or /dev/null instead)",
            )
        outcome: Outcome = args.handler(args)
        shown = printable(outcome.output)
        sys.stdout.write(shown if outcome.colour is None else outcome.colour(shown))
        sys.stdout.flush()
    except DoseCalcError as error:
        print(f"dosecalc: {printable(str(error))}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("dosecalc: interrupted; no output file was written", file=sys.stderr)
        return EXIT_INTERRUPTED
    except OSError as error:  # standard output closed or full, a file that fails mid-read
        if isinstance(error, BrokenPipeError):
            # Nothing reads standard output any more: silence Python's flush at exit too
            # (where standard output is a file at all).
            with contextlib.suppress(OSError, ValueError):
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        print(
            f"dosecalc: reading or writing failed ({error.strerror or error}); "
            "what was written is incomplete",
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT
    except Exception as error:
        if args.debug:
            raise
        cut_short = isinstance(error, _StdoutCutShortError)
        cause = error.__cause__ if cut_short and error.__cause__ is not None else error
        print(
            f"dosecalc: internal error ({type(cause).__name__}): {printable(str(cause))}. "
            f"{error if cut_short else 'Nothing was calculated.'} "
            "Run again with --debug for details.",
            file=sys.stderr,
        )
        return EXIT_INTERNAL_ERROR
    return outcome.code


def _given_twice(parser: argparse.ArgumentParser, argv: Sequence[str]) -> tuple[str, str] | None:
    """The first option named twice in ``argv``, by any of its names (``-o`` and
    ``--output`` are one), before and after the command alike (a common option means the
    same in both places): the name it was given by the second time, and the first; None
    when each is given once."""
    names = _option_names(parser)
    seen: dict[str, str] = {}
    for token in argv:
        if token == "--":
            break
        name = token.split("=", 1)[0] if token.startswith("--") else token[:2]
        if token[:1] != "-" or name not in names:
            continue
        if names[name] in seen:
            return name, seen[names[name]]
        seen[names[name]] = name
    return None


def _option_names(parser: argparse.ArgumentParser) -> dict[str, str]:
    """Every option string of ``parser`` and its commands, to the value it sets."""
    names: dict[str, str] = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for command in action.choices.values():
                names |= _option_names(command)
        else:
            names |= dict.fromkeys(action.option_strings, action.dest)
    return names


def _writes_json(args: argparse.Namespace) -> bool:
    """True for a command whose standard output is JSON (written with JSON's escapes
    where its encoding cannot carry a character)."""
    return bool(
        getattr(args, "json", False)
        or getattr(args, "schema", False)
        or getattr(args, "format", "text") in ("json", "fhir")
    )


class _StdoutCutShortError(Exception):
    """An internal error after an audit wrote rows to standard output: says how many."""


def _calc(args: argparse.Namespace) -> Outcome:
    from dosecalc.clinical.calculate import calculate

    result = calculate(**_patient(args))
    name = "json" if args.json else args.format
    return Outcome(render(result, name), colour=_lead_painter(name, result))


def _check(args: argparse.Namespace) -> Outcome:
    from dosecalc.clinical.check import check

    result = check(**_patient(args), dose=args.dose, every=args.every)
    name = "json" if args.json else args.format
    code = EXIT_NOT_WITHIN if args.strict and _not_to_give(result) else EXIT_OK
    if name == "text" and _colour_wanted():
        from dosecalc.reports.text import paint_verdict

        return Outcome(render_check(result, name), code, lambda text: paint_verdict(text, result))
    return Outcome(render_check(result, name), code)


def _not_to_give(result: CheckResult) -> bool:
    """What ``check --strict`` fails on: any headline but a plain "within" (a dose outside
    the range or the hard limits, above a maximum per 24 hours, a probable entry error, an
    implausible concentration, or a patient or weight the check does not cover)."""
    return result.headline.outcome != "within"


def _prepare(args: argparse.Namespace) -> Outcome:
    from dosecalc.clinical.prepare import prepare

    names = [
        *("dose", "stock", "final_volume", "duration", "pump_rate", "vial_volume"),
        *("regimen", "weight", "height", "sex", "basis", "show_recipe_anyway", "rules"),
    ]
    result = prepare(**{name: getattr(args, name) for name in names})
    name = "json" if args.json else args.format
    text = render_prepare(result, name)
    # A refused order is not to be made up, with its recipe shown on request or not; with
    # --strict, nor is one led by anything to settle first (as check --strict).
    led = result.refusal is not None or (args.strict and result.headline is not None)
    code = EXIT_NOT_WITHIN if led else EXIT_OK
    return Outcome(text, code, _lead_painter(name, result))


def _lead_painter(name: str, result: DoseResult | PrepareResult) -> Callable[[str], str] | None:
    """What colours a text report's lead on a terminal (`paint_lead`), if it has one."""
    if name != "text" or not _colour_wanted():
        return None
    from dosecalc.reports.text import paint_lead

    return lambda text: paint_lead(text, result)


def _audit(args: argparse.Namespace) -> Outcome:
    from dosecalc.reports.audit_file import audit_file, utf8_lines  # only for an audit

    rule_set = load_rules(args.rules)
    output_format: OutputFormat = "jsonl" if args.json else "csv"
    with _opened(args.file) as binary:
        source = utf8_lines(binary)
        if args.output is None and not args.json and not streams.carries_everything(sys.stdout):
            source = _carried_by_stdout(source)  # a cell is copied as it is, or not at all
        progress = _Progress(binary) if sys.stderr.isatty() else None
        if args.output is None:
            summary = _audit_to_stdout(source, rule_set, output_format, progress)
        else:
            source_path = Path("/dev/stdin" if args.file == "-" else args.file)
            with replaced_on_success(Path(args.output), source_path) as destination:
                summary = audit_file(
                    source, destination, rule_set, output_format=output_format, on_progress=progress
                )
    if progress is not None:
        progress.finish()
    basis = [
        f"checked against {rule_set.path}, version {rule_set.version}, sha256 {rule_set.sha256}",
        DISCLAIMER,
        *dict.fromkeys(regimen.supervision for regimen in rule_set.regimens),
    ]
    print("\n".join([*summary.lines(), *basis]), file=sys.stderr)
    return Outcome("")


def _audit_to_stdout(
    source: Iterator[str],
    rule_set: RuleSet,
    output_format: OutputFormat,
    progress: Callable[[int], None] | None,
) -> AuditSummary:
    """An audit to standard output, which cannot be taken back: a file that fails midway
    says that what was already written is cut short."""
    from dosecalc.reports.audit_file import audit_file

    written: int | None = None  # rows, once the header is out

    def count(rows: int) -> None:
        nonlocal written
        written = rows
        if progress is not None:
            progress(rows)

    try:
        return audit_file(
            source, sys.stdout, rule_set, output_format=output_format, on_progress=count
        )
    except InputError as error:
        if written is None:
            raise
        raise InputError(
            error.field,
            f"{error.problem}. The audit stopped there: what is already written to standard "
            f"output (the header and {written:,} rows) is an incomplete audit",
            f"{error.fix}, and run again with -o FILE, which writes the file only when the "
            "audit completes",
        ) from None
    except (DoseCalcError, OSError):
        raise  # main says what each means
    except Exception as error:
        if written is None:
            raise
        raise _StdoutCutShortError(
            f"The audit stopped: what is already written to standard output (the header and "
            f"{written:,} rows) is an incomplete audit"
        ) from error


def _carried_by_stdout(lines: Iterator[str]) -> Iterator[str]:
    """The orders' lines, each checked to be one standard output can carry: the audit's
    CSV copies every cell untouched, so one it cannot write stops the audit (exit 2)."""
    encoding = streams.encoding_of(sys.stdout)
    for number, line in enumerate(lines, start=1):
        try:
            line.encode(encoding)
        except UnicodeEncodeError as error:
            code = f"U+{ord(line[error.start]):04X}"
            raise InputError(
                "output",
                f"line {number} of the orders holds {code}, which standard output's encoding "
                f"({encoding}) cannot carry, and a cell is copied as it is or not at all",
                "Set PYTHONIOENCODING=utf-8 or audit to JSON Lines (--json)",
            ) from None
        yield line


@contextlib.contextmanager
def _opened(name: str) -> Iterator[BinaryIO]:
    """The orders file, or stdin for ``-``, as bytes."""
    if name == "-":
        if sys.stdin is None:
            raise InputError("file", "standard input is closed", "Give the orders file's name")
        yield sys.stdin.buffer
        return
    try:
        binary = open(name, "rb")  # noqa: SIM115  # closed below
    except OSError as error:
        raise InputError(
            "file", f"'{name}' cannot be opened ({error.strerror})", "Check the file's name"
        ) from None
    with binary:
        yield binary


class _Progress:
    """A progress bar on stderr, by how much of the file has been read."""

    WIDTH: Final = 30

    def __init__(self, binary: BinaryIO) -> None:
        self._binary = binary
        try:
            self._size = os.fstat(binary.fileno()).st_size
        except (OSError, io.UnsupportedOperation):
            self._size = 0

    def __call__(self, rows: int) -> None:
        line = f"{rows:,} rows"
        if self._size and self._binary.seekable():
            done = min(self._binary.tell() / self._size, 1.0)
            filled = round(done * self.WIDTH)
            line = f"[{'#' * filled}{'.' * (self.WIDTH - filled)}] {done:4.0%}  {line}"
        print(f"\r{line}", end="", file=sys.stderr, flush=True)

    def finish(self) -> None:
        print(file=sys.stderr)


def _tui(args: argparse.Namespace) -> Outcome:
    if not _on_a_terminal():
        raise InputError(
            "terminal",
            "the app needs an interactive terminal",
            "Run it in one, or use 'dosecalc calc --weight \"70 kg\" --regimen ID' (the ids "
            "are those 'dosecalc rules' lists)",
        )
    from dosecalc.faces.tui.app import DoseCalcApp  # textual loads only for the app

    # The disclaimer is painted first; the rules and the clinical core load while it is
    # read. A broken rule folder closes the app, and its error is raised here (exit 2).
    app = DoseCalcApp(lambda: load_rules(args.rules))
    app.run()
    if app.startup_error is not None:
        raise app.startup_error
    return Outcome("")


def _serve(args: argparse.Namespace) -> Outcome:
    if not 1 <= args.port <= 65535:
        raise InputError("port", f"{args.port} is not a TCP port", "Give a port from 1 to 65535")
    rules = load_rules(args.rules)  # a broken rule folder stops the server before it starts
    if not web.is_loopback(args.host):
        warning = web.no_authentication_warning(web.url_of(args.host, args.port))
        print(f"dosecalc: {printable(warning)}", file=sys.stderr)
    if args.max_sessions < 1:
        raise InputError(
            "max-sessions", f"{args.max_sessions} sessions would serve nobody", "Give 1 or more"
        )
    stopped_by = web.serve(rules, args.host, args.port, args.public_url, args.max_sessions)
    if stopped_by:  # every session closed; the codes of an interrupted command
        print(f"dosecalc: the server stopped (signal {stopped_by})", file=sys.stderr)
    return Outcome("", 128 + stopped_by if stopped_by else EXIT_OK)


ANY_AGE: Final = "any"
"""``--weight-max-age any``: a weight however old it is, said so by the person who starts
the service (dosecalc sets no number of days)."""


def _weight_max_age(text: str | None, trust: str | None) -> int | None:
    """``--weight-max-age``: a whole number of days, 0 or more (0: measured today), or
    `ANY_AGE` (None: a weight of any age). With ``--trust`` it must be given: a dose within
    the range gets no card, so no one would see how old the weight it was checked with is,
    and how old is acceptable is a ward's policy, which no source here gives."""
    if text is None:
        if trust is not None:
            raise InputError(
                "weight-max-age",
                "the CDS Hooks service needs to be told how old a weight it may use: a dose "
                "within the range gets no card, so no one would see the weight's date, and "
                "dosecalc sets no number of days",
                "Give --weight-max-age DAYS (your ward's policy, e.g. --weight-max-age 7), or "
                f"--weight-max-age {ANY_AGE} to use a weight however old it is",
            )
        return None
    written = text.strip()
    if written.lower() != ANY_AGE and (not written.isdigit() or not written.isascii()):
        raise InputError(
            "weight-max-age",
            f"{quoted(text)} is not a whole number of days, nor '{ANY_AGE}'",
            "Give the most days ago a weight may have been measured, e.g. --weight-max-age 7",
        )
    if trust is None:
        raise InputError(
            "weight-max-age",
            "it applies to CDS Hooks, which only --trust switches on",
            "Give --trust FILE too, or leave --weight-max-age out",
        )
    return None if written.lower() == ANY_AGE else int(written)


def _web(args: argparse.Namespace) -> Outcome:
    """``dosecalc web``: the HTML face and, with ``--trust``, the CDS Hooks service."""
    if not 1 <= args.port <= 65535:
        raise InputError("port", f"{args.port} is not a TCP port", "Give a port from 1 to 65535")
    weight_max_age = _weight_max_age(args.weight_max_age, args.trust)
    if args.trust is not None and args.public_url is None and not web.is_loopback(args.host):
        # A token's audience is the exact URL called: one of this machine's own addresses
        # beside an address it is reached by otherwise fails every token, in silence.
        raise InputError(
            "public-url",
            f"with --trust on --host {args.host}, the service would believe only tokens for "
            f"{web.url_of(args.host, args.port)}, not the URL an EHR calls, so it would "
            "refuse every hook and the EHR would show no card",
            "Give --public-url with the base URL the EHR calls (e.g. https://cds.example.org),"
            " or leave --host out to serve this machine only",
        )
    try:
        from dosecalc.faces import web_app
        from dosecalc.faces.trust import load_trust
    except ImportError:
        raise InputError(
            "web",
            "the HTML face and CDS Hooks need aiohttp, Jinja2 and PyJWT",
            "Install them: pip install 'dosecalc[web]'",
        ) from None
    rules = load_rules(args.rules)  # a broken rule folder stops the server before it starts
    trust = load_trust(args.trust) if args.trust is not None else None
    feedback_log = Path(args.feedback_log) if args.feedback_log is not None else None
    if feedback_log is not None:
        web_app.open_feedback_log(feedback_log)
    if args.public_url is not None:
        web.check_public_url(args.public_url)
    if not web.is_loopback(args.host):
        warning = web.no_authentication_warning(web.url_of(args.host, args.port))
        print(f"dosecalc: {printable(warning)}", file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="dosecalc-web-rules-") as folder:
        held = web.hold(rules, Path(folder))
        service = web_app.WebService(
            held,
            base_url=args.public_url or web.url_of(args.host, args.port),
            allowed_hosts=web.allowed_hosts(args.host, args.port, args.public_url),
            trust=trust,
            feedback_log=feedback_log,
            weight_max_age=weight_max_age,
            debug=args.debug,
        )
        addresses = web.addresses(args.host, args.port, args.public_url)
        stopped_by = web_app.serve_web(service, args.host, args.port, addresses)
    print(f"dosecalc: the server stopped (signal {stopped_by})", file=sys.stderr)
    return Outcome("", 128 + stopped_by)


def _on_a_terminal() -> bool:
    streams = (sys.stdin, sys.stdout)
    return all(stream is not None and stream.isatty() for stream in streams)


def _patient(args: argparse.Namespace) -> dict[str, Any]:
    """The arguments `calc` and `check` share (see `_patient_arguments`)."""
    names = ("weight", "regimen", "concentration", "height", "sex", "basis", "rules")
    return {name: getattr(args, name) for name in names}


def _colour_wanted() -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set (no-color.org)."""
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")


def _rules(args: argparse.Namespace) -> Outcome:
    if args.schema:
        from dosecalc.ruleset.schema import RuleFile

        return Outcome(to_json(RuleFile.model_json_schema()))
    if args.check is not None:
        from dosecalc.reports.rules_listing import rules_valid

        return Outcome(rules_valid(load_rules(args.check)))
    from dosecalc.reports.rules_listing import rules_listing

    return Outcome(rules_listing(load_rules(args.rules)))


def _rules_diff(args: argparse.Namespace) -> Outcome:
    """``rules diff OLD NEW``: exit 0 when nothing changed, 1 when anything did (as ``diff``)."""
    from dosecalc.reports.rules_diff import diff

    old, new = _load_compared("old", args.old), _load_compared("new", args.new)
    changes = diff(old, new)
    impact = None
    if args.impact is not None:
        from dosecalc.reports.audit_file import utf8_lines
        from dosecalc.reports.impact import impact as impact_of

        with _opened(args.impact) as binary:
            impact = impact_of(utf8_lines(binary), old, new)
    differ = bool(changes.changes) or (impact is not None and bool(impact.changes))
    code = EXIT_DIFFERENT if differ else EXIT_OK
    if args.json:
        document: dict[str, object] = {**changes.as_json()}
        if impact is not None:
            document["impact"] = impact.as_json()
        return Outcome(to_json(document), code)
    lines = changes.lines()
    if impact is not None:
        lines += ["", f"Impact on the orders in {args.impact}:", *impact.lines()]
    return Outcome("\n".join(lines) + "\n", code)


def _load_compared(which: str, folder: str) -> RuleSet:
    """One of the two folders ``rules diff`` compares: a refusal says which of them it is."""
    try:
        return load_rules(folder)
    except RulesError as error:
        raise RulesError(f"{error} (in the {which} rules, {folder})") from None


EXIT_CODES: Final = """exit codes:
  0   success (a check's verdict, whatever it is, is not an error)
  1   rules diff: the rule sets differ, or an order's outcome changes (as diff does)
  2   bad input, bad arguments or an invalid rule folder (one message on stderr)
  3   check --strict: any headline but a plain 'within' (a verdict out of range, a limit
      passed, a patient the source does not cover, ...);
      prepare: the order is refused (a library limit breached, or a probable entry error),
      or the range is not made up (a patient the source does not cover), recipe shown or not;
      prepare --strict: also any lead (a patient not covered, an order not checked, ...)
  70  an unexpected internal error (--debug shows the traceback)
  130 interrupted (Ctrl-C); 143 stopped by SIGTERM: no output file is left behind"""


def _parser() -> argparse.ArgumentParser:
    parser = _PrintableParser(
        prog="dosecalc",
        description="The dose range of a cited source, as the rules in force give it, "
        "applied to one patient. "
        f"{EDUCATIONAL_ONLY} "
        "Without a command, on a terminal, opens the app.",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"dosecalc {__version__}")
    _common_options(parser, default=None)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    # Every command takes the common options after its name too; there, an option left
    # out must not override one given before the name, so its default is SUPPRESS.
    common = _PrintableParser(add_help=False)
    _common_options(common, default=argparse.SUPPRESS)

    def command(name: str, summary: str, description: str) -> argparse.ArgumentParser:
        return commands.add_parser(  # of the class of the parser above: _PrintableParser
            name,
            parents=[common],
            help=summary,
            description=description,
            epilog=EXIT_CODES,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )

    calc = command(
        "calc",
        "the range for one patient and regimen",
        "The source's range for one regimen, applied to one patient.",
    )
    _patient_arguments(calc)
    _format_arguments(calc)
    calc.set_defaults(handler=_calc)

    order = command(
        "check",
        "check a proposed dose against the range",
        "Is this proposed dose within the source's range for this patient?",
    )
    _patient_arguments(order)
    _format_arguments(order)
    order.add_argument(
        "--dose",
        required=True,
        help='the proposed dose: "30 mg/hr", "0.4 mg/kg/hr", "6 mcg/kg/min", "25 mL/hr", "25 mg"',
    )
    order.add_argument(
        "--every",
        help='for a dose per administration, the interval between doses ("6 hr"): its total '
        "per 24 hours is then compared with a library's maximum per 24 hours",
    )
    order.add_argument(
        "--strict",
        action="store_true",
        help="exit 3 for any headline but a plain 'within' (nothing else found)",
    )
    order.set_defaults(handler=_check)

    made_up = command(
        "prepare",
        "make up an infusion: amount, stock to draw, diluent, concentration, mL/hr",
        "The arithmetic of making up an infusion, for an order (--dose) or for each end of "
        "the patient's range (--regimen and --weight): the drug amount, the stock volume to "
        "draw, the diluent volume, the final concentration and the pump rate, each with its "
        "working. Diluent choice, compatibility and stability are out of scope.",
    )
    made_up.add_argument(
        "--dose", help='the order: "35 mg/hr", "840 mg/24 hr", or an amount "840 mg"'
    )
    made_up.add_argument(
        "--stock", required=True, help='the strength as labelled: "500 mg/10 mL", "100 mg/mL"'
    )
    made_up.add_argument("--final-volume", required=True, help='of the syringe or bag: "50 mL"')
    made_up.add_argument("--duration", help='how long it runs: "24 hr", "12 hours"')
    made_up.add_argument("--pump-rate", help='instead of a duration: "2 mL/hr"')
    made_up.add_argument(
        "--regimen", help="for the patient's range (and to check an order against it)"
    )
    made_up.add_argument("--weight", help='for the range: "70 kg", "154 lb"')
    made_up.add_argument("--height", help='for IBW/ABW: "170 cm", "5 ft 7 in"')
    made_up.add_argument("--sex", help="male or female (for IBW/ABW)")
    made_up.add_argument("--basis", default="actual", help=f"dosing weight: {', '.join(BASES)}")
    made_up.add_argument(
        "--vial-volume",
        help='the volume of one vial of the stock, to count vials: "10 mL" (none is assumed)',
    )
    made_up.add_argument(
        "--show-recipe-anyway",
        action="store_true",
        help="for an order the library's limits refuse, or a range for a patient the source "
        "does not cover (exit 3): show the recipe too, marked not to be made up",
    )
    made_up.add_argument(
        "--strict",
        action="store_true",
        help="exit 3 also when the preparation leads with anything to settle first (a patient "
        "the source does not cover, an order not checked, ...), as check --strict",
    )
    _format_arguments(made_up, PREPARE_FORMATS)
    made_up.set_defaults(handler=_prepare)

    tui = command(
        "tui",
        "open the app (the same as no command, on a terminal)",
        "Open the keyboard-first app on this terminal (80x24 or larger): a weight and a "
        "regimen give the range, live, with its basis. Needs an interactive terminal.",
    )
    tui.set_defaults(handler=_tui)

    serve = command(
        "serve",
        "serve the app in a web browser (no authentication; loopback by default)",
        "Serve the app to web browsers with textual-serve. There is no "
        "authentication: by default only this machine can connect. Another --host prints a "
        "warning; use it only on a network you trust.",
    )
    _listening(serve, "the address browsers use, if not http://HOST:PORT (behind a proxy, say)")
    serve.add_argument(
        "--max-sessions",
        type=int,
        default=web.DEFAULT_MAX_SESSIONS,
        metavar="N",
        help="browser sessions open at once, each a process (default: %(default)s)",
    )
    serve.set_defaults(handler=_serve)

    served = command(
        "web",
        "serve an HTML page and, with --trust, a CDS Hooks service (loopback by default)",
        "Serve the calculator as an accessible HTML page (GET /, the options of calc and "
        "check as query parameters) and, with --trust, a CDS Hooks 3.0 service "
        "(order-select, order-sign) whose callers must sign their tokens with a key of the "
        "trust file. The page has no authentication: by default only this machine can "
        "connect. Another --host prints a warning.",
    )
    _listening(
        served, "the base URL clients use, if not http://HOST:PORT (behind a TLS proxy, say)"
    )
    served.add_argument(
        "--trust",
        metavar="FILE",
        help="the CDS Hooks trust file (issuers, their public keys, allowed origins): "
        "switches the service on",
    )
    served.add_argument(
        "--feedback-log",
        metavar="FILE",
        help="append CDS Hooks feedback here, a JSON line each (created with mode 0600)",
    )
    served.add_argument(
        "--weight-max-age",
        metavar="DAYS",
        help="CDS Hooks, needed with --trust: use a weight only if measured at most this many "
        "days ago (your ward's policy; dosecalc sets none): an older or undated one is no "
        f"usable weight; '{ANY_AGE}' uses a weight however old it is",
    )
    served.set_defaults(handler=_web)

    audit = command(
        "audit",
        "check every order in a CSV file",
        "Check every order in a CSV file (columns weight, regimen, dose; optionally "
        "concentration, height, sex, basis, every; others pass through). Rows out == rows in: "
        "a bad row "
        "gets an error, never a verdict. A summary goes to stderr. Exit 0 when the audit ran, "
        "whatever the verdicts; 2 for a file that cannot be audited. Use -o: the file then "
        "appears only when the audit completes, where standard output may be left cut short.",
    )
    audit.add_argument("file", help="the orders, as CSV with a header ('-' for stdin)")
    audit.add_argument("-o", "--output", metavar="FILE", help="write here (default: stdout)")
    audit.add_argument("--json", action="store_true", help="JSON Lines instead of CSV")
    audit.set_defaults(handler=_audit)

    rules = command(
        "rules",
        "list the rules in force, or check a rule folder",
        f"List the regimens of the rules in force (--rules, else ${RULES_ENV}, else "
        f"{default_rules_path()}).",
    )
    rules.add_argument("--check", metavar="DIR", help="validate DIR; exit 0 if valid, 2 if not")
    rules.add_argument("--schema", action="store_true", help="print the rule files' JSON Schema")
    rules.set_defaults(handler=_rules)
    rules_commands = rules.add_subparsers(dest="rules_command", metavar="COMMAND")
    rules_diff = rules_commands.add_parser(
        "diff",
        parents=[common],
        help="what changed between two rule folders, in words a reviewer signs",
        description="What changed from the rule folder OLD to NEW: each file's version and "
        "SHA-256, and per regimen every field (ranges, limits, concentrations, side effects, "
        "source, review). With --impact, the orders of a CSV file (as 'dosecalc audit' reads "
        "it) audited under both, and every order whose outcome changes. Exit 0 when nothing "
        "changes, 1 when anything does, 2 when a folder or the file cannot be read.",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    rules_diff.add_argument("old", metavar="OLD", help="the rule folder in force")
    rules_diff.add_argument("new", metavar="NEW", help="the rule folder proposed")
    rules_diff.add_argument(
        "--impact", metavar="ORDERS", help="past orders, as CSV with a header ('-' for stdin)"
    )
    rules_diff.add_argument("--json", action="store_true", help="the changes as JSON")
    rules_diff.set_defaults(handler=_rules_diff)
    return parser


def _common_options(parser: argparse.ArgumentParser, default: object) -> None:
    """``--rules`` and ``--debug``, taken before the command or after it."""
    parser.add_argument(
        "--rules",
        metavar="DIR",
        default=default,
        help=f"rule folder to use (default: ${RULES_ENV}, else the shipped rules)",
    )
    parser.add_argument(
        "--debug",
        action="store_true",
        default=False if default is None else default,
        help="show the traceback of an internal error",
    )


def _format_arguments(
    command: argparse.ArgumentParser, names: Sequence[str] = tuple(FORMATS)
) -> None:
    """``--format`` (or ``--json``), the same for `calc`, `check` and `prepare` (which
    takes ``names``: every format but FHIR)."""
    output = command.add_mutually_exclusive_group()
    output.add_argument(
        "--format",
        choices=names,
        default="text",
        help="; ".join(f"{FORMATS[n].name}: {FORMATS[n].description}" for n in names)
        + " (default: text)",
    )
    output.add_argument(
        "--json", action="store_true", help="unrounded values as JSON (--format json)"
    )


def _patient_arguments(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--weight",
        help='with its unit: "70 kg", "154 lb", "9 st 6 lb". A fixed dose\'s range, and a '
        "dose per kg checked against the range per kg, do not use it; without it, the patient "
        "is not assessed (the answer says so)",
    )
    command.add_argument(
        "--regimen",
        required=True,
        help="a regimen's id, alias or route, as 'dosecalc rules' lists them; a route "
        "written with '/' or 'or' also by each part",
    )
    command.add_argument("--concentration", help='for mL: "1 mg/mL", "50 mg/5 mL"')
    command.add_argument("--height", help='for IBW/ABW: "170 cm", "5 ft 7 in"')
    command.add_argument("--sex", help="male or female (for IBW/ABW)")
    command.add_argument("--basis", default="actual", help=f"dosing weight: {', '.join(BASES)}")


def _listening(server: argparse.ArgumentParser, public_url: str) -> None:
    """The options of a command that listens (`serve`, `web`): where, and as what URL."""
    server.add_argument(
        "--host", default=web.LOOPBACK, help="address to listen on (default: %(default)s)"
    )
    server.add_argument(
        "--port", type=int, default=web.DEFAULT_PORT, help="TCP port (default: %(default)s)"
    )
    server.add_argument("--public-url", metavar="URL", help=public_url)
