"""Browser mode: loopback unless told otherwise, and a real browser sees the disclaimer."""

from __future__ import annotations

import contextlib
import html
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import psutil
import pytest
from conftest import required_program, reviewed
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import host_headers

import dosecalc
from dosecalc import load_rules
from dosecalc.faces import web

# Words as OCR reads them: lower case, punctuation dropped.
DISCLAIMER_START = "educational use only not a substitute for clinical judgement"


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "[::1]", "localhost"])
def test_loopback_addresses_are_recognised(host):
    assert web.is_loopback(host)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20", "example.org", ""])
def test_every_other_address_is_not_loopback(host):
    assert not web.is_loopback(host)


def test_urls_put_an_ipv6_address_in_brackets():
    assert web.url_of("127.0.0.1", 8000) == "http://127.0.0.1:8000"
    assert web.url_of("::1", 8001) == "http://[::1]:8001"
    assert web.url_of("[::1]", 8001) == "http://[::1]:8001"


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int, str | None]]:
    """What `dosecalc serve` asked to serve, without starting a server."""
    calls: list[tuple[str, int, str | None]] = []
    monkeypatch.setattr(
        web,
        "serve",
        lambda rules, host, port, public_url, max_sessions: calls.append((host, port, public_url)),
    )
    return calls


def test_serve_listens_on_loopback_port_8000_by_default_without_a_warning(run_cli, served):
    code, out, err = run_cli("serve")
    assert (code, out, err) == (0, "", "")
    assert served == [("127.0.0.1", 8000, None)]


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.20", "example.org"])
def test_any_other_host_must_be_asked_for_and_is_warned_about(run_cli, served, host):
    code, _out, err = run_cli("serve", "--host", host, "--port", "8123")
    assert code == 0
    assert served == [(host, 8123, None)]
    assert "no authentication" in err
    assert f"http://{host}:8123" in err


@pytest.mark.parametrize("port", ["0", "65536", "-1"])
def test_a_port_outside_1_to_65535_is_refused_before_serving(run_cli, served, port):
    code, out, err = run_cli("serve", "--port", port)
    assert (code, out) == (2, "")
    assert "not a TCP port" in err
    assert served == []


def test_a_broken_rule_folder_stops_the_server_before_it_starts(run_cli, served, tmp_path):
    code, _out, err = run_cli("serve", "--rules", str(tmp_path))
    assert code == 2
    assert err.startswith("dosecalc: ")
    assert served == []


def test_each_session_runs_the_app_with_the_rules_the_server_checked(shipped_rules_dir):
    rules = load_rules(shipped_rules_dir)
    command = shlex.split(web.app_command(rules))
    assert command == [
        sys.executable,
        "-m",
        "dosecalc.faces.tui",
        "--rules",
        str(rules.path),
        "--rules-sha256",
        rules.sha256,
    ]


def test_the_server_holds_a_private_copy_of_the_rules_it_checked(rules_copy, tmp_path):
    rules = load_rules(reviewed(rules_copy))
    held_folder = tmp_path / "held"
    held_folder.mkdir()
    held = web.hold(rules, held_folder)
    assert (held.sha256, held.path) == (rules.sha256, held_folder)
    assert held_folder.stat().st_mode & 0o777 == 0o700
    edited = rules_copy / "ketamine-palliative.toml"
    edited.write_text(
        edited.read_text().replace("blurred vision", "blurred sight"), encoding="utf-8"
    )
    assert load_rules(held_folder).sha256 == rules.sha256  # the edit never reaches a session


@pytest.mark.subprocess
def test_a_session_refuses_to_start_on_rules_other_than_the_ones_checked(rules_copy):
    rules = load_rules(reviewed(rules_copy))
    edited = rules_copy / "ketamine-palliative.toml"
    edited.write_text(
        edited.read_text().replace("blurred vision", "blurred sight"), encoding="utf-8"
    )
    command = shlex.split(web.app_command(rules))
    run = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert run.returncode == 2
    assert "are not the ones the server checked" in run.stderr
    assert "textual" not in run.stdout


@pytest.mark.parametrize(
    ("host", "port", "public_url", "allowed"),
    [
        ("127.0.0.1", 8000, None, {"127.0.0.1:8000", "localhost:8000", "[::1]:8000"}),
        ("::1", 8001, None, {"127.0.0.1:8001", "localhost:8001", "[::1]:8001"}),
        ("192.168.1.20", 80, None, {"192.168.1.20:80", "192.168.1.20"}),
        ("0.0.0.0", 8000, "https://dosecalc.ward.example", {"dosecalc.ward.example"}),
        ("0.0.0.0", 8000, None, None),
    ],
)
def test_a_request_must_name_one_of_the_servers_own_hosts(host, port, public_url, allowed):
    assert web.allowed_hosts(host, port, public_url) == (
        None if allowed is None else frozenset(allowed)
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def running_server(tmp_path: Path, *options: str) -> Iterator[tuple[str, psutil.Process]]:
    """``dosecalc serve`` on a free port, as a user starts it: (its URL, its process)."""
    port = free_port()
    log = tmp_path / "serve.log"
    with (
        log.open("wb") as output,
        subprocess.Popen(
            [sys.executable, "-m", "dosecalc", "serve", "--port", str(port), *options],
            stdout=output,
            stderr=subprocess.STDOUT,
        ) as process,
    ):
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    if process.poll() is not None or time.monotonic() > deadline:
                        raise AssertionError(f"no server: {log.read_text()}") from None
                    time.sleep(0.1)
            yield f"http://127.0.0.1:{port}", psutil.Process(process.pid)
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, psutil.Process]]:
    with running_server(tmp_path) as started:
        yield started


@pytest.mark.subprocess
def test_the_server_answers_over_http_on_loopback_only(server):
    url, process = server
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.status == 200
        page = response.read().decode("utf-8")
    assert "<div>dosecalc</div>" in page  # the title the server was given
    assert f'data-session-websocket-url="ws://127.0.0.1:{url.rsplit(":", 1)[1]}/ws"' in page
    listening = [
        c.laddr.ip for c in process.net_connections(kind="inet") if c.status == psutil.CONN_LISTEN
    ]
    assert listening
    assert all(web.is_loopback(ip) for ip in listening), listening


def seen(driver, shot: Path) -> str:
    """The words the page shows, read off a screenshot (the app draws on a canvas, not in
    the DOM): lower case, with punctuation other than "/" dropped."""
    driver.save_screenshot(str(shot))
    ocr = subprocess.run(
        [required_program("tesseract"), str(shot), "stdout"],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "OMP_THREAD_LIMIT": "1"},  # threads make it 10 times slower here
    )
    return " ".join(re.sub(r"[^\w/ ]+", " ", ocr.stdout.lower()).split())


def wait_to_see(
    driver, shot: Path, pattern: str, seconds: float = 30, *, gone: str | None = None
) -> str:
    """Screenshots until the page shows ``pattern`` and no longer shows ``gone``."""
    deadline = time.monotonic() + seconds
    while True:
        text = seen(driver, shot)
        if re.search(pattern, text) and not (gone and re.search(gone, text)):
            return text
        if time.monotonic() > deadline:
            raise AssertionError(f"never saw {pattern!r}; the page showed: {text}")
        time.sleep(0.5)


@pytest.mark.subprocess
def test_a_real_browser_sees_the_disclaimer_first_then_a_dose(server, chromium, tmp_path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    url, _process = server
    options = webdriver.ChromeOptions()
    options.binary_location = chromium[0]
    for flag in [*chromium[1:], "--window-size=1400,900"]:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(required_program("chromedriver")), options=options)
    try:
        driver.get(f"{url}/?fontsize=20")
        shot = tmp_path / "page.png"
        first = wait_to_see(driver, shot, DISCLAIMER_START)
        assert not re.search(r"\d\s*mg/hr", first)  # no dose before the disclaimer is accepted
        # Keys go where a person's go: to xterm.js's helper textarea, given the focus (a
        # click could land on a button); Chromium may call the textarea not interactable, so
        # the keys are sent to whatever has the focus, as a keyboard sends them.
        textarea = driver.find_element(By.CSS_SELECTOR, ".xterm-helper-textarea")
        driver.execute_script("arguments[0].focus()", textarea)
        ActionChains(driver).send_keys(Keys.ENTER).perform()  # "I understand"
        # As a person would, type only once the disclaimer has gone: keys that arrive while
        # it is still closing go to it, and are lost.
        wait_to_see(driver, shot, r"enter the patient s weight", gone=DISCLAIMER_START)
        ActionChains(driver).send_keys("70 kg").perform()
        wait_to_see(driver, shot, r"21 to 35 mg/hr")
    finally:
        driver.quit()


def test_serve_hands_textual_serve_the_app_the_address_and_a_reachable_url(
    monkeypatch, shipped_rules_dir
):
    from textual_serve.server import Server

    started: list[Server] = []
    monkeypatch.setattr(Server, "serve", lambda self, debug=False: started.append(self))
    rules = load_rules(shipped_rules_dir)
    web.serve(rules, "[::1]", 8124)
    web.serve(rules, "0.0.0.0", 8125, public_url="https://dosecalc.ward.example")
    first, second = started
    assert (first.host, first.port, first.public_url) == ("::1", 8124, "http://[::1]:8124")
    command = shlex.split(first.command)
    assert command[-1] == rules.sha256
    assert command[command.index("--rules") + 1] != str(rules.path)  # the held copy
    assert first.title == "dosecalc"
    assert second.public_url == "https://dosecalc.ward.example"


def test_without_textual_serve_the_error_says_what_to_install(monkeypatch, shipped_rules_dir):
    monkeypatch.setitem(sys.modules, "textual_serve.server", None)
    monkeypatch.delitem(sys.modules, "dosecalc.faces.web_server", raising=False)
    with pytest.raises(dosecalc.InputError, match=r"pip install 'dosecalc\[web\]'"):
        web.serve(load_rules(shipped_rules_dir), "127.0.0.1", 8000)


@pytest.fixture
def small_server(tmp_path: Path) -> Iterator[str]:
    """``dosecalc serve --max-sessions 2`` on a free port: its URL."""
    with running_server(tmp_path, "--max-sessions", "2") as (url, _process):
        yield url


def status_of(url: str, headers: dict[str, str]) -> int:
    """The HTTP status of a GET with these headers (a WebSocket upgrade, if asked)."""
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.putrequest("GET", parts.path or "/", skip_host=True)
        for name, value in headers.items():
            connection.putheader(name, value)
        connection.endheaders()
        return connection.getresponse().status
    finally:
        connection.close()


def upgrade(origin: str | None, host: str) -> dict[str, str]:
    headers = {
        "Host": host,
        "Upgrade": "websocket",
        "Connection": "Upgrade",
        "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
        "Sec-WebSocket-Version": "13",
    }
    return headers if origin is None else {**headers, "Origin": origin}


@pytest.mark.subprocess
def test_browser_mode_refuses_foreign_pages_and_unexpected_hosts(small_server):
    own = small_server.removeprefix("http://")
    assert status_of(small_server, {"Host": own}) == 200
    assert status_of(small_server, {"Host": f"localhost:{own.rsplit(':', 1)[1]}"}) == 200
    assert status_of(small_server, {"Host": "attacker.example"}) == 403  # DNS rebinding
    for origin in ("https://attacker.example", "null", None, f"http://{own}.evil.example"):
        assert status_of(f"{small_server}/ws", upgrade(origin, own)) == 403, origin


@pytest.mark.subprocess
def test_browser_sessions_are_capped_and_a_closed_one_frees_its_place(small_server):
    import asyncio

    import aiohttp

    own = small_server.removeprefix("http://")

    async def scenario() -> list[int]:
        statuses = []
        async with aiohttp.ClientSession() as session:
            first = await session.ws_connect(f"{small_server}/ws", origin=small_server)
            second = await session.ws_connect(f"{small_server}/ws", origin=small_server)
            statuses.append(status_of(f"{small_server}/ws", upgrade(small_server, own)))
            await first.close()
            deadline = time.monotonic() + 30  # the server stops that session's app first
            while True:
                try:
                    third = await session.ws_connect(f"{small_server}/ws", origin=small_server)
                    break
                except aiohttp.WSServerHandshakeError as refused:
                    statuses.append(refused.status)
                    if time.monotonic() > deadline:
                        raise
                    await asyncio.sleep(0.2)
            statuses.append(101)
            await second.close()
            await third.close()
        return statuses

    first_refused, *retries, connected = asyncio.run(scenario())
    assert (first_refused, connected) == (503, 101)
    assert set(retries) <= {503}


@pytest.mark.subprocess
def test_the_page_loads_nothing_from_outside_this_machine(small_server):
    with urllib.request.urlopen(small_server, timeout=10) as response:
        page = response.read().decode("utf-8")
    loads = re.findall(r"""(?:href|src)\s*=\s*["']([^"']+)""", page)
    loads += re.findall(r"""url\(["']?([^"')]+)""", page)
    assert loads
    for address in loads:
        own = address.startswith(f"{small_server}/")
        assert own or not re.match(r"(?:[a-z]+:)?//", address), address
    assert "fonts.googleapis" not in page


@pytest.mark.parametrize(
    ("path", "headers", "status"),
    [
        ("/", {"Host": "127.0.0.1:8000"}, 200),
        ("/", {"Host": "attacker.example"}, 403),
        ("/ws", {"Host": "127.0.0.1:8000", "Origin": "https://attacker.example"}, 403),
        ("/ws", {"Host": "127.0.0.1:8000"}, 403),
        ("/ws", {"Host": "localhost:8000", "Origin": "http://localhost:8000"}, 101),
        ("/ws", {"Host": "127.0.0.1:8000", "Origin": "https://ward.example"}, 101),
    ],
)
def test_the_guard_lets_through_only_this_servers_own_pages(
    shipped_rules_dir, path, headers, status
):
    """The guard in this process (the live server runs it in another): Host, then Origin,
    then the session cap, before textual-serve's own handler."""
    import asyncio

    from aiohttp import web as aiohttp_web
    from aiohttp.test_utils import make_mocked_request

    from dosecalc.faces.web_server import GuardedServer

    server = GuardedServer(
        "true",
        host="127.0.0.1",
        port=8000,
        public_url="https://ward.example",
        allowed_hosts=web.allowed_hosts("127.0.0.1", 8000, "https://ward.example"),
        max_sessions=1,
    )

    async def handler(request: aiohttp_web.Request) -> aiohttp_web.StreamResponse:
        return aiohttp_web.Response(status=101 if request.path == "/ws" else 200)

    async def call() -> int:
        app = await server._make_app()
        (guard,) = [m for m in app.middlewares if m.__name__ == "guard"]
        try:
            response = await guard(make_mocked_request("GET", path, headers=headers), handler)
        except aiohttp_web.HTTPException as refused:
            return refused.status
        return response.status

    assert asyncio.run(call()) == status


def test_the_guard_refuses_a_session_beyond_the_cap_and_frees_its_place():
    import asyncio

    from aiohttp import web as aiohttp_web
    from aiohttp.test_utils import make_mocked_request

    from dosecalc.faces.web_server import GuardedServer

    server = GuardedServer(
        "true",
        host="127.0.0.1",
        port=8000,
        public_url="http://127.0.0.1:8000",
        allowed_hosts=None,
        max_sessions=1,
    )
    headers = {"Host": "127.0.0.1:8000", "Origin": "http://127.0.0.1:8000"}

    async def scenario() -> list[int]:
        app = await server._make_app()
        (guard,) = [m for m in app.middlewares if m.__name__ == "guard"]
        release = asyncio.Event()
        statuses = []

        async def open_session(request: aiohttp_web.Request) -> aiohttp_web.StreamResponse:
            await release.wait()
            return aiohttp_web.Response(status=101)

        first = asyncio.create_task(
            guard(make_mocked_request("GET", "/ws", headers=headers), open_session)
        )
        await asyncio.sleep(0)
        try:
            await guard(make_mocked_request("GET", "/ws", headers=headers), open_session)
        except aiohttp_web.HTTPException as refused:
            statuses.append(refused.status)
        release.set()
        statuses.append((await first).status)
        statuses.append(
            (await guard(make_mocked_request("GET", "/ws", headers=headers), open_session)).status
        )
        return statuses

    assert asyncio.run(scenario()) == [503, 101, 101]


def test_a_rule_folder_changed_while_the_server_starts_is_refused(
    rules_copy, tmp_path, monkeypatch
):
    rules = load_rules(reviewed(rules_copy))
    edited = rules_copy / "ketamine-palliative.toml"
    text = edited.read_text(encoding="utf-8")
    edited.write_text(text.replace('"blurred vision"', '"blurred sight"'), encoding="utf-8")
    reviewed(rules_copy)  # a reviewed change, signed, while the server starts
    held = tmp_path / "held"
    held.mkdir()
    with pytest.raises(dosecalc.RulesError, match="changed while the server was starting"):
        web.hold(rules, held)


# ------------------------------------------------------------------ every address, signals


def printed_addresses(log: Path) -> list[str]:
    """The addresses the server said it serves on, once it has said so."""
    deadline = time.monotonic() + 30
    while not (said := re.search(r"serving on (\S+)((?: \(also \S+\))*)", log.read_text())):
        if time.monotonic() > deadline:
            raise AssertionError(f"the server never said where: {log.read_text()}")
        time.sleep(0.1)
    return [said.group(1), *re.findall(r"\(also (\S+)\)", said.group(2))]


def page_and_session(address: str) -> tuple[str, int]:
    """Open ``address`` as a browser does: the page, then its WebSocket from that page's
    origin. The WebSocket's URL, and the status of its handshake."""
    import asyncio

    import aiohttp

    with urllib.request.urlopen(address, timeout=30) as response:
        page = response.read().decode("utf-8")
    found = re.search(r'data-session-websocket-url="([^"]+)"', page)
    assert found is not None
    socket_url = found.group(1)

    async def handshake() -> int:
        async with aiohttp.ClientSession() as session:
            try:
                connected = await session.ws_connect(socket_url, origin=address)
            except aiohttp.WSServerHandshakeError as refused:
                return refused.status
            await connected.close()
            return 101

    return socket_url, asyncio.run(handshake())


@pytest.mark.subprocess
def test_every_address_the_server_prints_opens_a_page_whose_session_starts(tmp_path):
    with running_server(tmp_path) as (url, _process):
        addresses = printed_addresses(tmp_path / "serve.log")
        assert url in addresses
        assert any("localhost" in address for address in addresses)
        for address in addresses:
            socket_url, status = page_and_session(address)
            assert socket_url == address.replace("http://", "ws://", 1) + "/ws"
            assert status == 101, address


@pytest.mark.subprocess
@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_with_a_session_open_stops_the_server_promptly_with_its_code(
    tmp_path, signum, code
):
    import asyncio

    import aiohttp

    with running_server(tmp_path) as (url, process):

        async def stop_with_a_session_open() -> tuple[int | None, list[psutil.Process]]:
            async with aiohttp.ClientSession() as session:
                connected = await session.ws_connect(f"{url}/ws", origin=url)
                await asyncio.wait_for(connected.receive(), 60)  # the app has drawn
                apps = process.children(recursive=True)
                process.send_signal(signum)
                # Bounded: the server gives its sessions 3 s (it took 24 s, and exited 0).
                return await asyncio.to_thread(process.wait, 20), apps

        exit_code, apps = asyncio.run(stop_with_a_session_open())
        assert exit_code == code
        assert apps
        assert not [app for app in apps if app.is_running() and app.status() != "zombie"]
        assert f"stopped (signal {int(signum)})" in (tmp_path / "serve.log").read_text()


@pytest.mark.subprocess
def test_serving_on_a_port_in_use_says_the_port_is_in_use(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        run = subprocess.run(
            [sys.executable, "-m", "dosecalc", "serve", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert (run.returncode, run.stdout) == (2, "")
    assert run.stderr == (
        f"dosecalc: port: port {port} is in use on 127.0.0.1:{port} (by another server, or "
        "another program). Choose another with --port, or stop what uses it\n"
    )


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    listen=st.sampled_from(["127.0.0.1", "::1", "localhost", "0.0.0.0"]),
    port=st.sampled_from([80, 8000, 65535]),
    public_url=st.none() | st.just("https://dosecalc.ward.example"),
    stranger=host_headers(),
)
def test_a_page_opened_at_any_address_the_server_answers_to_gets_a_session(
    listen, port, public_url, stranger
):
    """For each generated server: a page opened at every name it answers to points its
    WebSocket at that same name (or at --public-url), which the guard lets through; any
    other name gets a page that says why and where dosecalc is."""
    import asyncio

    from aiohttp import web as aiohttp_web
    from aiohttp.test_utils import make_mocked_request

    from dosecalc.faces.web_server import GuardedServer

    allowed = web.allowed_hosts(listen, port, public_url)
    addresses = web.addresses(listen, port, public_url)
    server = GuardedServer(
        "true",
        host=listen,
        port=port,
        public_url=public_url or web.url_of(listen, port),
        allowed_hosts=allowed,
        max_sessions=1,
        addresses=addresses,
        page_url=public_url,
    )
    names = sorted(allowed) if allowed is not None else [f"192.168.1.20:{port}"]
    names += [urlsplit(address).netloc for address in addresses]

    async def opened(host: str) -> tuple[int, str, int | None]:
        app = await server._make_app()
        (guard,) = [m for m in app.middlewares if m.__name__ == "guard"]

        async def page(request: aiohttp_web.Request) -> aiohttp_web.StreamResponse:
            return await server.handle_index(request)

        try:
            response = await guard(make_mocked_request("GET", "/", {"Host": host}, app=app), page)
        except aiohttp_web.HTTPException as refused:
            return refused.status, refused.text or "", None
        assert isinstance(response, aiohttp_web.Response)
        body = response.text or ""
        found = re.search(r'data-session-websocket-url="([^"]+)"', body)
        assert found is not None
        parts = urlsplit(found.group(1))
        origin = f"{'https' if parts.scheme == 'wss' else 'http'}://{parts.netloc}"

        async def session(request: aiohttp_web.Request) -> aiohttp_web.StreamResponse:
            return aiohttp_web.Response(status=101)

        upgrade = make_mocked_request(
            "GET", "/ws", {"Host": parts.netloc, "Origin": origin}, app=app
        )
        try:
            return 200, found.group(1), (await guard(upgrade, session)).status
        except aiohttp_web.HTTPException as refused:
            return 200, found.group(1), refused.status

    for host in names:
        status, socket_url, handshake = asyncio.run(opened(host))
        assert status == 200, host
        expected = urlsplit(public_url).netloc if public_url else host
        assert urlsplit(socket_url).netloc == expected
        assert handshake == 101, host
    if allowed is not None and stranger.lower() not in allowed:
        status, page, _ = asyncio.run(opened(stranger))
        assert status == 403
        assert "dosecalc refused this request" in page
        assert all(html.escape(address) in page for address in addresses)
