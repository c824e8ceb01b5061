"""``dosecalc web``'s page in Debian's Chromium (through ChromeDriver): axe-core finds no
WCAG 2.2 A/AA violation in any state under either colour scheme; the keyboard reaches every
control in order and submits; a refusal is announced as an alert; at 320 CSS px nothing
scrolls sideways, not even the SHA-256; printed, the answer stays and the form goes.

axe-core is vendored (tests/data/axe-core/, its version and licence in its README), so a
fresh clone needs no network beyond pip. Without Chromium these tests skip on a
workstation, and fail in CI (`required_program`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from conftest import CHROMIUM_FLAGS, DATA, required_program
from web_support import Served, served

import dosecalc

AXE = DATA / "axe-core" / "axe.min.js"
AXE_VERSION = "4.14.1"
AXE_SHA256 = "29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

STATES = {
    "empty": {},
    "result": {"weight": "154 kg", "regimen": "iv-infusion", "concentration": "1 mg/mL"},
    "check": {"weight": "70 kg", "regimen": "iv-infusion", "dose": "350 mg/hr"},
    "check within": {"weight": "70 kg", "regimen": "iv-infusion", "dose": "30 mg/hr"},
    "check out of range": {"weight": "70 kg", "regimen": "iv-infusion", "dose": "40 mg/hr"},
    "check per kg": {"regimen": "iv", "dose": "0.4 mg/kg/hr"},
    "error": {"weight": "70", "regimen": "iv-infusion", "dose": "35 mg/hr"},
}
FIELDS = [
    "f-weight",
    "f-regimen",
    "f-concentration",
    "f-height",
    "f-sex",
    "f-basis",
    "f-dose",
    "f-every",
]


@pytest.fixture(scope="module")
def server() -> Iterator[Served]:
    with served(dosecalc.load_rules()) as live:
        yield live


@pytest.fixture(scope="module")
def driver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = required_program("chromium")
    profile = tmp_path_factory.mktemp("chromium-profile")
    for flag in [*CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--window-size=1280,900"]:
        options.add_argument(flag)
    browser = webdriver.Chrome(service=Service(required_program("chromedriver")), options=options)
    browser.set_script_timeout(120)
    try:
        yield browser
    finally:
        browser.quit()


def open_page(driver: Any, server: Served, params: dict[str, str], scheme: str = "light") -> None:
    driver.execute_cdp_cmd(
        "Emulation.setEmulatedMedia",
        {"media": "", "features": [{"name": "prefers-color-scheme", "value": scheme}]},
    )
    driver.get(f"{server.base}/?{urlencode(params)}" if params else f"{server.base}/")
    # Measured once its stylesheet applies (a busy machine can run the check before it does).
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, 30).until(
        lambda d: d.execute_script(
            "return document.readyState === 'complete' && [...document.styleSheets]"
            ".some(sheet => sheet.href && sheet.href.endsWith('/static/dosecalc.css')"
            " && sheet.cssRules.length > 0)"
        )
    )


def axe(driver: Any) -> dict[str, Any]:
    driver.execute_script(AXE.read_text(encoding="utf-8"))
    return driver.execute_async_script(  # type: ignore[no-any-return]
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}, resultTypes: "
        "['violations']}).then(r => done({violations: r.violations.map(v => ({id: v.id, "
        "help: v.help, nodes: v.nodes.map(n => n.target.join(' ') + ': ' + n.failureSummary)"
        "}))}), e => done({error: String(e)}));",
        TAGS,
    )


def test_the_vendored_axe_core_is_the_version_named(server):
    assert hashlib.sha256(AXE.read_bytes()).hexdigest() == AXE_SHA256
    assert AXE.read_text(encoding="utf-8").startswith(f"/*! axe v{AXE_VERSION}")
    assert "Mozilla Public License" in (DATA / "axe-core" / "LICENSE").read_text()
    assert AXE_VERSION in (DATA / "axe-core" / "README.md").read_text()


@pytest.mark.subprocess
@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("state", list(STATES))
def test_axe_core_finds_no_wcag_22_aa_violation(driver, server, state, scheme):
    open_page(driver, server, STATES[state], scheme)
    dark = driver.execute_script("return matchMedia('(prefers-color-scheme: dark)').matches")
    assert dark == (scheme == "dark")
    background = driver.execute_script("return getComputedStyle(document.body).backgroundColor")
    assert background == ("rgb(18, 18, 18)" if dark else "rgb(255, 255, 255)")
    found = axe(driver)
    assert "error" not in found, found
    assert found["violations"] == [], json.dumps(found["violations"], indent=1)


def _tab_order(driver: Any, count: int) -> list[str]:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    driver.execute_script("document.activeElement && document.activeElement.blur()")
    order = []
    for _ in range(count):
        ActionChains(driver).send_keys(Keys.TAB).perform()
        order.append(driver.execute_script("return document.activeElement.id"))
    return order


@pytest.mark.subprocess
@pytest.mark.parametrize("state", ["empty", "check", "error"])
def test_the_keyboard_reaches_each_field_in_order_then_the_button(driver, server, state):
    open_page(driver, server, STATES[state])
    assert _tab_order(driver, len(FIELDS) + 1) == [*FIELDS, "submit"]
    outline = driver.execute_script("return getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"  # the focus is visible


@pytest.mark.subprocess
def test_a_keyboard_alone_fills_the_form_and_submits_it(driver, server):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    open_page(driver, server, {})
    _tab_order(driver, 1)
    keys = ActionChains(driver)
    keys.send_keys("70 kg", Keys.TAB, Keys.DOWN)  # the first regimen: iv-infusion
    keys.send_keys(Keys.TAB, Keys.TAB, Keys.TAB, Keys.TAB, Keys.TAB, "350 mg/hr", Keys.ENTER)
    keys.perform()
    driver.implicitly_wait(5)
    verdict = driver.find_element("id", "verdict")
    assert verdict.text.startswith("Verdict: PROBABLE ENTRY ERROR: ABOVE the range")
    assert verdict.get_attribute("role") == "alert"
    assert driver.find_element("id", "f-weight").get_attribute("value") == "70 kg"
    assert driver.find_element("id", "f-dose").get_attribute("value") == "350 mg/hr"


@pytest.mark.subprocess
def test_a_refusal_is_one_alert_that_assistive_technology_reads(driver, server):
    open_page(driver, server, STATES["error"])
    alerts = driver.find_elements("css selector", "[role=alert]")
    assert len(alerts) == 1
    assert alerts[0].text.startswith("Input refused: no dose is shown\nweight: '70' has no unit")
    weight = driver.find_element("id", "f-weight")
    assert weight.get_attribute("aria-invalid") == "true"
    described = weight.get_attribute("aria-describedby").split()
    assert "error-message" in described
    tree = driver.execute_cdp_cmd("Accessibility.getFullAXTree", {})["nodes"]
    roles = [node.get("role", {}).get("value") for node in tree]
    assert "alert" in roles
    described_by = [
        node
        for node in tree
        if node.get("role", {}).get("value") == "textbox"
        and node.get("name", {}).get("value") == "Weight"
    ]
    (textbox,) = described_by
    description = textbox.get("description", {}).get("value", "")
    assert "weight: '70' has no unit" in description
    assert driver.execute_script(
        "const d = document.getElementById('disclaimer');"
        "return !!(d.compareDocumentPosition(document.querySelector('input, select')) & 4)"
        " && !!(d.compareDocumentPosition(document.getElementById('error')) & 4);"
    )


_OVERFLOW = """
const width = document.documentElement.clientWidth;
const scroller = document.scrollingElement;
const beyond = [...document.querySelectorAll('body *')].filter(e => {
  const r = e.getBoundingClientRect();
  const style = getComputedStyle(e);
  return style.display !== 'none' && r.width > 0 &&
         (r.right > width + 0.5 || r.left < -0.5 || e.scrollWidth > e.clientWidth + 1 &&
          style.overflowX !== 'visible');
}).map(e => e.tagName + '#' + e.id + '.' + e.className + ': ' + e.textContent.slice(0, 60));
return {width, scrollWidth: scroller.scrollWidth, clientWidth: scroller.clientWidth, beyond};
"""


@pytest.mark.subprocess
@pytest.mark.parametrize("state", list(STATES))
def test_at_320_css_px_nothing_scrolls_sideways_or_is_clipped(driver, server, state):
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": 320, "height": 640, "deviceScaleFactor": 1, "mobile": True},
    )
    try:
        open_page(driver, server, STATES[state])
        measured = driver.execute_script(_OVERFLOW)
        assert measured["width"] == 320
        assert measured["scrollWidth"] <= measured["clientWidth"], measured
        assert measured["beyond"] == [], measured
        if state in ("result", "check"):
            sha = dosecalc.load_rules().sha256
            assert sha in driver.find_element("tag name", "body").text.replace("\n", "")
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


@pytest.mark.subprocess
@pytest.mark.parametrize("state", ["result", "check"])
def test_printed_the_answer_stays_and_the_form_and_buttons_go(driver, server, state):
    open_page(driver, server, STATES[state])
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        shown = driver.execute_script(
            "const seen = e => e && getComputedStyle(e).display !== 'none' &&"
            " e.getClientRects().length > 0;"
            "return {form: seen(document.querySelector('form')),"
            " buttons: [...document.querySelectorAll('button')].some(seen),"
            " disclaimer: seen(document.getElementById('disclaimer')),"
            " verdict: seen(document.getElementById('verdict')),"
            " text: document.body.innerText};"
        )
    finally:
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
    assert not shown["form"]
    assert not shown["buttons"]
    assert shown["disclaimer"]
    text = shown["text"].replace("\u00a0", " ")
    assert dosecalc.load_rules().sha256 in text.replace("\n", "")
    assert "Range in the source 0.3 to 0.5 mg/kg/hr" in " ".join(text.split())
    if state == "check":
        assert shown["verdict"]
        assert "Verdict: PROBABLE ENTRY ERROR" in text
