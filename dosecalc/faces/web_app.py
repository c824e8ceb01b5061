"""``dosecalc web``: the HTML face and, with a trust file, the CDS Hooks service, served by
aiohttp from one held copy of the rules (loaded only to serve).

* Every request must name one of the server's own ``Host`` names (no DNS rebinding), as
  ``dosecalc serve`` does; others get 403.
* ``GET /`` is the page (`dosecalc.faces.html_face`); ``/static/`` its stylesheet. Any other
  path is 404, and nothing answers a POST but the CDS Hooks service.
* Below ``/cds-services`` (only with ``--trust``): discovery without a token; each hook and
  its feedback only with a token the trust file vouches for (`dosecalc.faces.trust`). Every
  answer there that is not 2xx is an OperationOutcome, and never a traceback. CORS is
  answered for the trust file's origins only, never ``*``.
* Tokens and request bodies are never logged; why a token was refused goes to stderr.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import sys
import traceback
import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Final

from aiohttp import web

from dosecalc.faces import cds_hooks, html_face
from dosecalc.faces.trust import TokenError, Trust
from dosecalc.faces.web import cannot_listen
from dosecalc.foundation.errors import InputError
from dosecalc.foundation.text import one_line, printable, quoted
from dosecalc.ruleset.loader import RuleSet

MAX_BODY_BYTES: Final = 1024 * 1024
"""A hook request or feedback larger than this is refused (413)."""
MAX_JSON_DEPTH: Final = 100
"""The most arrays and objects a hook request or feedback may nest (a hook request nests
about a dozen): deeper is refused (400) saying so, the same whatever Python's recursion
limit, and nothing after the reading recurses without bound."""

CDS_ROOT: Final = "/cds-services"
SERVICE_PATH: Final = f"{CDS_ROOT}/{cds_hooks.SERVICE_ID}"
FEEDBACK_PATH: Final = f"{SERVICE_PATH}/feedback"
REMEMBERED_CARDS: Final = 10_000
"""How many issued cards are remembered for their feedback (the oldest are forgotten)."""

FHIR_JSON: Final = "application/fhir+json"
JSON: Final = "application/json"
PAGE_HEADERS: Final = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
UNAUTHORIZED: Final = cds_hooks.operation_outcome(
    "login", "the request needs a valid bearer token from an issuer this service trusts"
)
"""The one answer to any token failure: the same whatever failed."""

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class WebService:
    """The aiohttp application of ``dosecalc web``."""

    def __init__(
        self,
        rules: RuleSet,
        *,
        base_url: str,
        allowed_hosts: frozenset[str] | None,
        trust: Trust | None = None,
        feedback_log: Path | None = None,
        weight_max_age: int | None = None,
        log: Callable[[str], None] | None = None,
        debug: bool = False,
    ) -> None:
        """``log`` takes the server's own lines (stderr by default); with ``debug``, an
        internal error's traceback is among them (never in an answer)."""
        self.rules = rules
        self.base_url = base_url.rstrip("/")
        self.allowed_hosts = allowed_hosts
        self.trust = trust
        self.feedback_log = feedback_log
        self.weight_max_age = weight_max_age
        self._log = log or _to_stderr
        self._debug = debug
        self._cards: OrderedDict[str, dict[str, str]] = OrderedDict()

    def app(self) -> web.Application:
        _quiet_aiohttp_logs()
        app = web.Application(
            client_max_size=MAX_BODY_BYTES, middlewares=[self._guard, self._cds_errors]
        )
        app.router.add_get("/", self.page)
        app.router.add_get("/static/dosecalc.css", self.stylesheet)
        if self.trust is not None:
            app.router.add_get(CDS_ROOT, self.discovery)
            app.router.add_route("OPTIONS", CDS_ROOT, self.preflight)
            app.router.add_post(SERVICE_PATH, self.hook)
            app.router.add_route("OPTIONS", SERVICE_PATH, self.preflight)
            app.router.add_post(FEEDBACK_PATH, self.feedback)
            app.router.add_route("OPTIONS", FEEDBACK_PATH, self.preflight)
        return app

    # The HTML face

    async def page(self, request: web.Request) -> web.Response:
        query = {name: request.query.getall(name) for name in request.query}
        page = html_face.answer(query, self.rules)
        return web.Response(
            text=html_face.render(page, self.rules),
            status=page.status,
            content_type="text/html",
            charset="utf-8",
            headers=PAGE_HEADERS,
        )

    async def stylesheet(self, request: web.Request) -> web.Response:
        return web.Response(
            body=(html_face.STATIC / "dosecalc.css").read_bytes(),
            content_type="text/css",
            charset="utf-8",
            headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache"},
        )

    # CDS Hooks

    async def discovery(self, request: web.Request) -> web.Response:
        return web.json_response(cds_hooks.discovery(self.rules))

    async def preflight(self, request: web.Request) -> web.Response:
        return web.Response(status=204, headers={"Allow": "GET, POST, OPTIONS"})

    async def hook(self, request: web.Request) -> web.Response:
        self._authenticate(request, f"{self.base_url}{SERVICE_PATH}")
        body = await _json_body(request)
        # Off the event loop: a request of thousands of orders never stalls other requests.
        issued = await asyncio.to_thread(
            cds_hooks.answer, body, self.rules, self.base_url, weight_max_age=self.weight_max_age
        )
        for card in issued:
            self._remember(card)
        return web.json_response({"cards": [card.card for card in issued]})

    async def feedback(self, request: web.Request) -> web.Response:
        iss = self._authenticate(request, f"{self.base_url}{FEEDBACK_PATH}")
        body = await _json_body(request)
        entries = _feedback_entries(body)
        if self.feedback_log is not None:
            received = datetime.now(UTC).isoformat().replace("+00:00", "Z")
            lines = []
            for entry in entries:
                kept = {k: entry[k] for k in _FEEDBACK_KEPT if k in entry}
                known = self._cards.get(entry["card"], {})
                line = {
                    **kept,
                    "received": received,
                    "iss": iss,
                    "service": cds_hooks.SERVICE_ID,
                    **known,
                }
                try:  # NaN or Infinity, which Python reads, is no JSON to write to the log
                    written = json.dumps(line, ensure_ascii=False, default=str, allow_nan=False)
                    # A control character (U+202E, U+2028, a lone surrogate) only ever stands
                    # inside a JSON string, where its \uXXXX escape is the same JSON: escaped,
                    # no reader of the log is reordered, split or refused by one.
                    lines.append(one_line(written) + "\n")
                except ValueError:
                    raise cds_hooks.HookError(
                        400, "invalid", "the feedback holds NaN or Infinity, which is not JSON"
                    ) from None
            _append(self.feedback_log, "".join(lines))
        return web.json_response({})

    def _authenticate(self, request: web.Request, audience: str) -> str:
        assert self.trust is not None
        try:
            return self.trust.verify(request.headers.get("Authorization"), audience)
        except TokenError as error:
            self._log(f"dosecalc: refused a token on {request.path}: {printable(str(error))}")
            raise _UnauthorizedError from None

    def _remember(self, issued: cds_hooks.IssuedCard) -> None:
        card = issued.card
        self._cards[card["uuid"]] = {
            "hook": issued.hook,
            "hookInstance": issued.hook_instance,
            "indicator": card["indicator"],
            "summary": card["summary"],
            "rules_version": self.rules.version,
            "rules_sha256": self.rules.sha256,
        }
        while len(self._cards) > REMEMBERED_CARDS:
            self._cards.popitem(last=False)

    # Middlewares

    @web.middleware
    async def _guard(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """403 for a Host that is not this server's; CORS for the trust file's origins."""
        host = request.host.lower()
        cds = _below_cds(request.path)
        if self.allowed_hosts is not None and host not in self.allowed_hosts:
            why = "this server does not answer to that host name"
            response: web.StreamResponse = (
                _outcome(403, "forbidden", why) if cds else _page_error(403, why)
            )
        else:
            response = await handler(request)
        origin = request.headers.get("Origin")
        trusted = self.trust.allowed_origins if self.trust is not None else frozenset()
        if cds and origin and origin.lower() in trusted:
            response.headers["Access-Control-Allow-Origin"] = origin
            response.headers["Vary"] = "Origin"
            if request.method == "OPTIONS":
                response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
                response.headers["Access-Control-Allow-Headers"] = "Authorization, Content-Type"
                response.headers["Access-Control-Max-Age"] = "600"
        return response

    @web.middleware
    async def _cds_errors(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Every answer that is not 2xx as an OperationOutcome below ``/cds-services``, a
        page elsewhere; never a traceback."""
        cds = _below_cds(request.path)
        try:
            return await handler(request)
        except _UnauthorizedError:
            response = _json(401, UNAUTHORIZED)
            response.headers["WWW-Authenticate"] = 'Bearer realm="dosecalc"'
            return response
        except cds_hooks.HookError as error:
            return _outcome(error.status, error.code, error.text)
        except web.HTTPException as error:
            if error.status < 400:
                raise
            why = _REASONS.get(error.status, error.reason)
            if cds:
                code = _ISSUE_CODES.get(error.status, "processing")
                response = _outcome(error.status, code, why)
            else:
                response = _page_error(error.status, why)
            if "Allow" in error.headers:  # a 405 says which methods are answered
                response.headers["Allow"] = error.headers["Allow"]
            return response
        except (asyncio.CancelledError, KeyboardInterrupt):
            raise
        except Exception as error:
            self._log(f"dosecalc: internal error on {request.path} ({type(error).__name__})")
            if self._debug:
                self._log("".join(traceback.format_exception(error)).rstrip())
            if cds:
                return _outcome(500, "exception", "internal error; nothing was checked")
            return _page_error(500, "internal error; nothing was calculated")


class _UnauthorizedError(Exception):
    """A token refused; the caller gets `UNAUTHORIZED`, whatever the reason."""


_FEEDBACK_KEPT: Final = (
    *("card", "outcome", "outcomeTimestamp"),
    *("overrideReason", "acceptedSuggestions"),
)
_ISSUE_CODES: Final = {
    400: "invalid",
    403: "forbidden",
    404: "not-found",
    405: "not-supported",
    413: "too-long",
    415: "invalid",
}
_REASONS: Final = {
    404: "nothing is served at this address",
    405: "this method is not answered at this address",
    413: f"the body is over {MAX_BODY_BYTES:,} bytes",
}


def _below_cds(path: str) -> bool:
    return path == CDS_ROOT or path.startswith(f"{CDS_ROOT}/")


def _json(status: int, data: object) -> web.Response:
    return web.Response(
        text=json.dumps(data), status=status, content_type=FHIR_JSON, charset="utf-8"
    )


def _outcome(status: int, code: str, text: str) -> web.Response:
    return _json(status, cds_hooks.operation_outcome(code, text))


def _page_error(status: int, why: str) -> web.Response:
    text = (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>dosecalc: {status}</title></head><body><main><h1>dosecalc: {status}</h1>"
        f'<p>{why}.</p><p><a href="/">Open the calculator</a></p></main></body></html>\n'
    )
    return web.Response(
        text=text, status=status, content_type="text/html", charset="utf-8", headers=PAGE_HEADERS
    )


async def _json_body(request: web.Request) -> object:
    """The request's JSON (numbers with decimals as `Decimal`, read as written); 415 for a
    body not sent as ``application/json`` (CDS Hooks sends no other), 413 for one over
    `MAX_BODY_BYTES`, 400 for one that is not JSON."""
    if request.content_type != JSON:  # text/plain or a form is not read as JSON anyway
        raise cds_hooks.HookError(
            415, "not-supported", f"the body must be sent as {JSON} (CDS Hooks' only type)"
        )
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        raise web.HTTPRequestEntityTooLarge(
            max_size=MAX_BODY_BYTES, actual_size=request.content_length
        )
    raw = await request.read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise cds_hooks.HookError(400, "invalid", "the body is not UTF-8") from None
    # Each refusal says its own reason: valid JSON nested too deeply, or with an integer too
    # long to read, was called "not JSON in UTF-8", sending the EHR's staff the wrong way.
    deep = f"the body's JSON nests more than {MAX_JSON_DEPTH} levels deep"
    try:
        read = json.loads(text, parse_float=Decimal, object_pairs_hook=_one_value_per_key)
    except _KeyTwiceError as twice:
        raise cds_hooks.HookError(
            400,
            "invalid",
            f"the key {twice} appears twice in one object: which value is meant cannot be told",
        ) from None
    except json.JSONDecodeError:
        raise cds_hooks.HookError(400, "invalid", "the body is not JSON") from None
    except RecursionError:
        raise cds_hooks.HookError(400, "too-costly", deep) from None
    except ValueError:  # the one other: an integer longer than Python turns into a number
        raise cds_hooks.HookError(
            400,
            "too-costly",
            f"a number in the body has more than {sys.get_int_max_str_digits():,} digits, "
            "more than this service reads",
        ) from None
    if _nests_deeper(read, MAX_JSON_DEPTH):
        raise cds_hooks.HookError(400, "too-costly", deep)
    return read


def _nests_deeper(value: object, limit: int) -> bool:
    """Whether JSON nests more than ``limit`` arrays and objects deep; walked without
    recursion, so any depth is measured."""
    waiting: list[tuple[object, int]] = [(value, 1)]
    while waiting:
        found, depth = waiting.pop()
        inner = list(found.values()) if isinstance(found, dict) else found
        if isinstance(inner, list):
            if depth > limit:
                return True
            waiting.extend((item, depth + 1) for item in inner)
    return False


class _KeyTwiceError(ValueError):
    """A JSON object that gives one key twice: readers differ on which value wins (Python's
    the last, others the first), so neither is read."""


def _one_value_per_key(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    read: dict[str, Any] = {}
    for key, value in pairs:  # one pass: an object of a million keys costs no more
        if key in read:
            raise _KeyTwiceError(quoted(key))
        read[key] = value
    return read


def _feedback_entries(body: object) -> list[dict[str, Any]]:
    """The feedback entries, each as the spec requires; raises `HookError` (400) for any
    that is not, and then nothing is logged."""

    def bad(text: str) -> cds_hooks.HookError:
        return cds_hooks.HookError(400, "invalid", text)

    if not isinstance(body, dict) or not isinstance(body.get("feedback"), list):
        raise bad('the body must be {"feedback": [...]}')
    entries: list[dict[str, Any]] = body["feedback"]
    if not entries:
        raise bad("'feedback' holds no entry")
    for position, entry in enumerate(entries):
        at = f"feedback[{position}]"
        if not isinstance(entry, dict):
            raise bad(f"{at} is not an object")
        if not isinstance(entry.get("card"), str) or not _is_uuid(entry["card"]):
            raise bad(f"{at}.card must be the card's uuid")
        outcome = entry.get("outcome")
        if outcome not in ("accepted", "overridden"):
            raise bad(f"{at}.outcome must be 'accepted' or 'overridden'")
        if not _is_utc_timestamp(entry.get("outcomeTimestamp")):
            raise bad(f"{at}.outcomeTimestamp must be an RFC 3339 time in UTC")
        if outcome == "accepted":
            accepted = entry.get("acceptedSuggestions")
            if not isinstance(accepted, list) or not all(
                isinstance(s, dict) and isinstance(s.get("id"), str) for s in accepted
            ):
                raise bad(f"{at}.acceptedSuggestions must list the suggestions accepted")
        reason = entry.get("overrideReason")
        if outcome == "overridden" or reason is not None:
            if not isinstance(reason, dict) or not (
                _is_coding(reason.get("reason")) or isinstance(reason.get("userComment"), str)
            ):
                raise bad(f"{at}.overrideReason needs a reason (a Coding) and/or a userComment")
            if "reason" in reason and not _is_coding(reason["reason"]):
                raise bad(f"{at}.overrideReason.reason must be a Coding")
            if "userComment" in reason and not isinstance(reason["userComment"], str):
                raise bad(f"{at}.overrideReason.userComment must be a string")
    return entries


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


def _is_coding(value: object) -> bool:
    return (
        isinstance(value, dict)
        and isinstance(value.get("code"), str)
        and isinstance(value.get("system", ""), str)
    )


def _is_utc_timestamp(value: object) -> bool:
    if not isinstance(value, str) or "T" not in value.upper():
        return False
    try:
        when = datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    except ValueError:
        return False
    return when.utcoffset() is not None and when.utcoffset().total_seconds() == 0  # type: ignore[union-attr]


def open_feedback_log(path: Path) -> None:
    """Create the feedback log (mode 0600) if it is not there, and check it can be
    appended to: before the server listens. Raises `InputError`."""
    try:
        handle = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    except OSError as error:
        raise InputError(
            "feedback-log",
            f"{path} cannot be opened for appending ({error.strerror or error})",
            "Give a file in a folder you may write to",
        ) from None
    os.close(handle)


def _append(path: Path, text: str) -> None:
    handle = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(handle, text.encode("utf-8"))
    finally:
        os.close(handle)


class _NoRequestText(logging.Filter):
    """aiohttp logs a request it cannot parse with the text it could not parse (a header
    holding a bearer token, say) and a traceback: said instead in one line, without them,
    so that no token or request text is ever logged."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = "dosecalc: a request aiohttp could not handle was refused (%s)"
        record.args = (type(record.exc_info[1]).__name__ if record.exc_info else "no detail",)
        record.exc_info = None
        record.exc_text = None
        record.stack_info = None
        return True


_QUIET: Final = _NoRequestText()


def _quiet_aiohttp_logs() -> None:
    """Put `_NoRequestText` on aiohttp's loggers of requests, once in the process."""
    for name in ("aiohttp.server", "aiohttp.web"):
        logger = logging.getLogger(name)
        if _QUIET not in logger.filters:
            logger.addFilter(_QUIET)


def _to_stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def serve_web(service: WebService, host: str, port: int, addresses: tuple[str, ...]) -> int:
    """Serve until SIGINT or SIGTERM; returns which stopped it. Raises `InputError` when the
    address cannot be listened on."""
    return asyncio.run(_serve(service, host, port, addresses))


async def _serve(service: WebService, host: str, port: int, addresses: tuple[str, ...]) -> int:
    runner = web.AppRunner(service.app(), access_log=None, handle_signals=False)
    await runner.setup()
    stopped: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    loop = asyncio.get_running_loop()

    def stop(signum: int) -> None:
        if not stopped.done():
            stopped.set_result(signum)

    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop, signum)
    try:
        site = web.TCPSite(runner, host.strip("[]"), port)
        try:
            await site.start()
        except OSError as error:
            raise cannot_listen(host, port, error) from None
        also = "".join(f" (also {address})" for address in addresses[1:])
        print(f"dosecalc: serving on {addresses[0]}{also}; Ctrl-C stops it", file=sys.stderr)
        if service.trust is not None:
            print(f"dosecalc: CDS Hooks discovery at {service.base_url}{CDS_ROOT}", file=sys.stderr)
        sys.stderr.flush()
        return await stopped
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
        with contextlib.suppress(Exception):
            await runner.cleanup()
