"""textual-serve's server, made fit for a shared workstation (loaded only to serve).

* Another web page the user has open cannot drive the app: the WebSocket takes only a
  request whose ``Origin`` is this server's own address, and every request must name an
  expected ``Host`` (which stops DNS rebinding of a loopback server).
* Sessions are capped: each one is a process, so a page that opens connections in a loop
  gets refused, not memory exhausted. textual-serve stops each session's process when its
  connection closes.
* The page loads nothing from outside this machine (textual-serve's own font, served here).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Final
from urllib.parse import urlsplit

from aiohttp import web as aiohttp_web
from textual_serve.server import Server

PAGE_TEMPLATES: Final = Path(__file__).resolve().parent / "web_page"

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
    ) -> None:
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

    async def _make_app(self) -> aiohttp_web.Application:
        app = await super()._make_app()

        @aiohttp_web.middleware
        async def guard(
            request: aiohttp_web.Request, handler: Handler
        ) -> aiohttp_web.StreamResponse:
            return await self._guard(request, handler)

        app.middlewares.append(guard)
        return app

    async def _guard(
        self, request: aiohttp_web.Request, handler: Handler
    ) -> aiohttp_web.StreamResponse:
        host = request.host.lower()
        if self._allowed_hosts is not None and host not in self._allowed_hosts:
            raise aiohttp_web.HTTPForbidden(text=f"dosecalc: unexpected Host {host!r}\n")
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


def _netloc(url: str) -> str:
    """``host:port`` of a URL, lower case (``""`` for no URL or an opaque origin)."""
    parts = urlsplit(url)
    return parts.netloc.lower() if parts.scheme in ("http", "https") else ""
