"""``dosecalc serve``: the same Textual app in a browser, through textual-serve.

Each browser session runs its own copy of the app (``python -m
dosecalc.faces.tui``) on the rules the server checked at start: a private copy of them,
held for as long as the server runs and verified by SHA-256 in every session, so a rule
file edited afterwards never reaches a browser. There is no authentication, so the
server listens on loopback unless told otherwise; `web_server` refuses foreign pages,
unexpected Host names and more than ``max_sessions`` sessions at once.
"""

from __future__ import annotations

import errno
import ipaddress
import shlex
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Final
from urllib.parse import urlsplit

from dosecalc.foundation.errors import InputError, RulesError
from dosecalc.ruleset.loader import MANIFEST, RuleSet, load_rules

LOOPBACK: Final = "127.0.0.1"
DEFAULT_PORT: Final = 8000
DEFAULT_MAX_SESSIONS: Final = 8
"""Each session is a process of its own; more than this at once are refused."""


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


def check_public_url(url: str) -> None:
    """Refuse a ``--public-url`` that is not an http(s) URL with a host (and no query)."""
    parts = urlsplit(url)
    try:
        parts.port  # noqa: B018  # an invalid port raises
    except ValueError:
        valid = False
    else:
        valid = parts.scheme in ("http", "https") and bool(parts.hostname)
    if not valid or parts.query or parts.fragment:
        raise InputError(
            "public-url",
            f"{url!r} is not a base URL",
            "Give one such as https://cds.example.org (scheme, host and optional port)",
        )


def allowed_hosts(host: str, port: int, public_url: str | None) -> frozenset[str] | None:
    """The ``Host`` names a request may carry: this server's own addresses. None when it
    listens on every interface and no --public-url names it (any name of this machine;
    the WebSocket's Origin must still match the Host it was sent to)."""
    bare = host.strip("[]").lower()
    names = {f"[{bare}]" if ":" in bare else bare}
    if is_loopback(host):
        names |= {"127.0.0.1", "localhost", "[::1]"}
    elif bare in ("0.0.0.0", "::") and public_url is None:
        return None
    elif bare in ("0.0.0.0", "::"):
        names = set()
    allowed = {f"{name}:{port}" for name in names}
    if port == 80:
        allowed |= names
    if public_url is not None:
        allowed.add(urlsplit(public_url).netloc.lower())
    return frozenset(allowed)


def hold(rules: RuleSet, folder: Path) -> RuleSet:
    """A private copy of the checked rule files in ``folder``, verified to be the very
    files that were checked (the same SHA-256)."""
    folder.chmod(0o700)
    names = [info.name for info in rules.files]
    if (rules.path / MANIFEST).exists():
        names.append(MANIFEST)
    for name in names:
        shutil.copyfile(rules.path / name, folder / name, follow_symlinks=False)
    held = load_rules(folder)
    if held.sha256 != rules.sha256:
        raise RulesError(f"the rules in {rules.path} changed while the server was starting")
    return held


def app_command(rules: RuleSet) -> str:
    """The shell command textual-serve runs for each browser session."""
    return shlex.join(
        [
            sys.executable,
            "-m",
            "dosecalc.faces.tui",
            "--rules",
            str(rules.path),
            "--rules-sha256",
            rules.sha256,
        ]
    )


def addresses(host: str, port: int, public_url: str | None) -> tuple[str, ...]:
    """The URLs the server prints, each one that works: ``--public-url``; else the address
    it listens on, and ``localhost`` for this machine's loopback."""
    if public_url is not None:
        return (public_url.rstrip("/"),)
    listening = url_of(host, port)
    if host.strip("[]").lower() in ("127.0.0.1", "::1", "localhost"):
        return tuple(dict.fromkeys([listening, f"http://localhost:{port}"]))
    return (listening,)


def serve(
    rules: RuleSet,
    host: str,
    port: int,
    public_url: str | None = None,
    max_sessions: int = DEFAULT_MAX_SESSIONS,
) -> int:
    """Serve the app until SIGINT (Ctrl+C) or SIGTERM, on a held copy of ``rules``;
    returns the signal that stopped it (0 if none did)."""
    try:
        from dosecalc.faces.web_server import GuardedServer
    except ImportError:
        raise InputError(
            "serve", "browser mode needs textual-serve", "Install it: pip install 'dosecalc[web]'"
        ) from None
    with tempfile.TemporaryDirectory(prefix="dosecalc-serve-rules-") as folder:
        held = hold(rules, Path(folder))
        return GuardedServer(
            app_command(held),
            host=host.strip("[]"),
            port=port,
            public_url=public_url or url_of(host, port),
            allowed_hosts=allowed_hosts(host, port, public_url),
            max_sessions=max_sessions,
            addresses=addresses(host, port, public_url),
            page_url=public_url,
        ).serve()


def cannot_listen(host: str, port: int, error: OSError) -> InputError:
    """Why a server (`serve`, `web`) could not start listening, in words."""
    where = f"[{host.strip('[]')}]:{port}" if ":" in host else f"{host}:{port}"
    if error.errno == errno.EADDRINUSE:
        return InputError(
            "port",
            f"port {port} is in use on {where} (by another server, or another program)",
            "Choose another with --port, or stop what uses it",
        )
    if error.errno == errno.EACCES:
        return InputError(
            "port",
            f"listening on {where} is not permitted (ports below 1024 need privileges)",
            "Choose a port from 1024 to 65535 with --port",
        )
    return InputError(
        "host",
        f"{host} is not an address of this machine ({error.strerror or error})",
        "Give --host one of this machine's addresses, or leave it out for 127.0.0.1",
    )
