"""`-o` cannot hurt: never the input, never a pipe, device or link, a unique temporary file
that is never followed through a symlink and never outlives an error or a signal, and the
previous output whole until the new one is complete. Every failure is one line and exit 2."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from conftest import default_interrupt
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dosecalc

CSV = "id,weight,regimen,dose\n" + "".join(f"{i},70 kg,iv,{i % 60} mg/h\n" for i in range(1, 40))
settings_for_files = settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def dosecalc_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "dosecalc", *args]


@settings_for_files
@given(spelling=st.sampled_from(["plain", "dot", "absolute", "parent", "hardlink", "via-link"]))
def test_an_output_that_is_the_input_is_refused_and_the_input_kept(
    run_cli, tmp_path, monkeypatch, spelling
):
    orders = tmp_path / "orders.csv"
    orders.write_text(CSV, encoding="utf-8")
    (tmp_path / "sub").mkdir(exist_ok=True)
    monkeypatch.chdir(tmp_path)
    if spelling == "hardlink" and not (tmp_path / "hard.csv").exists():
        os.link(orders, tmp_path / "hard.csv")
    if spelling == "via-link" and not (tmp_path / "linked").exists():
        (tmp_path / "linked").symlink_to(tmp_path, target_is_directory=True)
    output = {
        "plain": "orders.csv",
        "dot": "./orders.csv",
        "absolute": str(orders),
        "parent": "sub/../orders.csv",
        "hardlink": "hard.csv",
        "via-link": "linked/orders.csv",
    }[spelling]
    code, out, err = run_cli("audit", "orders.csv", "-o", output)
    assert (code, out) == (2, "")
    assert "is the orders file itself" in err
    assert orders.read_text(encoding="utf-8") == CSV


@pytest.mark.parametrize("kind", ["fifo", "folder", "symlink"])
def test_an_output_that_is_not_a_regular_file_is_refused_before_anything_is_read(
    run_cli, tmp_path, kind
):
    orders, target, victim = tmp_path / "orders.csv", tmp_path / "out", tmp_path / "victim"
    orders.write_text(CSV, encoding="utf-8")
    victim.write_text("keep me", encoding="utf-8")
    {"fifo": os.mkfifo, "folder": os.mkdir, "symlink": lambda p: p.symlink_to(victim)}[kind](target)
    code, out, err = run_cli("audit", str(orders), "-o", str(target))
    assert (code, out) == (2, "")
    assert err.startswith(f"dosecalc: output: '{target}' is ")
    assert victim.read_text(encoding="utf-8") == "keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["orders.csv", "out", "victim"]


@settings_for_files
@given(names=st.lists(st.sampled_from(["out.csv.partial", "out.csv.tmp", "out.csv.x"]), max_size=3))
def test_planted_links_beside_the_output_are_never_followed(run_cli, tmp_path, names):
    orders, victim = tmp_path / "orders.csv", tmp_path / "victim.txt"
    orders.write_text(CSV, encoding="utf-8")
    victim.write_text("keep me", encoding="utf-8")
    for name in names:
        link = tmp_path / f".{name}"
        if not link.is_symlink():
            link.symlink_to(victim)
    code, _, err = run_cli("audit", str(orders), "-o", str(tmp_path / "out.csv"))
    assert code == 0, err
    assert victim.read_text(encoding="utf-8") == "keep me"
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".partial") and not p.is_symlink()]


def test_a_new_output_gets_ordinary_permissions_and_a_replaced_one_keeps_its_own(run_cli, tmp_path):
    orders, out = tmp_path / "orders.csv", tmp_path / "out.csv"
    orders.write_text(CSV, encoding="utf-8")
    umask = os.umask(0o022)
    try:
        assert run_cli("audit", str(orders), "-o", str(out))[0] == 0
        assert out.stat().st_mode & 0o777 == 0o644
        out.chmod(0o600)
        assert run_cli("audit", str(orders), "-o", str(out))[0] == 0
        assert out.stat().st_mode & 0o777 == 0o600
    finally:
        os.umask(umask)


@pytest.mark.subprocess
def test_two_audits_to_the_same_output_never_interleave(tmp_path):
    first, second, out = tmp_path / "a.csv", tmp_path / "b.csv", tmp_path / "out.csv"
    rows = 60_000
    first.write_text("id,weight,regimen,dose\n" + "a,70 kg,iv,30 mg/h\n" * rows, "utf-8")
    second.write_text("id,weight,regimen,dose\n" + "b,70 kg,iv,3 mg/h\n" * rows, "utf-8")
    runs = [
        subprocess.Popen(
            dosecalc_command("audit", str(path), "-o", str(out)), stderr=subprocess.DEVNULL
        )
        for path in (first, second)
    ]
    assert [run.wait(timeout=120) for run in runs] == [0, 0]
    ids = {line.split(",", 1)[0] for line in out.read_text(encoding="utf-8").splitlines()[1:]}
    assert ids in ({"a"}, {"b"})
    assert len(out.read_text(encoding="utf-8").splitlines()) == rows + 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.csv", "b.csv", "out.csv"]


@pytest.mark.subprocess
@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_halfway_leaves_the_previous_output_whole_and_no_temporary_file(
    tmp_path, signum, code
):
    orders, out = tmp_path / "orders.csv", tmp_path / "out.csv"
    orders.write_text("id,weight,regimen,dose\n" + "1,70 kg,iv,30 mg/h\n" * 2_000_000, "utf-8")
    out.write_text("the previous audit\n", encoding="utf-8")
    run = subprocess.Popen(
        dosecalc_command("audit", str(orders), "-o", str(out)),
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=default_interrupt,
    )
    deadline = time.monotonic() + 60
    while not any(p.name.endswith(".partial") for p in tmp_path.iterdir()):
        assert time.monotonic() < deadline
        assert run.poll() is None
        time.sleep(0.02)
    run.send_signal(signum)
    _, err = run.communicate(timeout=60)
    assert run.returncode == code, err
    assert "Traceback" not in err
    assert out.read_text(encoding="utf-8") == "the previous audit\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["orders.csv", "out.csv"]


def shell(command: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    return subprocess.run(
        ["bash", "-c", command], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )


@pytest.mark.subprocess
@pytest.mark.parametrize(
    ("command", "says"),
    [
        ('dosecalc calc --weight "70 kg" --regimen iv > /dev/full', "No space left on device"),
        ("dosecalc audit orders.csv > /dev/full", "No space left on device"),
        ('dosecalc calc --weight "70 kg" --regimen iv >&-', "standard output is closed"),
        ("dosecalc audit - <&-", "standard input is closed"),
        ("dosecalc audit - < /dev/null", "file: it is empty"),
        ("set -o pipefail; dosecalc audit big.csv | head -c 10 > /dev/null", "incomplete"),
        ("dosecalc audit orders.csv -o /dev/full", "is not a regular file"),
    ],
)
def test_every_input_or_output_failure_is_one_line_and_exit_2(tmp_path, command, says):
    (tmp_path / "orders.csv").write_text(CSV, encoding="utf-8")
    (tmp_path / "big.csv").write_text(CSV + "1,70 kg,iv,30 mg/h\n" * 200_000, encoding="utf-8")
    run = shell(command, tmp_path)
    assert run.returncode == 2, run.stderr
    assert says in run.stderr
    assert run.stderr.startswith("dosecalc: ")
    assert run.stderr.count("\n") == 1, run.stderr


def test_an_output_in_a_folder_that_does_not_exist_is_one_clear_error(tmp_path):
    from dosecalc.faces.output_file import replaced_on_success

    with (
        pytest.raises(dosecalc.InputError, match="cannot be written"),
        replaced_on_success(tmp_path / "no" / "such" / "out.csv"),
    ):
        pass


def test_an_output_name_the_system_refuses_is_one_clear_error(tmp_path):
    from dosecalc.faces.output_file import refuse_unsafe_target

    with pytest.raises(dosecalc.InputError, match="cannot be written"):
        refuse_unsafe_target(tmp_path / ("x" * 5000), None)


def test_an_orders_file_that_has_gone_is_not_the_output(tmp_path):
    from dosecalc.faces.output_file import refuse_unsafe_target

    target = tmp_path / "out.csv"
    target.write_text("previous", encoding="utf-8")
    refuse_unsafe_target(target, tmp_path / "gone.csv")  # nothing to compare with: allowed


def test_an_output_written_from_another_thread_is_still_whole(tmp_path):
    import threading

    from dosecalc.faces.output_file import replaced_on_success

    target = tmp_path / "out.csv"

    def write() -> None:
        with replaced_on_success(target) as out:
            out.write("whole\n")

    thread = threading.Thread(target=write)
    thread.start()
    thread.join()
    assert target.read_text(encoding="utf-8") == "whole\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]


def test_an_output_that_cannot_be_moved_into_place_leaves_the_previous_one_whole(
    tmp_path, monkeypatch
):
    import errno

    from dosecalc.faces import output_file

    target = tmp_path / "out.csv"
    target.write_text("the previous audit\n", encoding="utf-8")

    def read_only(*_: object) -> None:
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(output_file.os, "replace", read_only)
    with (
        pytest.raises(dosecalc.InputError, match=r"cannot be written \(Read-only file system\)"),
        output_file.replaced_on_success(target) as out,
    ):
        out.write("the new audit\n")
    assert target.read_text(encoding="utf-8") == "the previous audit\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]


def test_sigterm_while_writing_unwinds_and_removes_the_temporary_file(tmp_path):
    from dosecalc.faces import output_file

    target = tmp_path / "out.csv"
    before = signal.getsignal(signal.SIGTERM)

    def write_then_get_terminated() -> None:
        with output_file.replaced_on_success(target) as out:
            out.write("half an audit\n")
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(5)  # the handler raises long before this ends

    with pytest.raises(SystemExit) as stopped:
        write_then_get_terminated()
    assert stopped.value.code == output_file.EXIT_TERMINATED == 143
    assert list(tmp_path.iterdir()) == []
    assert signal.getsignal(signal.SIGTERM) == before  # put back as it was


@pytest.mark.subprocess
def test_an_output_that_is_the_file_on_standard_input_is_refused(tmp_path):
    orders = tmp_path / "orders.csv"
    orders.write_text(CSV, encoding="utf-8")
    run = shell("dosecalc audit - -o orders.csv < orders.csv", tmp_path)
    assert run.returncode == 2, run.stderr
    assert "is the orders file itself" in run.stderr
    assert orders.read_text(encoding="utf-8") == CSV


@pytest.mark.subprocess
def test_a_closed_standard_error_never_breaks_an_audit_or_mixes_into_its_output(tmp_path):
    (tmp_path / "orders.csv").write_text(CSV, encoding="utf-8")
    run = shell("dosecalc audit orders.csv -o out.csv 2>&-", tmp_path)
    assert (run.returncode, run.stdout) == (0, "")
    assert (tmp_path / "out.csv").read_text(encoding="utf-8").count("\n") == CSV.count("\n")
    run = shell("dosecalc calc --weight 70 --regimen iv 2>&-", tmp_path)
    assert (run.returncode, run.stdout) == (2, "")


SIGNAL_AT_CREATION = """
import os, signal, sys, tempfile
point, signum, orders, out = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
real = {"open": os.open, "mkstemp": tempfile.mkstemp, "fdopen": os.fdopen, "fchmod": os.fchmod}

def signalled(name):
    def step(*args, **kwargs):
        ours = sys._getframe(1).f_globals["__name__"] == "dosecalc.faces.output_file"
        if point == name and ours and name in ("fdopen", "fchmod"):
            os.kill(os.getpid(), signum)  # before the step
        value = real[name](*args, **kwargs)
        if (point == name == "mkstemp" and ours) or (
            point == "open" and name == "open" and str(args[0]).endswith(".partial")
        ):
            os.kill(os.getpid(), signum)  # the file exists: inside mkstemp, or as it returns
        return value
    return step

os.open, os.fdopen, os.fchmod = signalled("open"), signalled("fdopen"), signalled("fchmod")
tempfile.mkstemp = signalled("mkstemp")
from dosecalc.faces.cli import main
sys.exit(main(["audit", orders, "-o", out]))
"""


@pytest.mark.subprocess
@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    point=st.sampled_from(["open", "mkstemp", "fdopen", "fchmod"]),
    signum=st.sampled_from([signal.SIGTERM, signal.SIGINT]),
    previous=st.booleans(),
)
def test_a_signal_while_the_temporary_file_is_created_leaves_no_temporary_file(
    tmp_path, point, signum, previous
):
    folder = Path(tempfile.mkdtemp(dir=tmp_path))  # one per example
    orders, out = folder / "orders.csv", folder / "out.csv"
    orders.write_text(CSV, encoding="utf-8")
    if previous:
        out.write_text("the previous audit\n", encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-c", SIGNAL_AT_CREATION, point, str(int(signum)), str(orders), str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        preexec_fn=default_interrupt,
    )
    assert run.returncode == 128 + signum, run.stderr
    assert sorted(p.name for p in folder.iterdir()) == ["orders.csv", *(["out.csv"] * previous)]
    if previous:
        assert out.read_text(encoding="utf-8") == "the previous audit\n"
