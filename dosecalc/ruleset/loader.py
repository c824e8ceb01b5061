"""Loading a rule folder: all files valid, or the whole folder refused.

A rule set is never partial: one invalid file, a duplicate id or alias, or an
empty folder raises `RulesError` naming the file (and the field or line), so a
calculator can never run on half a drug library.

Nor is it ever unreviewed: a folder runs only with a ``MANIFEST.sha256`` that lists
every rule file with the SHA-256 it had when it was reviewed. A folder without one is
refused, saying how to create it; a file edited since is refused. Only
``load_rules(..., unverified=True)``, asked for by name, loads a folder without a
manifest, and its version then says ``UNVERIFIED`` wherever it is shown (every basis).

This module imports pydantic and the schema (and so pint) only when a folder is
loaded: `default_rules_path` and `rules_sha256` cost neither, for the app's first
paint.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import os
import shlex
import stat
import tomllib
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Final

from dosecalc.foundation.errors import RulesError, UnknownRegimenError
from dosecalc.foundation.text import is_control, quoted, route_alternatives, unusual_characters

if TYPE_CHECKING:
    from dosecalc.ruleset.schema import Regimen, RuleFile

RULES_ENV: Final = "DOSECALC_RULES"
"""Environment variable naming a rule folder to use instead of the shipped one."""

MANIFEST: Final = "MANIFEST.sha256"
"""A ``sha256sum`` listing of the reviewed rule files; a folder runs only if it matches."""

UNVERIFIED: Final = "UNVERIFIED"
"""In the version of a rule set loaded without a manifest (``unverified=True``)."""

MAX_RULE_FILE_BYTES: Final = 1_000_000
_MAX_REPORTED_PROBLEMS: Final = 10

_PACKAGE_DIR: Final = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class RuleFileInfo:
    """One loaded file: its name, its version and the SHA-256 of its bytes."""

    name: str
    version: str
    sha256: str


@dataclass(frozen=True)
class RuleSet:
    """The regimens of one rule folder, with its version and SHA-256.

    ``version`` lists every file as ``stem@version``; ``sha256`` is the hash
    of the ``sha256sum`` listing of the files (`manifest`), so any edit changes it.
    ``verified`` is False only for a folder loaded without a manifest
    (``load_rules(..., unverified=True)``); its ``version`` then says so, and every
    figure's basis with it.
    """

    path: Path
    files: tuple[RuleFileInfo, ...]
    regimens: tuple[Regimen, ...]
    verified: bool = True

    @property
    def version(self) -> str:
        listed = "+".join(f"{Path(f.name).stem}@{f.version}" for f in self.files)
        return listed if self.verified else f"{listed} ({UNVERIFIED}: no {MANIFEST})"

    @property
    def manifest(self) -> str:
        """The ``sha256sum`` listing of the files, as MANIFEST.sha256 holds it."""
        return _manifest((f.name, f.sha256) for f in self.files)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.manifest.encode()).hexdigest()

    @functools.cached_property
    def _by_name(self) -> dict[str, tuple[Regimen, ...]]:
        """Each name a regimen answers to, and the regimens that answer to it."""
        index: dict[str, tuple[Regimen, ...]] = {}
        for regimen in self.regimens:
            for name in regimen_names(regimen):
                index[name] = (*index.get(name, ()), regimen)
        return index

    def find(self, name: object) -> Regimen:
        """The regimen whose id, alias or route is ``name`` (case and outer spaces ignored).

        A name that more than one regimen answers to (two regimens by one route) is
        refused with their ids, never settled by the order of the rule files.
        """
        # Only spaces are trimmed: a name with a control character or another script's
        # space in it (a CR, U+2028) matches nothing, and is refused. Case is ignored in
        # plain letters only: the Kelvin sign lowers to a plain k, yet is no letter k.
        trimmed = name.strip(" ") if isinstance(name, str) else None
        wanted = trimmed.lower() if trimmed is not None and trimmed.isascii() else trimmed
        found = self._by_name.get(wanted, ()) if wanted is not None else ()
        if len(found) == 1:
            return found[0]
        shown = quoted(name.strip() if isinstance(name, str) else name)
        shown += unusual_characters(name) if isinstance(name, str) else ""
        if found:
            ids = ", ".join(f"'{r.id}'" for r in found)
            raise UnknownRegimenError(
                "regimen",
                f"{shown} names more than one regimen in the rules in force ({ids})",
                f"Use the id of the one you mean: {ids}",
            )
        raise UnknownRegimenError(
            "regimen",
            f"{shown} is not a regimen in the rules in force",
            f"Use one of: {'; '.join(_describe(r) for r in self.regimens)}",
        )


def regimen_names(regimen: Regimen) -> tuple[str, ...]:
    """Every name a regimen answers to, in lower case: its id, its aliases, its route as the
    rule file writes it, and each alternative of a route written with "/" or " or "
    ("sublingual or buccal": "sublingual", "buccal")."""
    route = regimen.route.lower()
    return tuple(dict.fromkeys((regimen.id, *regimen.aliases, route, *route_alternatives(route))))


def _describe(regimen: Regimen) -> str:
    also = f"; also {', '.join(repr(a) for a in regimen.aliases)}" if regimen.aliases else ""
    return f"'{regimen.id}' ({regimen.route}{also})"


def default_rules_path() -> Path:
    """``$DOSECALC_RULES`` if set, else the rules shipped in the package.

    From a source checkout (no packaged copy yet) the repository's ``rules/``.
    """
    configured = os.environ.get(RULES_ENV)
    if configured:
        return Path(configured)
    packaged = _PACKAGE_DIR / "rules"
    return packaged if packaged.is_dir() else _PACKAGE_DIR.parent / "rules"


def load_rules(path: str | os.PathLike[str] | None = None, *, unverified: bool = False) -> RuleSet:
    """Load and validate every ``*.toml`` file of a rule folder, and verify its manifest.

    ``path`` defaults to `default_rules_path`. Raises `RulesError` if the
    folder is missing or empty, if any file is invalid, if the folder has no
    ``MANIFEST.sha256`` or if a file differs from it. With ``unverified=True`` a folder
    without a manifest loads, its version marked ``UNVERIFIED`` (a manifest that is
    there must still match).
    """
    folder, paths = _rule_files(path)
    files: list[RuleFileInfo] = []
    regimens: list[tuple[str, Regimen]] = []
    for file_path in paths:
        info, rule_file = _load_file(file_path)
        files.append(info)
        regimens.extend((file_path.name, regimen) for regimen in rule_file.regimens)
    _check_unique_names(regimens)
    rule_set = RuleSet(folder, tuple(files), tuple(regimen for _, regimen in regimens))
    if (folder / MANIFEST).exists() or (folder / MANIFEST).is_symlink():
        _check_manifest(rule_set)
        return rule_set
    if not unverified:
        raise RulesError(
            f"rules folder '{folder}' has no {MANIFEST}, so nothing shows its rule files were "
            f"reviewed; after review, create it: cd {shlex.quote(str(folder))} && "
            f"sha256sum *.toml > {MANIFEST}"
        )
    return dataclasses.replace(rule_set, verified=False)


def rules_sha256(path: str | os.PathLike[str] | None = None) -> str:
    """The ``sha256`` that `load_rules` would give the folder, from its files' bytes alone.

    Nothing is validated: a match says only that these are the very files checked
    before (what each ``dosecalc serve`` session verifies before it starts).
    """
    _, paths = _rule_files(path)
    return hashlib.sha256(
        _manifest(
            (p.name, hashlib.sha256(_read_regular_file(p)).hexdigest()) for p in paths
        ).encode()
    ).hexdigest()


def _rule_files(path: str | os.PathLike[str] | None) -> tuple[Path, list[Path]]:
    """The folder ``path`` names (default: `default_rules_path`) and its ``*.toml`` files.

    A name that is no path (a number, bytes), too long for the system, or holding a NUL is
    refused as `RulesError`, quoting at most the start of it."""
    try:
        name = os.fspath(path) if path is not None else None
    except TypeError:
        name = None
    if path is not None and not isinstance(name, str):  # a number, bytes, an object
        raise RulesError(
            f"the rules folder must be named by text or a path, not {type(path).__name__}"
        )
    if name is not None and not name.strip():
        raise RulesError("the rules folder's name is empty (it would mean the current folder)")
    folder = Path(name) if name is not None else default_rules_path()
    _check_name(str(folder), f"rules folder {quoted(str(folder))}")
    try:
        if not folder.is_dir():
            raise RulesError(
                f"rules folder {quoted(str(folder))} does not exist or is not a folder"
            )
        paths = sorted(folder.glob("*.toml"))
    except (OSError, ValueError) as error:  # a name too long, a NUL, a folder we may not read
        reason = getattr(error, "strerror", None) or str(error)
        raise RulesError(f"rules folder {quoted(str(folder))} cannot be read ({reason})") from None
    if not paths:
        raise RulesError(f"rules folder {quoted(str(folder))} holds no rule files (*.toml)")
    for file_path in paths:
        _check_name(file_path.name, f"rule file '{file_path.name}'", spaces=False)
    return folder, paths


def _check_name(name: str, shown: str, *, spaces: bool = True) -> None:
    """A folder or file name reaches every report (the rules' version), ``rules``, ``rules
    --check`` and ``rules diff``: one with a line break, a control, format or separator
    character, or bytes that are not UTF-8, could forge the tool's own lines. It is refused,
    never shown. A rule file's name may hold no space either (``spaces=False``): a report
    wraps its lines at spaces, and the part of a name after one would begin a line."""
    for character in name:
        if "\udc80" <= character <= "\udcff":
            what = "a byte that is not UTF-8"
        elif is_control(character):
            what = f"the control character U+{ord(character):04X}"
        elif not spaces and (character.isspace() or unicodedata.category(character) == "Zs"):
            what = f"a space (U+{ord(character):04X})"
        else:
            continue
        raise RulesError(
            f"{shown}: its name holds {what}, which could forge lines on a reviewer's "
            "screen; rename it with printable characters only"
            + ("" if spaces else " and no space (a hyphen in its place)")
        )


def _manifest(digests: Iterable[tuple[str, str]]) -> str:
    """The ``sha256sum`` listing of ``(name, sha256)`` pairs."""
    return "".join(f"{digest}  {name}\n" for name, digest in digests)


@functools.lru_cache(maxsize=8)
def cached_rules(path: Path) -> RuleSet:
    """`load_rules` once per folder and process (what ``rules=None`` uses)."""
    return load_rules(path)


def rules_in_force() -> RuleSet:
    """The rules `default_rules_path` names, loaded once per folder and process (what
    ``rules=None`` uses). The folder is resolved once per value of ``$DOSECALC_RULES``
    (and working folder, for a relative one): a call does no file system work."""
    configured = os.environ.get(RULES_ENV) or None
    relative = configured is not None and not os.path.isabs(configured)
    return _rules_in_force(configured, os.getcwd() if relative else None)


@functools.lru_cache(maxsize=8)
def _rules_in_force(configured: str | None, working_folder: str | None) -> RuleSet:
    return cached_rules(default_rules_path().resolve())


def _read_regular_file(path: Path) -> bytes:
    """The bytes of ``path``, which must be a regular file of at most MAX_RULE_FILE_BYTES
    in the folder itself: never a link (to /dev/zero, say), a pipe that would block, or a
    device that never ends."""
    try:
        handle = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as error:
        reason = "it is a symbolic link" if path.is_symlink() else error.strerror
        raise RulesError(
            f"{path.name}: cannot be read ({reason}); a rule file is a plain file"
        ) from None
    if not stat.S_ISREG(os.fstat(handle).st_mode):
        os.close(handle)
        raise RulesError(
            f"{path.name}: cannot be read: it is not a regular file (a folder, pipe or device?)"
        )
    try:
        with os.fdopen(handle, "rb") as file:
            raw = file.read(MAX_RULE_FILE_BYTES + 1)
    except OSError as error:  # a disk or network share failing mid-read
        raise RulesError(f"{path.name}: cannot be read ({error.strerror or error})") from None
    if len(raw) > MAX_RULE_FILE_BYTES:
        raise RulesError(
            f"{path.name}: over {MAX_RULE_FILE_BYTES:,} bytes is more than a rule file may hold"
        )
    return raw


def _load_file(path: Path) -> tuple[RuleFileInfo, RuleFile]:
    from pydantic import ValidationError  # with the schema, only when a folder is loaded

    from dosecalc.ruleset.schema import RuleFile

    raw = _read_regular_file(path)
    try:
        data = tomllib.loads(raw.decode("utf-8"), parse_float=Decimal)
    except UnicodeDecodeError:
        raise RulesError(f"{path.name}: is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as error:
        raise RulesError(f"{path.name}: invalid TOML: {error}") from None
    except RecursionError:
        raise RulesError(f"{path.name}: nested too deeply to be a rule file") from None
    try:
        rule_file = RuleFile.model_validate(data)
    except ValidationError as error:
        problems = [
            f"{'.'.join(str(part) for part in e['loc'])}: {e['msg']}"
            for e in error.errors()[:_MAX_REPORTED_PROBLEMS]
        ]
        more = error.error_count() - len(problems)
        raise RulesError(
            f"{path.name}: " + "; ".join(problems) + (f"; and {more} more" if more else "")
        ) from None
    return RuleFileInfo(path.name, rule_file.version, hashlib.sha256(raw).hexdigest()), rule_file


def _check_manifest(rule_set: RuleSet) -> None:
    """Every rule file must be listed in the folder's MANIFEST.sha256, unchanged."""
    path = rule_set.path / MANIFEST
    raw = _read_regular_file(path)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        at = raw.count(b"\n", 0, error.start) + 1
        raise RulesError(f"{path}: is not UTF-8 text (line {at})") from None
    if not text:
        raise RulesError(f"{path}: is empty; it lists no reviewed rule file")
    # Lines end at a line feed only, as sha256sum writes them: never at a CR, U+2028 or the
    # other breaks str.splitlines knows, which a name could hide.
    lines = text.removesuffix("\n").split("\n")
    listed: dict[str, str] = {}
    for number, line in enumerate(lines, start=1):
        digest, name = _manifest_line(line, f"{path}: line {number}")
        if name in listed:
            raise RulesError(f"{path}: line {number} lists {name} a second time")
        listed[name] = digest
    actual = {info.name: info.sha256 for info in rule_set.files}
    for name in sorted(listed.keys() | actual.keys()):
        if name not in actual:
            raise RulesError(f"{path}: lists {name}, which is not in the folder")
        if name not in listed:
            raise RulesError(f"{path}: {name} is not listed (a rule file nobody reviewed?)")
        if listed[name] != actual[name]:
            raise RulesError(
                f"{path}: {name} differs from its reviewed SHA-256 (edited without review?)"
            )


_HEX: Final = frozenset("0123456789abcdef")


def _manifest_line(line: str, where: str) -> tuple[str, str]:
    """The SHA-256 and file name of one line as ``sha256sum`` writes it (``<64 lower-case hex
    digits>  <name>``); anything else is refused, saying what is wrong with the line."""
    digest, separator, name = line.partition("  ")
    if line.startswith("\ufeff"):
        problem = "begins with a byte order mark (BOM)"
    elif line.endswith("\r"):
        problem = "ends in a carriage return (CRLF line ends)"
    elif not line:
        problem = "is empty"
    elif any(is_control(c) for c in line):
        problem = "holds a control character (a tab, say)"
    elif line != line.strip(" ") or any(c.isspace() and c != " " for c in line[:66]):
        problem = "has a space out of place (before or after it, or another kind of space)"
    elif line[64:66] == " *":
        problem = "names its file in binary mode (' *')"
    elif not (separator and len(digest) == 64 and set(digest) <= _HEX):
        problem = "does not begin with a SHA-256 (64 lower-case hex digits) and two spaces"
    else:
        return digest, name
    raise RulesError(f"{where} is not '<sha256>  <file name>' as sha256sum writes it: it {problem}")


def _check_unique_names(regimens: list[tuple[str, Regimen]]) -> None:
    seen: dict[str, str] = {}
    for file_name, regimen in regimens:
        for name in (regimen.id, *regimen.aliases):
            if name in seen:
                raise RulesError(
                    f"{file_name}: regimen '{regimen.id}': the name '{name}' is already used "
                    f"in {seen[name]}"
                )
            seen[name] = f"{file_name} (regimen '{regimen.id}')"
