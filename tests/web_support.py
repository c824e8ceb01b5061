"""What the tests of ``dosecalc web`` share: a live server on a free port (real HTTP, in a
thread of this process), a fake EHR that makes its own keys and signs its own tokens, and
CDS Hooks requests as an EHR sends them."""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import json
import socket
import threading
import time
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from dosecalc.faces import web
from dosecalc.faces.trust import Trust, load_trust
from dosecalc.faces.web_app import WebService
from dosecalc.ruleset.loader import RuleSet

EHR_ISS = "https://ehr.example.org"
SANDBOX_ISS = "https://sandbox.example.net"
ALLOWED_ORIGIN = "https://ehr.example.org"
PATIENT = "pat-1"
SNOMED = "http://snomed.info/sct"
UCUM = "http://unitsofmeasure.org"
IV_ROUTE = {"coding": [{"system": SNOMED, "code": "47625008", "display": "Intravenous route"}]}
SL_ROUTE = {"coding": [{"system": SNOMED, "code": "37839007", "display": "Sublingual route"}]}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class FakeEHR:
    """An EHR with its own key pair: EC P-384 (ES384) or RSA (RS384)."""

    def __init__(self, iss: str, alg: str) -> None:
        self.iss = iss
        self.alg = alg
        self.kid = f"{alg.lower()}-{uuid.uuid4().hex[:8]}"
        if alg.startswith("ES"):
            curve = {"ES256": ec.SECP256R1(), "ES384": ec.SECP384R1(), "ES512": ec.SECP521R1()}
            self.private: Any = ec.generate_private_key(curve[alg])
            self.public_jwk = ECAlgorithm.to_jwk(self.private.public_key(), as_dict=True)
        else:
            self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            self.public_jwk = RSAAlgorithm.to_jwk(self.private.public_key(), as_dict=True)
        self.public_jwk.update({"kid": self.kid, "alg": alg, "use": "sig"})

    def claims(self, aud: str | list[str], /, **changes: Any) -> dict[str, Any]:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.iss,
            "sub": "client-1",
            "aud": aud,
            "exp": now + 300,
            "iat": now,
            "jti": uuid.uuid4().hex,
            "tenant": "ward-7",
        }
        for name, value in changes.items():
            if value is _DROP:
                claims.pop(name, None)
            else:
                claims[name] = value
        return claims

    def token(
        self,
        aud: str | list[str],
        /,
        *,
        headers: Mapping[str, Any] | None = None,
        alg: str | None = None,
        key: Any = None,
        **changes: Any,
    ) -> str:
        header = {"kid": self.kid, "typ": "JWT", **(headers or {})}
        header = {k: v for k, v in header.items() if v is not _DROP}
        return jwt.encode(
            self.claims(aud, **changes),
            self.private if key is None else key,
            algorithm=alg or self.alg,
            headers=header,
        )


_DROP = object()
DROP = _DROP
"""A claim or header value meaning: leave it out."""


def write_trust(folder: Path, ec_ehr: FakeEHR, rsa_ehr: FakeEHR) -> Path:
    """A trust file: the EC issuer's keys inline, the RSA issuer's in a file beside it."""
    (folder / "sandbox-jwks.json").write_text(json.dumps({"keys": [rsa_ehr.public_jwk]}))
    trust = {
        "issuers": [
            {"iss": ec_ehr.iss, "jwks": {"keys": [ec_ehr.public_jwk]}},
            {"iss": rsa_ehr.iss, "jwks_file": "sandbox-jwks.json"},
        ],
        "allowed_origins": [ALLOWED_ORIGIN],
    }
    path = folder / "trust.json"
    path.write_text(json.dumps(trust))
    return path


@dataclass
class Served:
    """A live ``dosecalc web`` app on 127.0.0.1: its base URL, and what it logged."""

    port: int
    service: WebService
    logged: list[str] = field(default_factory=list)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def request(
        self,
        method: str,
        path: str,
        body: bytes | str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Reply:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            data = body.encode() if isinstance(body, str) else body
            sent = {"Host": f"127.0.0.1:{self.port}", **(headers or {})}
            connection.request(method, path, body=data, headers=sent)
            response = connection.getresponse()
            return Reply(response.status, dict(response.getheaders()), response.read())
        finally:
            connection.close()

    def post_json(self, path: str, data: object, token: str | None = None, **headers: str) -> Reply:
        sent = {"Content-Type": "application/json", **headers}
        if token is not None:
            sent["Authorization"] = f"Bearer {token}"
        return self.request("POST", path, json.dumps(data), sent)


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    def json(self) -> Any:
        return json.loads(self.body)

    def header(self, name: str) -> str | None:
        found = {k.lower(): v for k, v in self.headers.items()}
        return found.get(name.lower())


@contextlib.contextmanager
def served(
    rules: RuleSet,
    trust: Trust | Path | None = None,
    feedback_log: Path | None = None,
    public_url: str | None = None,
) -> Iterator[Served]:
    """``dosecalc web``'s app on a free port, in a thread, until the block ends."""
    port = free_port()
    logged: list[str] = []
    service = WebService(
        rules,
        base_url=public_url or web.url_of("127.0.0.1", port),
        allowed_hosts=web.allowed_hosts("127.0.0.1", port, public_url),
        trust=load_trust(trust) if isinstance(trust, Path) else trust,
        feedback_log=feedback_log,
        log=logged.append,
    )
    loop = asyncio.new_event_loop()
    started = threading.Event()
    holder: dict[str, Any] = {}

    async def start() -> None:
        from aiohttp import web as aiohttp_web

        runner = aiohttp_web.AppRunner(service.app(), access_log=None, handle_signals=False)
        await runner.setup()
        await aiohttp_web.TCPSite(runner, "127.0.0.1", port).start()
        holder["runner"] = runner
        started.set()

    def run() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(start())
        loop.run_forever()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert started.wait(30), "the server did not start"
    try:
        yield Served(port, service, logged)
    finally:
        asyncio.run_coroutine_threadsafe(holder["runner"].cleanup(), loop).result(30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(30)
        loop.close()


# CDS Hooks requests, as an EHR sends them


def medication_request(
    id_: str = "mr-1",
    *,
    text: str | None = "Ketamine 500 mg/10 mL injection",
    route: object = IV_ROUTE,
    rate: tuple[Any, str] | None = (35, "mg/h"),
    dose: tuple[Any, str] | None = None,
    entry: dict[str, Any] | None = None,
    instructions: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A draft MedicationRequest: a drug, a route and one dose (a rate or an amount)."""
    if entry is None:
        entry = {
            "type": {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/dose-rate-type",
                        "code": "ordered",
                    }
                ]
            }
        }
        if rate is not None:
            entry["rateQuantity"] = quantity(*rate)
        if dose is not None:
            entry["doseQuantity"] = quantity(*dose)
    instruction: dict[str, Any] = {"text": "as directed", "doseAndRate": [entry]}
    if route is not None:
        instruction["route"] = route
    resource: dict[str, Any] = {
        "resourceType": "MedicationRequest",
        "id": id_,
        "status": "draft",
        "intent": "order",
        "subject": {"reference": f"Patient/{PATIENT}"},
        "dosageInstruction": [instruction] if instructions is None else instructions,
    }
    if text is not None:
        resource["medicationCodeableConcept"] = {"text": text}
    return resource


def quantity(value: Any, code: str, unit: str | None = None) -> dict[str, Any]:
    return {"value": value, "unit": unit or code, "system": UCUM, "code": code}


def weight_observation(
    value: Any = 70,
    code: str = "kg",
    *,
    status: str = "final",
    patient: str = PATIENT,
    when: str = "2026-12-01T08:00:00Z",
    system: str = UCUM,
) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": f"w-{uuid.uuid4().hex[:6]}",
        "status": status,
        "code": {"coding": [{"system": "http://loinc.org", "code": "29463-7"}]},
        "subject": {"reference": f"Patient/{patient}"},
        "effectiveDateTime": when,
        "valueQuantity": {"value": value, "unit": code, "system": system, "code": code},
    }


def searchset(*observations: dict[str, Any]) -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": [{"resource": o} for o in observations],
    }


OMIT = object()
"""A prefetch key left out."""


def hook_request(
    *orders: dict[str, Any],
    hook: str = "order-sign",
    weight: object = None,
    selections: list[str] | None = None,
    patient: object = OMIT,
) -> dict[str, Any]:
    """A hook request with ``orders`` as its draft orders, and ``weight`` (by default
    70 kg) as the weight prefetch (`OMIT` leaves the key out)."""
    context: dict[str, Any] = {
        "userId": "Practitioner/dr-1",
        "patientId": PATIENT,
        "draftOrders": {
            "resourceType": "Bundle",
            "type": "collection",
            "entry": [{"resource": order} for order in orders],
        },
    }
    if hook == "order-select":
        context["selections"] = (
            selections
            if selections is not None
            else [f"MedicationRequest/{o['id']}" for o in orders]
        )
    prefetch: dict[str, Any] = {}
    if weight is None:
        prefetch["weight"] = searchset(weight_observation())
    elif weight is not OMIT:
        prefetch["weight"] = None if weight == "null" else weight
    if patient is not OMIT:
        prefetch["patient"] = patient
    return {
        "hook": hook,
        "hookInstance": str(uuid.uuid4()),
        "fhirServer": "https://ehr.example.org/fhir",
        "fhirAuthorization": {
            "access_token": "SECRET-ACCESS-TOKEN",
            "token_type": "Bearer",
            "expires_in": 300,
            "scope": "user/Observation.read",
            "subject": "dosecalc",
        },
        "context": context,
        "prefetch": prefetch,
    }
