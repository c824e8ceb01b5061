"""textual-serve's server, made fit for a shared workstation (loaded only to serve).

* Another web page the user has open cannot drive the app: the WebSocket takes only a
  request whose ``Origin`` is this server's own address, and every request must name an
  expected ``Host`` (which stops DNS rebinding of a loopback server).
* Sessions are capped: each one is a process, so a page that opens connections in a loop
  gets refused, not memory exhausted. textual-serve stops each session's process when its
  connection closes.
* The page loads nothing from outside this machine (textual-serve's own font, served here).
* Every address the server prints works: the page's WebSocket and files are at the address
  the page was opened at (``localhost`` as well as ``127.0.0.1``), unless ``--public-url``
  names one. A refused request gets a page that says why, and a session the server refuses
  or ends before it starts says so in the tab, never a blank page.
* SIGINT and SIGTERM stop it promptly: every session is closed, then the server, within
  `SHUTDOWN_SECONDS` (an app still running then is killed); `GuardedServer.serve` returns
  the signal, for the exit code. A port in use is said as such, before anything else.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import html
import logging
import re
import signal
import socket
import sys
from asyncio.subprocess import Process
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit

import aiohttp_jinja2
from aiohttp import WSCloseCode
from aiohttp import web as aiohttp_web
from textual_serve.app_service import AppService
from textual_serve.download_manager import DownloadManager
from textual_serve.server import Server, to_int

from dosecalc.faces.web import cannot_listen

log = logging.getLogger("textual-serve")

PAGE_TEMPLATES: Final = Path(__file__).resolve().parent / "web_page"

SHUTDOWN_SECONDS: Final = 3.0
"""How long, after SIGINT or SIGTERM, sessions get to close before they are cut off."""

_PLAIN_HOST: Final = re.compile(r"[a-z0-9.\-]+(?::[0-9]{1,5})?|\[[0-9a-f:.]+\](?::[0-9]{1,5})?")

Handler = Callable[[aiohttp_web.Request], Awaitable[aiohttp_web.StreamResponse]]


class GuardedServer(Server):
    """A textual-serve `Server` that checks Host and Origin and caps concurrent sessions."""

    def __init__(
        self,
        command: str,
        *,
        host: str,
        port: int,
        public_url: str,
        allowed_hosts: frozenset[str] | None,
        max_sessions: int,
        addresses: tuple[str, ...] = (),
        page_url: str | None = None,
    ) -> None:
        """``addresses``: the URLs to print once listening; ``page_url``: the one address
        every page's URLs use (``--public-url``), else each page's own."""
        super().__init__(
            command,
            host=host,
            port=port,
            title="dosecalc",
            public_url=public_url,
            templates_path=PAGE_TEMPLATES,
        )
        self._allowed_hosts = allowed_hosts
        self._public_origin = _netloc(public_url)
        self._max_sessions = max_sessions
        self._sessions = 0
        self._addresses = addresses or (public_url,)
        self._page_url = page_url
        self._open: set[_Session] = set()
        self._stopped_by = 0

    def serve(self, debug: bool = False) -> int:  # type: ignore[override]
        """Serve until SIGINT or SIGTERM; returns which stopped it (0 if neither did).

        Raises `InputError` when the address cannot be listened on (a port in use, say).
        """
        try:
            super().serve(debug)
        except OSError as error:
            if error.errno not in _CANNOT_LISTEN:
                raise
            raise cannot_listen(self.host, self.port, error) from None
        return self._stopped_by

    def _stop(self, signum: int) -> None:
        self._stopped_by = signum
        self.request_exit()

    async def _make_app(self) -> aiohttp_web.Application:
        _can_listen(self.host, self.port)  # before a word is said of where it serves
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):  # which signal stopped it: the code
            loop.add_signal_handler(signum, self._stop, signum)
        app = await super()._make_app()

        @aiohttp_web.middleware
        async def guard(
            request: aiohttp_web.Request, handler: Handler
        ) -> aiohttp_web.StreamResponse:
            return await self._guard(request, handler)

        app.middlewares.append(guard)
        return app

    def _say_where(self) -> None:
        """Every address that works (the port was free a moment ago)."""
        also = "".join(f" (also {address})" for address in self._addresses[1:])
        print(
            f"dosecalc: serving on {self._addresses[0]}{also}; Ctrl-C stops it",
            file=sys.stderr,
            flush=True,
        )

    async def on_startup(self, app: aiohttp_web.Application) -> None:
        """textual-serve prints a banner here: dosecalc says where it serves instead."""
        self._say_where()

    async def on_shutdown(self, app: aiohttp_web.Application) -> None:
        """End every session now: its app is stopped and its tab told the server went away,
        within `SHUTDOWN_SECONDS` (an app still running then is killed)."""
        sessions = list(self._open)
        for session in sessions:
            session.end()
        for session in sessions:
            with contextlib.suppress(Exception):  # a tab gone already, or one that never answers
                await asyncio.wait_for(
                    session.websocket.close(code=WSCloseCode.GOING_AWAY), SHUTDOWN_SECONDS
                )
        for session in sessions:
            await session.stopped(within=SHUTDOWN_SECONDS)

    async def handle_websocket(self, request: aiohttp_web.Request) -> aiohttp_web.WebSocketResponse:
        """textual-serve's session (its handler, with each session remembered so that a
        signal can end it, and a close that waits for the tab at most `SHUTDOWN_SECONDS`)."""
        websocket = aiohttp_web.WebSocketResponse(heartbeat=15, timeout=SHUTDOWN_SECONDS)
        width = to_int(request.query.get("width", "80"), 80)
        height = to_int(request.query.get("height", "24"), 24)
        app_service: _Session | None = None
        try:
            await websocket.prepare(request)
            app_service = _Session(
                self.command,
                websocket=websocket,
                download_manager=self.download_manager,
                debug=self.debug,
            )
            self._open.add(app_service)
            await app_service.start(width, height)
            try:
                await self._process_messages(websocket, app_service)
            finally:
                await app_service.stop()
        except asyncio.CancelledError:
            await websocket.close()
        except Exception as error:
            log.exception(error)
        finally:
            if app_service is not None:
                self._open.discard(app_service)
                await app_service.stop()
        return websocket

    @aiohttp_jinja2.template("app_index.html")
    async def handle_index(self, request: aiohttp_web.Request) -> dict[str, Any]:
        """textual-serve's page, whose WebSocket and files are at the address the page was
        opened at (one the guard let through), or at ``--public-url``."""
        base = self._page_url or f"{request.scheme}://{request.host}"
        router = request.app.router
        socket_scheme = "wss:" if base.startswith("https:") else "ws:"
        static = f"{base}{router['static'].url_for(filename='/')}".rstrip("/") + "/"
        return {
            "font_size": to_int(request.query.get("fontsize", "16"), 16),
            "app_websocket_url": socket_scheme
            + f"{base}{router['websocket'].url_for()}".split(":", 1)[1],
            "config": {"static": {"url": static}},
            "application": {"name": self.title},
            "addresses": self._addresses,
        }

    async def _guard(
        self, request: aiohttp_web.Request, handler: Handler
    ) -> aiohttp_web.StreamResponse:
        host = request.host.lower()
        if not _PLAIN_HOST.fullmatch(host) or (
            self._allowed_hosts is not None and host not in self._allowed_hosts
        ):
            raise aiohttp_web.HTTPForbidden(
                text=self._refusal(f"this server does not answer to the name {host!r}"),
                content_type="text/html",
            )
        if request.path != "/ws":
            return await handler(request)
        origin = _netloc(request.headers.get("Origin", ""))
        if origin not in {host, self._public_origin}:
            raise aiohttp_web.HTTPForbidden(text="dosecalc: a page of another site\n")
        if self._sessions >= self._max_sessions:
            raise aiohttp_web.HTTPServiceUnavailable(
                text=f"dosecalc: {self._max_sessions} sessions are open already; close one\n"
            )
        self._sessions += 1
        try:
            return await handler(request)
        finally:
            self._sessions -= 1

    def _refusal(self, why: str) -> str:
        """A page a person can read: what was refused, and the addresses that work."""
        links = "".join(f"<li>{html.escape(address)}</li>" for address in self._addresses)
        return (
            '<!DOCTYPE html><html lang="en"><meta charset="utf-8"><title>dosecalc: refused</title>'
            f"<h1>dosecalc refused this request</h1><p>{html.escape(why)}.</p>"
            f"<p>Open dosecalc at an address the server printed:</p><ul>{links}</ul>\n"
        )


class _Session(AppService):
    """One browser session's app process, which the server can end at once."""

    def __init__(
        self,
        command: str,
        *,
        websocket: aiohttp_web.WebSocketResponse,
        download_manager: DownloadManager,
        debug: bool,
    ) -> None:
        async def close() -> None:
            await websocket.close()

        super().__init__(
            command,
            write_bytes=websocket.send_bytes,
            write_str=websocket.send_str,
            close=close,
            download_manager=download_manager,
            debug=debug,
        )
        self.websocket = websocket
        self._app: asyncio.subprocess.Process | None = None

    async def _open_app_process(self, width: int = 80, height: int = 24) -> Process:
        self._app = await super()._open_app_process(width, height)
        return self._app

    def end(self) -> None:
        """Ask the app to stop (SIGTERM)."""
        if self._app is not None and self._app.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self._app.terminate()

    async def stopped(self, within: float) -> None:
        """Wait for the app to stop, ``within`` seconds before it is killed."""
        if self._app is None:
            return
        try:
            await asyncio.wait_for(self._app.wait(), within)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                self._app.kill()
            await self._app.wait()
        if self._app.stdin is not None:  # closed while the loop runs, not when collected
            self._app.stdin.close()


_CANNOT_LISTEN: Final = (errno.EADDRINUSE, errno.EACCES, errno.EADDRNOTAVAIL)


def _can_listen(host: str, port: int) -> None:
    """Raise `InputError` if ``host:port`` cannot be listened on (as aiohttp binds it)."""
    try:
        found = socket.getaddrinfo(
            host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )
    except OSError as error:
        raise cannot_listen(host, port, error) from None
    for family, kind, protocol, _, address in found:
        with socket.socket(family, kind, protocol) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as asyncio does
            if family == socket.AF_INET6:
                probe.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            try:
                probe.bind(address)
            except OSError as error:
                raise cannot_listen(host, port, error) from None


def _netloc(url: str) -> str:
    """``host:port`` of a URL, lower case (``""`` for no URL or an opaque origin)."""
    parts = urlsplit(url)
    return parts.netloc.lower() if parts.scheme in ("http", "https") else ""
