"""Any TZ gives a report or a clear error; dates are compared as calendar dates.

The report's time is read in the local zone, or in UTC (said as UTC) where the zone cannot
be represented (``UTC+24``). A review date counts as in the future only after the local date
and a day of grace, so a library reviewed "today" in a zone ahead of this one loads. Each
value of ``TZ`` runs in a fresh interpreter, as a user's shell would start dosecalc.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from strategies import time_zones

from dosecalc.foundation.clock import local_time, zone_label

# Run under the TZ given: both reports, and the shipped rules reviewed on the local date
# shifted by each day from -1 to 2, each folder signed as a reviewer would.
UNDER_TZ = r"""
import contextlib, datetime as dt, io, json, shutil, sys
from pathlib import Path
sys.path.insert(0, sys.argv[3])
from conftest import reviewed
from dosecalc.faces.cli import main
from dosecalc.foundation.clock import local_today

def run(*args):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return {"code": code, "out": out.getvalue(), "err": err.getvalue()}

shipped, work = Path(sys.argv[1]), Path(sys.argv[2])
today = local_today()
seen = {"reports": {}, "reviews": {}}
for name in ("markdown", "html"):
    seen["reports"][name] = run("calc", "--weight", "70 kg", "--regimen", "iv", "--format", name)
for days in (-1, 0, 1, 2):
    folder = work / f"reviewed{days}"
    shutil.copytree(shipped, folder, ignore=shutil.ignore_patterns("MANIFEST.sha256"))
    rule = folder / "ketamine-palliative.toml"
    date = today + dt.timedelta(days=days)
    rule.write_text(
        rule.read_text(encoding="utf-8").replace(
            'aliases = ["iv"]',
            f'aliases = ["iv"]\nreviewed_by = "A Pharmacist"\nreview_date = {date}',
        ),
        encoding="utf-8",
    )
    reviewed(folder)
    seen["reviews"][days] = run("rules", "--check", str(folder))
seen["today"] = [str(today), str(local_today())]
print(json.dumps(seen))
"""


@pytest.mark.subprocess
@settings(max_examples=20, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(zone=time_zones())
def test_any_tz_gives_reports_and_a_review_dated_today_ahead_of_utc_loads(
    zone, tmp_path_factory, shipped_rules_dir
):
    work = tmp_path_factory.mktemp("tz")
    run = subprocess.run(
        [
            sys.executable,
            "-c",
            UNDER_TZ,
            str(shipped_rules_dir),
            str(work),
            os.path.dirname(__file__),
        ],
        env={**os.environ, "TZ": zone},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    seen = json.loads(run.stdout)
    for name, report in seen["reports"].items():
        assert (report["code"], report["err"]) == (0, ""), (name, report["err"])
        made = re.search(
            r"Made \d{4}-\d\d-\d\d\s\d\d:\d\d\s(UTC[+-]\d\d:\d\d|UTC|[A-Za-z]+\s\(UTC[^)]*\))\sby",
            report["out"],
        )
        assert made is not None, re.findall(r"Made [^\n<]*", report["out"])
    first, last = seen["today"]
    if first == last:  # not run across midnight
        reviews = {int(days): review for days, review in seen["reviews"].items()}
        assert [reviews[days]["code"] for days in (-1, 0, 1, 2)] == [0, 0, 0, 2], reviews
        refused = reviews[2]["err"]
        assert refused.count("\n") == 1
        assert "is in the future" in refused


@pytest.mark.parametrize(
    ("moment", "label"),
    [
        (dt.datetime(2026, 11, 24, 14, 5, tzinfo=dt.UTC), "UTC"),
        (dt.datetime(2026, 11, 24, 14, 5, tzinfo=dt.timezone(dt.timedelta(hours=14))), "UTC+14:00"),
        (
            dt.datetime(
                2026, 11, 24, 14, 5, tzinfo=dt.timezone(-dt.timedelta(hours=9, minutes=30))
            ),
            "UTC-09:30",
        ),
        (
            dt.datetime(2026, 11, 24, 14, 5, tzinfo=dt.timezone(dt.timedelta(hours=1), "CET")),
            "CET (UTC+01:00)",
        ),
        (dt.datetime(2026, 11, 24, 14, 5, tzinfo=dt.timezone(dt.timedelta(0), "garbage")), "UTC"),
    ],
)
def test_a_report_names_its_zone_by_its_offset_and_a_plain_abbreviation_only(moment, label):
    assert zone_label(moment) == label


def test_a_time_in_a_zone_python_cannot_represent_is_given_in_utc(monkeypatch):
    def unrepresentable(self, tz=None):
        if tz is None:
            raise ValueError("offset must be a timedelta strictly between -24 and 24 hours")
        return real(self, tz)

    real = dt.datetime.astimezone
    moment = dt.datetime(2026, 11, 24, 14, 5, tzinfo=dt.UTC)
    monkeypatch.setattr(
        "dosecalc.foundation.clock.dt.datetime",
        type("Unrepresentable", (dt.datetime,), {"astimezone": unrepresentable}),
    )
    shifted = local_time(moment)
    assert shifted == moment
    assert shifted.utcoffset() == dt.timedelta(0)
