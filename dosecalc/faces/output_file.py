"""An output file that appears whole or not at all, and never harms what was there.

``dosecalc audit -o FILE`` writes through `replaced_on_success`: a new temporary file
beside the target (a unique name, created exclusively, so a planted symlink is never
followed and two audits never share it), moved onto the target in one step only when the
audit completes. Until then the previous output stays whole; on an error, Ctrl-C or
SIGTERM the temporary file is removed: the SIGTERM handler is in place before the file is
created, and both signals are deferred while it is created and named, so none can act
between its creation and the cleanup that removes it. A target that is the input, or that is not a
regular file (a FIFO, a device, a folder, a symlink), is refused before anything is read.
"""

from __future__ import annotations

import contextlib
import os
import signal
import stat
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import TextIO

from dosecalc.foundation.errors import InputError

EXIT_TERMINATED = 128 + signal.SIGTERM


def refuse_unsafe_target(target: Path, source: Path | None) -> None:
    """Raise `InputError` if writing ``target`` could replace ``source`` or something that
    is not a plain file."""
    try:
        status = os.lstat(target)
    except FileNotFoundError:
        return
    except OSError as error:
        raise _cannot_write(target, error) from None
    if stat.S_ISLNK(status.st_mode):
        problem = "is a symbolic link"
    elif not stat.S_ISREG(status.st_mode):
        problem = "is not a regular file (a folder, a pipe or a device?)"
    elif source is not None and _same_file(source, target):
        problem = "is the orders file itself"
    else:
        return
    raise InputError("output", f"'{target}' {problem}", "Give -o a new or regular file's name")


@contextlib.contextmanager
def replaced_on_success(target: Path, source: Path | None = None) -> Iterator[TextIO]:
    """A text file to write; moved onto ``target`` only if the ``with`` block completes."""
    with _terminated_as_exit():  # first: a SIGTERM from here on unwinds through `finally`
        refuse_unsafe_target(target, source)
        partial: Path | None = None
        try:
            with _signals_deferred():  # created and named before a signal acts
                handle, name = tempfile.mkstemp(
                    dir=target.parent, prefix=f".{target.name}.", suffix=".partial"
                )
                partial = Path(name)
            with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
                os.fchmod(out.fileno(), _mode_for(target))
                yield out
            os.replace(partial, target)
        except OSError as error:
            raise _cannot_write(target, error) from None
        finally:
            if partial is not None:
                partial.unlink(missing_ok=True)


def _same_file(source: Path, target: Path) -> bool:
    try:
        return os.path.samefile(source, target)
    except OSError:
        return False


def _mode_for(target: Path) -> int:
    """The permissions the target has, or a new file's (what the umask allows of 0o666)."""
    with contextlib.suppress(OSError):
        return stat.S_IMODE(os.stat(target).st_mode)
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


@contextlib.contextmanager
def _terminated_as_exit() -> Iterator[None]:
    """SIGTERM unwinds like Ctrl-C does, so that ``finally`` removes the temporary file."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def exit_on_sigterm(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(EXIT_TERMINATED)

    previous = signal.signal(signal.SIGTERM, exit_on_sigterm)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def _signals_deferred() -> Iterator[None]:
    """SIGTERM and SIGINT that arrive inside the block are acted on as it ends.

    The temporary file is created and named inside it, so that no signal interrupts the
    two (a blocked signal mask would not do: another thread, say numpy's, may take it).
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pending: list[int] = []

    def defer(signum: int, frame: FrameType | None) -> None:
        pending.append(signum)

    deferred = (signal.SIGTERM, signal.SIGINT)
    previous = {signum: signal.signal(signum, defer) for signum in deferred}
    try:
        yield
    finally:
        for held, handler in previous.items():
            signal.signal(held, signal.SIG_DFL if handler is None else handler)
        for arrived in pending:
            signal.raise_signal(arrived)  # now to the handler in place: the file is named


def _cannot_write(target: Path, error: OSError) -> InputError:
    return InputError(
        "output",
        f"'{target}' cannot be written ({error.strerror or error})",
        "Choose a folder you can write to, with space left, and run again",
    )
