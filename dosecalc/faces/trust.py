"""Whom ``dosecalc web`` believes: the trust file of its CDS Hooks service, and the check
of every token a caller sends.

The trust file names each issuer (an EHR) and its public keys (a JWK Set, inline or in a
file beside it), and the browser origins allowed to call. It is read once, before the
server listens; anything wrong with it stops the server with one message naming the file.

A token is believed only when every point holds: an asymmetric algorithm from an explicit
allowlist (so ``alg: none`` and HMAC are impossible by construction), a ``kid`` naming a
key of its issuer whose type fits the algorithm, the audience being the very URL called,
the times (``exp``, ``iat``, ``nbf``) with 60 s of leeway, and a ``jti`` never seen before.
Keys come only from the trust file: a ``jku`` is never fetched. Why a token was refused is
said to the server's log only; the caller always gets the same answer.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit

import jwt
from jwt.algorithms import ECAlgorithm, RSAAlgorithm, RSAPSSAlgorithm

from dosecalc.foundation.errors import InputError

LEEWAY_SECONDS: Final = 60
"""How far a token's clock may be from this server's: for ``exp``, ``iat`` and ``nbf``."""

ALGORITHMS: Final[Mapping[str, tuple[str, str | None]]] = {
    "ES256": ("EC", "P-256"),
    "ES384": ("EC", "P-384"),
    "ES512": ("EC", "P-521"),
    "RS256": ("RSA", None),
    "RS384": ("RSA", None),
    "RS512": ("RSA", None),
    "PS256": ("RSA", None),
    "PS384": ("RSA", None),
    "PS512": ("RSA", None),
}
"""The only algorithms a token may use, each with the key type (and EC curve) it needs."""

_PRIVATE_MEMBERS: Final = ("d", "p", "q", "dp", "dq", "qi", "k")
_TRUST_MEMBERS: Final = frozenset({"issuers", "allowed_origins"})
_ISSUER_MEMBERS: Final = frozenset({"iss", "jwks", "jwks_file"})
MAX_TRUST_FILE_BYTES: Final = 1_000_000


class TokenError(Exception):
    """A token that is not believed; the message says why, for the server's log only."""


@dataclass(frozen=True)
class Issuer:
    """One EHR: its ``iss`` and its public keys, by ``kid``."""

    iss: str
    keys: Mapping[str, Mapping[str, Any]]


@dataclass
class Trust:
    """The issuers believed and the origins allowed, from the trust file; and the ``jti``
    of every token accepted, kept until that token expires."""

    issuers: Mapping[str, Issuer]
    allowed_origins: frozenset[str]
    _seen: dict[tuple[str, str], float] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def verify(self, authorization: str | None, audience: str, now: float | None = None) -> str:
        """The issuer of the bearer token in ``authorization``, once every check holds;
        raises `TokenError` saying which failed."""
        token = _bearer(authorization)
        try:
            header = jwt.get_unverified_header(token)
            claims = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError as error:
            raise TokenError(f"not a JWS compact token ({type(error).__name__})") from None
        alg = header.get("alg")
        if not isinstance(alg, str) or alg not in ALGORITHMS:
            raise TokenError("alg is not an asymmetric algorithm of the allowlist")
        if "typ" in header and header["typ"] != "JWT":
            raise TokenError("typ is not JWT")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise TokenError("no kid")
        iss = claims.get("iss")
        issuer = self.issuers.get(iss) if isinstance(iss, str) else None
        if issuer is None:
            raise TokenError("iss is not an issuer of the trust file")
        jwk = issuer.keys.get(kid)
        if jwk is None:
            raise TokenError("kid names no key of its issuer")
        key = _key_for(jwk, alg)
        now = time.time() if now is None else now
        try:
            verified = jwt.decode(
                token,
                key=key,
                algorithms=[alg],
                audience=audience,
                issuer=issuer.iss,
                leeway=LEEWAY_SECONDS,
                options={"require": ["exp", "iat", "iss", "aud", "jti"]},
            )
        except jwt.PyJWTError as error:
            raise TokenError(f"refused by the signature or claims check ({error})") from None
        return self._first_use(issuer.iss, verified, now)

    def _first_use(self, iss: str, claims: Mapping[str, Any], now: float) -> str:
        iat, exp, jti = claims.get("iat"), claims.get("exp"), claims.get("jti")
        if not isinstance(iat, int | float) or iat > now + LEEWAY_SECONDS:
            raise TokenError("iat is in the future")
        if not isinstance(jti, str) or not jti:
            raise TokenError("no jti")
        if not isinstance(exp, int | float):  # pragma: no cover - required and checked above
            raise TokenError("no exp")
        with self._lock:
            for seen, until in list(self._seen.items()):
                if until < now:
                    del self._seen[seen]
            if (iss, jti) in self._seen:
                raise TokenError("jti seen before (a replay)")
            self._seen[(iss, jti)] = float(exp) + LEEWAY_SECONDS
        return iss


def _bearer(authorization: str | None) -> str:
    if authorization is None:
        raise TokenError("no Authorization header")
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise TokenError("the Authorization scheme is not Bearer")
    return token.strip()


def _key_for(jwk: Mapping[str, Any], alg: str) -> Any:
    """The public key of ``jwk`` for ``alg``; raises `TokenError` when they do not fit."""
    kty, curve = ALGORITHMS[alg]
    if jwk.get("kty") != kty:
        raise TokenError(f"the key's kty does not fit {alg}")
    if "alg" in jwk and jwk["alg"] != alg:
        raise TokenError("the key states another alg")
    if curve is not None and jwk.get("crv") != curve:
        raise TokenError(f"the key's curve does not fit {alg}")
    reader = (
        ECAlgorithm if kty == "EC" else RSAPSSAlgorithm if alg.startswith("PS") else RSAAlgorithm
    )
    return reader.from_jwk(json.dumps(dict(jwk)))


def load_trust(path: str | Path) -> Trust:
    """The trust file at ``path``, validated; raises `InputError` naming the file and the
    problem (the server then never listens)."""
    file = Path(path)

    def refuse(problem: str) -> InputError:
        return InputError("trust", f"{file}: {problem}", "Correct the trust file and start again")

    data = _read_json(file, refuse)
    if not isinstance(data, dict):
        raise refuse("it is not a JSON object")
    unknown = set(data) - _TRUST_MEMBERS
    if unknown:
        raise refuse(f"unknown member {sorted(unknown)[0]!r}")
    issuers = data.get("issuers")
    if not isinstance(issuers, list) or not issuers:
        raise refuse("'issuers' must be a non-empty array")
    read: dict[str, Issuer] = {}
    for position, entry in enumerate(issuers):
        issuer = _issuer(entry, f"issuers[{position}]", file, refuse)
        if issuer.iss in read:
            raise refuse(f"issuers[{position}]: iss {issuer.iss!r} is listed twice")
        read[issuer.iss] = issuer
    origins = data.get("allowed_origins", [])
    if not isinstance(origins, list):
        raise refuse("'allowed_origins' must be an array")
    return Trust(read, frozenset(_origin(o, i, refuse) for i, o in enumerate(origins)))


def _read_json(file: Path, refuse: Any) -> Any:
    try:
        raw = file.read_bytes()[: MAX_TRUST_FILE_BYTES + 1]
    except OSError as error:
        raise refuse(f"cannot be read ({error.strerror or error})") from None
    if len(raw) > MAX_TRUST_FILE_BYTES:
        raise refuse(f"it is over {MAX_TRUST_FILE_BYTES:,} bytes")
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise refuse(f"it is not JSON in UTF-8 ({str(error).splitlines()[0]})") from None


def _issuer(entry: object, where: str, file: Path, refuse: Any) -> Issuer:
    if not isinstance(entry, dict):
        raise refuse(f"{where} is not an object")
    unknown = set(entry) - _ISSUER_MEMBERS
    if unknown:
        raise refuse(f"{where}: unknown member {sorted(unknown)[0]!r}")
    iss = entry.get("iss")
    if not isinstance(iss, str) or not iss.strip():
        raise refuse(f"{where}: 'iss' must be a non-empty string")
    if ("jwks" in entry) == ("jwks_file" in entry):
        raise refuse(f"{where}: give exactly one of 'jwks' and 'jwks_file'")
    if "jwks" in entry:
        jwks = entry["jwks"]
    else:
        name = entry["jwks_file"]
        if not isinstance(name, str) or not name:
            raise refuse(f"{where}: 'jwks_file' must be a file name")
        jwks = _read_json(
            file.parent / name, lambda problem: refuse(f"{where}: jwks_file {name}: {problem}")
        )
    return Issuer(iss, _keys(jwks, where, refuse))


def _keys(jwks: object, where: str, refuse: Any) -> dict[str, Mapping[str, Any]]:
    if not isinstance(jwks, dict) or not isinstance(jwks.get("keys"), list) or not jwks["keys"]:
        raise refuse(f"{where}: the JWK Set must be an object with a non-empty 'keys' array")
    keys: dict[str, Mapping[str, Any]] = {}
    for position, jwk in enumerate(jwks["keys"]):
        at = f"{where}: key {position}"
        if not isinstance(jwk, dict):
            raise refuse(f"{at} is not an object")
        private = [name for name in _PRIVATE_MEMBERS if name in jwk]
        if private:
            raise refuse(f"{at} holds the private member {private[0]!r}: give public keys only")
        if jwk.get("kty") not in ("EC", "RSA"):
            raise refuse(f"{at}: kty must be EC or RSA")
        kid = jwk.get("kid")
        if not isinstance(kid, str) or not kid:
            raise refuse(f"{at}: 'kid' must be a non-empty string")
        if kid in keys:
            raise refuse(f"{at}: kid {kid!r} is used twice")
        if "alg" in jwk and jwk["alg"] not in ALGORITHMS:
            raise refuse(f"{at}: alg {jwk['alg']!r} is not an asymmetric algorithm dosecalc takes")
        try:
            reader = ECAlgorithm if jwk["kty"] == "EC" else RSAAlgorithm
            reader.from_jwk(json.dumps(jwk))
        except (jwt.PyJWTError, ValueError, TypeError, KeyError) as error:
            raise refuse(f"{at} is not a valid public key ({error})") from None
        keys[kid] = dict(jwk)
    return keys


def _origin(origin: object, position: int, refuse: Any) -> str:
    where = f"allowed_origins[{position}]"
    if origin == "*":
        raise refuse(f"{where}: '*' is refused; list each origin")
    if not isinstance(origin, str):
        raise refuse(f"{where} is not a string")
    parts = urlsplit(origin)
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.path
        or parts.query
        or parts.fragment
        or parts.username is not None
        or parts.password is not None
    ):
        raise refuse(f"{where}: {origin!r} is not an origin (scheme://host[:port])")
    try:
        parts.port  # noqa: B018  # an invalid port raises
    except ValueError:
        raise refuse(f"{where}: {origin!r} has an invalid port") from None
    return origin.lower()
