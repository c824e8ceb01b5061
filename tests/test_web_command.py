"""``dosecalc web``: its command line, its trust file, and the server as a person runs it
(a real process, its printed address, its signals)."""

from __future__ import annotations

import json
import signal
import socket
import stat
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from conftest import reviewed
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from web_support import EHR_ISS, SANDBOX_ISS, FakeEHR, free_port, write_trust

import dosecalc
from dosecalc.faces import web, web_app
from dosecalc.faces.trust import load_trust


@pytest.fixture(scope="module")
def ehrs() -> tuple[FakeEHR, FakeEHR]:
    return FakeEHR(EHR_ISS, "ES384"), FakeEHR(SANDBOX_ISS, "RS384")


@pytest.fixture
def trust_file(tmp_path: Path, ehrs) -> Path:
    return write_trust(tmp_path, *ehrs)


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """What `dosecalc web` asked to serve, without starting a server."""
    calls: list[dict[str, Any]] = []

    def serve_web(service, host, port, addresses):
        rules = service.rules
        calls.append(
            {
                "service": service,
                "host": host,
                "port": port,
                "addresses": addresses,
                "held": (rules.path, rules.sha256, sorted(p.name for p in rules.path.iterdir())),
            }
        )
        return signal.SIGTERM

    monkeypatch.setattr(web_app, "serve_web", serve_web)
    return calls


def test_web_listens_on_loopback_port_8000_by_default_and_holds_the_rules(run_cli, started):
    code, out, err = run_cli("web")
    assert (code, out) == (128 + signal.SIGTERM, "")
    assert "no authentication" not in err
    (call,) = started
    assert (call["host"], call["port"]) == ("127.0.0.1", 8000)
    assert call["addresses"] == ("http://127.0.0.1:8000", "http://localhost:8000")
    service = call["service"]
    assert service.base_url == "http://127.0.0.1:8000"
    assert service.trust is None
    assert "127.0.0.1:8000" in service.allowed_hosts
    assert "localhost:8000" in service.allowed_hosts
    held_path, held_sha, names = call["held"]
    assert held_sha == dosecalc.load_rules().sha256
    assert held_path != dosecalc.default_rules_path()
    assert "MANIFEST.sha256" in names
    assert not held_path.exists()  # the held copy goes with the server


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.20", "::"])
def test_another_host_prints_the_same_warning_as_serve(run_cli, started, host):
    code, _out, err = run_cli("web", "--host", host, "--port", "8123")
    assert code == 128 + signal.SIGTERM
    assert web.no_authentication_warning(web.url_of(host, 8123)) in " ".join(err.split())


def test_the_public_url_is_the_base_and_a_host_it_answers_to(run_cli, started, trust_file):
    code, _out, err = run_cli(
        "web",
        "--public-url",
        "https://cds.example.org/",
        "--trust",
        str(trust_file),
        "--weight-max-age",
        "7",
    )
    assert code == 128 + signal.SIGTERM, err
    service = started[0]["service"]
    assert service.base_url == "https://cds.example.org"
    assert "cds.example.org" in service.allowed_hosts
    assert set(service.trust.issuers) == {EHR_ISS, SANDBOX_ISS}


@pytest.mark.parametrize(
    ("arguments", "said"),
    [
        (("--port", "0"), "not a TCP port"),
        (("--port", "70000"), "not a TCP port"),
        (("--public-url", "cds.example.org"), "is not a base URL"),
        (("--public-url", "ftp://cds.example.org"), "is not a base URL"),
        (("--public-url", "https://cds.example.org:99999"), "is not a base URL"),
        (("--public-url", "https://cds.example.org/?x=1"), "is not a base URL"),
        (("--feedback-log", "/nonexistent-folder/feedback.jsonl"), "cannot be opened"),
        (
            ("--trust", "/nonexistent-folder/trust.json", "--weight-max-age", "7"),
            "/nonexistent-folder/trust.json",
        ),
    ],
)
def test_a_bad_option_exits_2_with_one_message_before_listening(run_cli, started, arguments, said):
    code, out, err = run_cli("web", *arguments)
    assert (code, out) == (2, "")
    assert said in err
    assert err.startswith("dosecalc: ")
    assert err.count("\n") == 1
    assert "Traceback" not in err
    assert started == []


_OTHER_OPTIONS = st.lists(
    st.sampled_from(
        [
            ("--public-url", "https://cds.example.org"),
            ("--port", "8123"),
            ("--host", "localhost"),
            ("--debug",),
        ]
    ),
    unique=True,
).map(lambda options: [word for option in options for word in option])


@given(others=_OTHER_OPTIONS)
@settings(max_examples=20, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_with_trust_the_service_never_starts_until_told_how_old_a_weight_may_be(
    run_cli, started, trust_file, others
):
    """A weight of any age would be used, and a dose within the range gets no card: no one
    would see the weight was years old. dosecalc sets no number of days (no source gives
    one), so with --trust the person starting it must say: DAYS, or 'any'."""
    code, out, err = run_cli("web", "--trust", str(trust_file), *others)
    assert (code, out) == (2, "")
    assert err.startswith("dosecalc: weight-max-age: ")
    assert "no one would see the weight's date" in err
    assert "--weight-max-age DAYS" in err
    assert "--weight-max-age any" in err
    assert err.count("\n") == 1
    assert "Traceback" not in err
    assert started == []
    for policy, used in (("7", 7), ("0", 0), ("any", None), ("ANY", None)):
        code, _out, err = run_cli(
            "web", "--trust", str(trust_file), *others, "--weight-max-age", policy
        )
        assert code == 128 + signal.SIGTERM, err
        assert started.pop()["service"].weight_max_age == used


@given(
    host=st.sampled_from(["0.0.0.0", "::", "[::]", "192.168.1.20", "10.0.0.7", "cds-host"]),
    port=st.integers(1024, 65535),
)
@settings(max_examples=20, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_with_trust_another_host_needs_the_public_url_the_ehr_calls(
    run_cli, started, trust_file, host, port
):
    """On 0.0.0.0 the service would believe tokens for http://0.0.0.0:PORT only, which no EHR
    calls: every hook refused, and the EHR shows no card. It does not start without the URL
    the EHR calls; with it, it does."""
    policy = ("--trust", str(trust_file), "--weight-max-age", "7")
    code, out, err = run_cli("web", "--host", host, "--port", str(port), *policy)
    assert (code, out) == (2, "")
    assert err.startswith("dosecalc: public-url: with --trust on --host ")
    assert "Give --public-url" in err
    assert "Traceback" not in err
    assert started == []
    url = "https://cds.example.org"
    code, _out, err = run_cli(
        "web", "--host", host, "--port", str(port), *policy, "--public-url", url
    )
    assert code == 128 + signal.SIGTERM, err
    assert started.pop()["service"].base_url == url


def test_a_broken_rule_folder_exits_2_and_nothing_listens(run_cli, started, rules_copy):
    code, _out, err = run_cli("web", "--rules", str(rules_copy))  # no manifest
    assert code == 2
    assert "MANIFEST.sha256" in err
    assert started == []


def test_without_the_web_extra_web_exits_2_saying_what_to_install(run_cli, monkeypatch, started):
    import dosecalc.faces

    monkeypatch.setitem(sys.modules, "dosecalc.faces.web_app", None)  # as if aiohttp were absent
    monkeypatch.delattr(dosecalc.faces, "web_app")
    code, out, err = run_cli("web")
    assert (code, out) == (2, "")
    assert "pip install 'dosecalc[web]'" in err


def test_the_feedback_log_is_created_with_mode_0600_before_listening(run_cli, started, tmp_path):
    log = tmp_path / "feedback.jsonl"
    code, _out, _err = run_cli("web", "--feedback-log", str(log))
    assert code == 128 + signal.SIGTERM
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    assert started[0]["service"].feedback_log == log


# §4.4: the trust file


def _trust(tmp_path: Path, document: object, name: str = "trust.json") -> Path:
    path = tmp_path / name
    path.write_text(document if isinstance(document, str) else json.dumps(document))
    return path


def test_a_valid_trust_file_loads_inline_keys_and_keys_from_a_file(trust_file, ehrs):
    trust = load_trust(trust_file)
    assert set(trust.issuers) == {EHR_ISS, SANDBOX_ISS}
    assert set(trust.issuers[EHR_ISS].keys) == {ehrs[0].kid}
    assert set(trust.issuers[SANDBOX_ISS].keys) == {ehrs[1].kid}
    assert trust.allowed_origins == {"https://ehr.example.org"}


def _breaches(ehr: FakeEHR) -> dict[str, tuple[object, str]]:
    key = ehr.public_jwk
    issuer = {"iss": EHR_ISS, "jwks": {"keys": [key]}}
    return {
        "not JSON": ("{", "not JSON"),
        "not an object": ([], "not a JSON object"),
        "unknown member": ({"issuers": [issuer], "extra": 1}, "unknown member 'extra'"),
        "no issuers": ({}, "'issuers' must be a non-empty array"),
        "empty issuers": ({"issuers": []}, "'issuers' must be a non-empty array"),
        "issuer not an object": ({"issuers": ["x"]}, "issuers[0] is not an object"),
        "issuer unknown member": (
            {"issuers": [{**issuer, "url": "x"}]},
            "issuers[0]: unknown member 'url'",
        ),
        "empty iss": ({"issuers": [{**issuer, "iss": " "}]}, "'iss' must be a non-empty string"),
        "duplicate iss": ({"issuers": [issuer, issuer]}, "listed twice"),
        "both jwks and a file": (
            {"issuers": [{**issuer, "jwks_file": "k.json"}]},
            "exactly one of 'jwks' and 'jwks_file'",
        ),
        "neither": ({"issuers": [{"iss": EHR_ISS}]}, "exactly one of 'jwks' and 'jwks_file'"),
        "jwks_file missing": (
            {"issuers": [{"iss": EHR_ISS, "jwks_file": "missing.json"}]},
            "jwks_file missing.json: cannot be read",
        ),
        "jwks_file not a name": (
            {"issuers": [{"iss": EHR_ISS, "jwks_file": 3}]},
            "'jwks_file' must be a file name",
        ),
        "no keys": ({"issuers": [{"iss": EHR_ISS, "jwks": {"keys": []}}]}, "non-empty 'keys'"),
        "key not an object": (
            {"issuers": [{"iss": EHR_ISS, "jwks": {"keys": [1]}}]},
            "key 0 is not an object",
        ),
        "a private key": (
            {"issuers": [{"iss": EHR_ISS, "jwks": {"keys": [{**key, "d": "AAAA"}]}}]},
            "private member 'd'",
        ),
        "a symmetric key": (
            {"issuers": [{"iss": EHR_ISS, "jwks": {"keys": [{"kty": "oct", "kid": "s"}]}}]},
            "kty must be EC or RSA",
        ),
        "no kid": (
            {"issuers": [{"iss": EHR_ISS, "jwks": {"keys": [{**key, "kid": ""}]}}]},
            "'kid' must be a non-empty string",
        ),
        "duplicate kid": (
            {"issuers": [{"iss": EHR_ISS, "jwks": {"keys": [key, key]}}]},
            "is used twice",
        ),
        "a key's alg is HMAC": (
            {"issuers": [{"iss": EHR_ISS, "jwks": {"keys": [{**key, "alg": "HS256"}]}}]},
            "alg 'HS256' is not an asymmetric algorithm",
        ),
        "not a key": (
            {"issuers": [{"iss": EHR_ISS, "jwks": {"keys": [{**key, "x": "bad"}]}}]},
            "is not a valid public key",
        ),
        "origin *": ({"issuers": [issuer], "allowed_origins": ["*"]}, "'*' is refused"),
        "origin with a path": (
            {"issuers": [issuer], "allowed_origins": ["https://ehr.example.org/app"]},
            "is not an origin",
        ),
        "origin not text": ({"issuers": [issuer], "allowed_origins": [3]}, "is not a string"),
        "origin bad port": (
            {"issuers": [issuer], "allowed_origins": ["https://ehr.example.org:99999"]},
            "invalid port",
        ),
        "origins not an array": (
            {"issuers": [issuer], "allowed_origins": "https://ehr.example.org"},
            "'allowed_origins' must be an array",
        ),
    }


BREACHES = list(_breaches(FakeEHR(EHR_ISS, "ES384")))


@pytest.mark.parametrize("breach", BREACHES)
def test_any_breach_of_the_trust_file_exits_2_naming_the_file_and_the_problem(
    run_cli, started, tmp_path, ehrs, breach
):
    document, said = _breaches(ehrs[0])[breach]
    path = _trust(tmp_path, document)
    code, out, err = run_cli("web", "--trust", str(path), "--weight-max-age", "any")
    assert (code, out) == (2, "")
    assert err.startswith(f"dosecalc: trust: {path}: ")
    assert said in err
    assert err.count("\n") == 1
    assert "Traceback" not in err
    assert started == []


def test_a_trust_file_that_is_not_utf8_or_too_large_is_refused(tmp_path):
    path = tmp_path / "trust.json"
    path.write_bytes(b"\xff\xfe{}")
    with pytest.raises(dosecalc.InputError, match="not JSON in UTF-8"):
        load_trust(path)
    path.write_bytes(b" " * 1_000_001)
    with pytest.raises(dosecalc.InputError, match="over 1,000,000 bytes"):
        load_trust(path)


# The server as a person runs it


def _start(*arguments: str) -> tuple[subprocess.Popen[str], int]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "dosecalc", "web", "--port", str(port), *arguments],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return process, port
        except OSError:
            if process.poll() is not None:
                break
            time.sleep(0.1)
    process.kill()
    raise AssertionError(process.communicate()[1])


@pytest.mark.subprocess
@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_the_server_serves_the_page_and_the_service_until_a_signal(
    trust_file, rules_copy, signum, code
):
    folder = reviewed(rules_copy)
    process, port = _start(
        "--trust", str(trust_file), "--rules", str(folder), "--weight-max-age", "7"
    )
    try:
        base = f"http://127.0.0.1:{port}"
        edited = folder / "ketamine-palliative.toml"
        edited.write_text(edited.read_text().replace("blurred vision", "blurred sight"))
        reviewed(folder)  # a new, "reviewed" rule file: never reaches the running server
        with urllib.request.urlopen(f"{base}/?weight=70+kg&regimen=iv") as page:
            assert "21 to 35" in page.read().decode().replace("\u00a0", " ")
        with urllib.request.urlopen(f"{base}/cds-services") as discovery:
            assert json.load(discovery)["services"][0]["id"] == "dosecalc-order-check"
    finally:
        process.send_signal(signum)
        _out, err = process.communicate(timeout=30)
    assert process.returncode == code
    assert f"dosecalc: serving on http://127.0.0.1:{port}" in err
    assert f"CDS Hooks discovery at http://127.0.0.1:{port}/cds-services" in err
    assert f"the server stopped (signal {int(signum)})" in err
    assert "Traceback" not in err


@pytest.mark.subprocess
def test_a_port_in_use_is_one_line_and_exit_2():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "dosecalc", "web", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert done.returncode == 2
    assert f"port {port} is in use" in done.stderr
    assert done.stderr.count("\n") == 1


@pytest.mark.subprocess
def test_an_address_not_of_this_machine_is_one_line_and_exit_2():
    done = subprocess.run(
        [sys.executable, "-m", "dosecalc", "web", "--host", "192.0.2.1", "--port", "8000"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "192.0.2.1 is not an address of this machine" in done.stderr


def test_a_page_on_a_host_it_does_not_answer_to_is_403(trust_file):
    from web_support import served

    with served(dosecalc.load_rules(), trust_file) as live:
        reply = live.request("GET", "/", headers={"Host": "rebound.example:80"})
        assert reply.status == 403
        assert "does not answer to that host name" in reply.text
