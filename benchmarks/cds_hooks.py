"""A CDS Hooks call to ``dosecalc web`` against a bare aiohttp handler, in one run.

    python benchmarks/cds_hooks.py [--calls N]

Both servers listen on loopback in this process's event loop and are called over real
HTTP by one aiohttp client, alternately, N times each (default 400) after a warm-up. The
dosecalc call is an ``order-sign`` with a weight prefetch and one ketamine order above the
range (so a card is written: the token verified, the request read, `check` run, the card's
detail built); its ES384 token is signed beforehand, a fresh one per call (each ``jti`` is
used once). The reference is a handler that returns fixed JSON. Prints p50 and p99 of each
and the ratio of the p99s (goal: within 3x, and under 100 ms).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from aiohttp import ClientSession, web

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from web_support import (  # the tests' fake EHR and requests
    EHR_ISS,
    SANDBOX_ISS,
    FakeEHR,
    free_port,
    hook_request,
    medication_request,
    write_trust,
)

import dosecalc
from dosecalc.faces import web as web_face
from dosecalc.faces.trust import load_trust
from dosecalc.faces.web_app import SERVICE_PATH, WebService


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


async def measure(calls: int) -> None:
    ehr = FakeEHR(EHR_ISS, "ES384")
    folder = Path(tempfile.mkdtemp(prefix="dosecalc-bench-"))
    trust = load_trust(write_trust(folder, ehr, FakeEHR(SANDBOX_ISS, "RS384")))
    ours_port, bare_port = free_port(), free_port()
    service = WebService(
        dosecalc.load_rules(),
        base_url=web_face.url_of("127.0.0.1", ours_port),
        allowed_hosts=web_face.allowed_hosts("127.0.0.1", ours_port, None),
        trust=trust,
        log=lambda line: None,
    )
    fixed = {"cards": [{"summary": "fixed", "indicator": "info", "source": {"label": "x"}}]}

    async def bare(request: web.Request) -> web.Response:
        await request.read()
        return web.json_response(fixed)

    plain = web.Application()
    plain.router.add_post("/cds-services/fixed", bare)
    runners = []
    for app, port in ((service.app(), ours_port), (plain, bare_port)):
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        runners.append(runner)
    audience = f"http://127.0.0.1:{ours_port}{SERVICE_PATH}"
    body = json.dumps(hook_request(medication_request(rate=(45, "mg/h"))))
    warm = 20
    tokens = [ehr.token(audience) for _ in range(calls + warm)]
    ours: list[float] = []
    reference: list[float] = []
    async with ClientSession() as session:

        async def timed(url: str, token: str | None) -> float:
            headers = {"Content-Type": "application/json"}
            if token is not None:
                headers["Authorization"] = f"Bearer {token}"
            start = time.perf_counter()
            async with session.post(url, data=body, headers=headers) as response:
                await response.read()
                assert response.status == 200, response.status
            return time.perf_counter() - start

        for i, token in enumerate(tokens):
            dosecalc_time = await timed(audience, token)
            bare_time = await timed(f"http://127.0.0.1:{bare_port}/cds-services/fixed", None)
            if i >= warm:
                ours.append(dosecalc_time)
                reference.append(bare_time)
    for runner in runners:
        await runner.cleanup()
    p50, p99 = percentile(ours, 0.5), percentile(ours, 0.99)
    b50, b99 = percentile(reference, 0.5), percentile(reference, 0.99)
    print(f"  {calls} calls each, alternating, over loopback HTTP")
    print(
        f"  bare aiohttp handler, fixed JSON:   p50 {b50 * 1e3:6.2f} ms   p99 {b99 * 1e3:6.2f} ms"
    )
    print(
        f"  dosecalc order-sign with prefetch:  p50 {p50 * 1e3:6.2f} ms   p99 {p99 * 1e3:6.2f} ms"
    )
    means = statistics.fmean(ours) * 1e3, statistics.fmean(reference) * 1e3
    print(f"  mean {means[0]:.2f} ms vs {means[1]:.2f} ms")
    print(f"  ratio of p99s: {p99 / b99:.1f}x (goal <= 3x; and p99 under 100 ms)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=400)
    asyncio.run(measure(parser.parse_args().calls))


if __name__ == "__main__":
    main()
