"""A core that is safe to share: threads, processes, pickled errors and a broken unit cache.

Each property runs in a fresh interpreter, where the registry and every cache are still
unbuilt, because a first call is the one that races.
"""

from __future__ import annotations

import copy
import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import order_rows

import dosecalc
from dosecalc.foundation import errors

COLUMNS = ("weight", "regimen", "dose", "concentration", "height", "sex", "basis", "every")

# Runs in a fresh Python: N threads wait at a barrier, then all make their first calls at
# once (check, calculate and audit); afterwards one thread does the same work alone.
_FIRST_CALLS_AT_ONCE = """
import json, sys, threading
import dosecalc

orders, threads = json.load(sys.stdin), int(sys.argv[1])

def work():
    out = []
    for order in orders:
        given = {k: v for k, v in order.items() if v or k in {"weight", "regimen"}}
        given.pop("dose", None)
        every = given.pop("every", None)
        checked = {**given, "dose": order["dose"], "every": every}
        for call, arguments in ((dosecalc.check, checked), (dosecalc.calculate, given)):
            try:
                out.append(call(**arguments).model_dump(mode="json"))
            except dosecalc.DoseCalcError as error:
                out.append([type(error).__name__, str(error)])
    columns = {name: [order[name] for order in orders] for name in orders[0]}
    out.append({k: [str(v) for v in values] for k, values in dosecalc.audit(columns).items()})
    return out

barrier = threading.Barrier(threads)
results = [None] * threads

def racer(index):
    barrier.wait()
    results[index] = work()

pool = [threading.Thread(target=racer, args=(i,)) for i in range(threads)]
for thread in pool:
    thread.start()
for thread in pool:
    thread.join()
alone = work()
print(json.dumps({"same": sum(r == alone for r in results), "threads": threads}))
"""

orders_tables = st.lists(order_rows(), min_size=1, max_size=12).map(
    lambda rows: [dict(zip(COLUMNS, row, strict=True)) for row in rows]
)


def fresh_python(
    code: str, *args: str, stdin: str = "", env: dict[str, str] | None = None, folder: Path
):
    """Run ``code`` as a script file (spawned workers re-import their parent's main file)."""
    script = folder / "script.py"
    script.write_text(code, encoding="utf-8")
    return subprocess.run(
        [sys.executable, str(script), *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


@pytest.mark.subprocess
@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(orders=orders_tables, threads=st.sampled_from([4, 8, 16]))
def test_many_threads_making_their_first_calls_at_once_get_what_one_thread_gets(
    tmp_path_factory, orders, threads
):
    folder = tmp_path_factory.mktemp("threads")
    run = fresh_python(_FIRST_CALLS_AT_ONCE, str(threads), stdin=json.dumps(orders), folder=folder)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == {"same": threads, "threads": threads}


# Forked children inherit a built registry (and a lock another thread may hold); spawned
# children build their own. Each audits its share and the shares must equal one audit.
_PROCESS_POOL = """
import json, sys, threading, multiprocessing
import dosecalc

def audit_share(columns):
    return {k: [str(v) for v in values] for k, values in dosecalc.audit(columns).items()}

if __name__ == "__main__":
    orders, method = json.load(sys.stdin), sys.argv[1]
    columns = {name: [order[name] for order in orders] for name in orders[0]}
    if method == "fork":
        dosecalc.check(weight="70 kg", regimen="iv", dose="30 mg/h")  # built before the fork
        busy = threading.Thread(target=lambda: [dosecalc.registry() for _ in range(20000)])
        busy.start()
    shares = [{k: v[i::3] for k, v in columns.items()} for i in range(3)]
    with multiprocessing.get_context(method).Pool(3) as pool:
        parts = pool.map(audit_share, shares)
    whole = audit_share(columns)
    merged = {k: [None] * len(orders) for k in whole}
    for i, part in enumerate(parts):
        for k, values in part.items():
            merged[k][i::3] = values
    print(json.dumps(merged == whole))
"""


@pytest.mark.subprocess
@pytest.mark.parametrize("method", ["fork", "spawn", "forkserver"])
@settings(max_examples=2, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(orders=orders_tables)
def test_worker_processes_audit_exactly_as_one_process_does(tmp_path_factory, method, orders):
    folder = tmp_path_factory.mktemp("processes")
    run = fresh_python(_PROCESS_POOL, method, stdin=json.dumps(orders), folder=folder)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) is True


INPUT_ERRORS = [
    cls
    for cls in vars(errors).values()
    if isinstance(cls, type) and issubclass(cls, errors.InputError)
]
words = st.text(min_size=0, max_size=40)


@given(
    cls=st.sampled_from(INPUT_ERRORS),
    field=words,
    problem=words,
    fix=words,
    proto=st.integers(0, pickle.HIGHEST_PROTOCOL),
)
def test_every_input_error_survives_pickle_and_copy_whole(cls, field, problem, fix, proto):
    error = cls(field, problem, fix)
    for twin in (
        pickle.loads(pickle.dumps(error, protocol=proto)),
        copy.copy(error),
        copy.deepcopy(error),
    ):
        assert type(twin) is cls
        assert (twin.field, twin.problem, twin.fix, str(twin)) == (field, problem, fix, str(error))


@given(message=words, proto=st.integers(0, pickle.HIGHEST_PROTOCOL))
def test_a_rules_error_survives_pickle_whole(message, proto):
    error = errors.RulesError(message)
    twin = pickle.loads(pickle.dumps(error, protocol=proto))
    assert type(twin) is errors.RulesError
    assert str(twin) == str(error)  # whole, and as printable as made (one line, escaped)
    assert str(error) == message or not message.isprintable()


@given(order=order_rows())
def test_the_errors_dosecalc_raises_cross_a_process_boundary(order):
    fields = dict(zip(COLUMNS, order, strict=True))
    given_fields = {k: v for k, v in fields.items() if v or k in {"weight", "regimen", "dose"}}
    try:
        dosecalc.check(**given_fields)
    except dosecalc.DoseCalcError as raised:
        error: dosecalc.DoseCalcError | None = raised
    else:
        error = None
    if error is not None:
        twin = pickle.loads(pickle.dumps(error))
        assert (type(twin), str(twin), twin.args) == (type(error), str(error), error.args)


_CALC = "import dosecalc; print(dosecalc.calculate(weight='70 kg', regimen='iv').dose.display)"


def cache_files(root: Path) -> list[Path]:
    return sorted(p for p in (root / "dosecalc" / "pint").glob("*") if p.is_file())


@pytest.mark.subprocess
@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda data: b"", id="emptied"),
        pytest.param(lambda data: data[:1], id="one-byte-left"),
        pytest.param(lambda data: data[: len(data) // 2], id="cut-in-half"),
        pytest.param(lambda data: data[:-1], id="last-byte-lost"),
        pytest.param(lambda data: b"\x80\x05garbage" * 50, id="garbage"),
        pytest.param(lambda data: bytes(len(data)), id="zeroed"),
    ],
)
def test_a_damaged_unit_cache_is_rebuilt_and_never_fails_a_command(tmp_path, damage):
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path), "DOSECALC_UNIT_CACHE": "1"}
    first = fresh_python(_CALC, env=env, folder=tmp_path)
    assert first.stdout == "21 to 35 mg/hr\n", first.stderr
    pickles = [p for p in cache_files(tmp_path) if p.suffix == ".pickle"]
    assert pickles, "the first run writes pint's cache"
    for path in pickles:
        path.write_bytes(damage(path.read_bytes()))
    for _ in range(2):  # the run that meets the damage, then the one after it
        run = fresh_python(_CALC, env=env, folder=tmp_path)
        assert (run.returncode, run.stdout, run.stderr) == (0, "21 to 35 mg/hr\n", "")
    assert [p for p in cache_files(tmp_path) if p.suffix == ".pickle"], "the cache is whole again"
