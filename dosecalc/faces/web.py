"""``dosecalc serve``: the same Textual app in a browser, through textual-serve.

Each browser session runs its own copy of the app (``python -m
dosecalc.faces.tui``) on the rule folder the server checked at start. There is no
authentication, so the server listens on loopback unless told otherwise.
"""

from __future__ import annotations

import ipaddress
import shlex
import sys
from typing import Final

from dosecalc.foundation.errors import InputError
from dosecalc.ruleset.loader import RuleSet

LOOPBACK: Final = "127.0.0.1"
DEFAULT_PORT: Final = 8000


def is_loopback(host: str) -> bool:
    """True for an address only this machine can reach: 127.0.0.0/8, ::1, localhost."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to any address


def no_authentication_warning(url: str) -> str:
    return (
        f"WARNING: dosecalc is serving on {url} with no authentication. Anyone who can "
        "reach this address can use the app. Serve beyond this machine only on a network "
        f"you trust; without --host it listens on {LOOPBACK}, this machine only."
    )


def url_of(host: str, port: int) -> str:
    """``http://127.0.0.1:8000``, with an IPv6 address in brackets."""
    bare = host.strip("[]")
    return f"http://[{bare}]:{port}" if ":" in bare else f"http://{bare}:{port}"


def app_command(rules: RuleSet) -> str:
    """The shell command textual-serve runs for each browser session."""
    return shlex.join([sys.executable, "-m", "dosecalc.faces.tui", "--rules", str(rules.path)])


def serve(rules: RuleSet, host: str, port: int, public_url: str | None = None) -> None:
    """Serve the app until interrupted (Ctrl+C)."""
    try:
        from textual_serve.server import Server
    except ImportError:
        raise InputError(
            "serve", "browser mode needs textual-serve", "Install it: pip install 'dosecalc[web]'"
        ) from None
    Server(
        app_command(rules),
        host=host.strip("[]"),
        port=port,
        title="dosecalc",
        public_url=public_url or url_of(host, port),
    ).serve()
