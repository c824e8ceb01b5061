"""Fixtures shared by the tests."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

import dosecalc
from dosecalc.faces.cli import main

REPO = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"
"""What the tests read: the bad-input corpus, the source's Table 1 and the external worked
cases. The repository carries it all, so a clone or an sdist tests itself alone."""

# No wall-clock deadline in any profile: a busy 2-core machine must stay green, and speed
# lives in benchmarks/. With CI set, hypothesis loads its own "ci" profile (no deadline either).
settings.register_profile("local", deadline=None)
if not os.environ.get("CI"):
    settings.load_profile("local")
# A light profile for mutation testing (scripts/mutation-test), where each test runs many times.
settings.register_profile(
    "mutation", max_examples=10, derandomize=True, database=None, deadline=None
)


def plain_id(text: str) -> str:
    """``text`` as a test id that pytest keeps as it is: printable ASCII but the backslash,
    any other character written as <U+XXXX> ("70<U+200B> kg"). pytest escapes an id it is
    given and keeps the escaped id on the parametrize mark, so a second collection in the
    same process (mutmut runs pytest several times in one) escapes it again: an id holding
    a backslash or a character outside printable ASCII would then no longer name its test."""
    return "".join(
        char if " " <= char <= "~" and char != "\\" else f"<U+{ord(char):04X}>" for char in text
    )


@pytest.fixture
def shipped_rules_dir() -> Path:
    """The rule folder dosecalc uses by default (packaged, or the checkout's)."""
    return dosecalc.default_rules_path()


def reviewed(folder: Path) -> Path:
    """``folder`` with its MANIFEST.sha256 written for its rule files as they are now, as a
    reviewer writes it after review (``cd DIR && sha256sum *.toml > MANIFEST.sha256``): a
    folder without one is refused, and one edited after it, too."""
    listing = "".join(
        f"{hashlib.sha256(path.read_bytes()).hexdigest()}  {path.name}\n"
        for path in sorted(folder.glob("*.toml"))
    )
    (folder / "MANIFEST.sha256").write_text(listing, encoding="utf-8")
    return folder


@pytest.fixture
def rules_copy(tmp_path: Path, shipped_rules_dir: Path) -> Path:
    """A writable copy of the shipped rule files, to break on purpose: without its manifest,
    so that it loads only once a test has signed it as reviewed (`reviewed`)."""
    folder = tmp_path / "rules"
    folder.mkdir()
    for source in shipped_rules_dir.glob("*.toml"):
        shutil.copy(source, folder / source.name)
    return folder


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str]) -> Any:
    """Run ``dosecalc`` in-process: (exit code, stdout, stderr)."""

    class Run:
        out = ""

        def __call__(self, *args: str) -> tuple[int, str, str]:
            try:
                code = main(list(args))
            finally:
                captured = capsys.readouterr()
                self.out = captured.out
            return code, captured.out, captured.err

        def last_out(self) -> str:
            """What the last run printed, also when it ended by SystemExit (``--help``)."""
            return self.out

    return Run()


@pytest.fixture(autouse=True)
def _no_rules_override(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests see the shipped rules unless they set DOSECALC_RULES themselves."""
    monkeypatch.delenv("DOSECALC_RULES", raising=False)


# Flags for headless Chromium on a machine with a closed network (CI's and ours): no GPU,
# no sandbox (CI runs as root) and none of the background connections it would try.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def required_program(name: str) -> str:
    """The path of ``name``. Missing, the test is skipped on a workstation and fails in CI,
    where `.ci/run` installs it: a browser test that silently skips proves nothing."""
    path = shutil.which(name)
    if path is None:
        message = f"{name} is not installed (.ci/run installs it with apt)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture
def chromium(tmp_path: Path) -> list[str]:
    """The command line of a fresh headless Chromium (its own empty profile)."""
    profile = tmp_path / "chromium-profile"
    return [required_program("chromium"), *CHROMIUM_FLAGS, f"--user-data-dir={profile}"]


def default_interrupt() -> None:
    """For a child process (``preexec_fn``): SIGINT at its default, so that Python raises
    KeyboardInterrupt in it however the tests were started (a shell starts a background
    job with SIGINT ignored, and a child inherits that)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
