"""``dosecalc web``'s HTML face over real HTTP: one GET form, the disclaimer first, the same
answers as the CLI in the library's own words, errors in an alert with no dose, nothing
typed echoed unescaped, nothing from another origin, and a print style."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from urllib.parse import urlencode

import pytest
import strategies
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from web_support import Served, served

import dosecalc
from dosecalc.faces import html_face
from dosecalc.reports.contents import bind_units, calc_sections, check_sections


@pytest.fixture(scope="module")
def server() -> Iterator[Served]:
    with served(dosecalc.load_rules()) as live:
        yield live


def get(server: Served, **params: str) -> tuple[int, str]:
    reply = server.request("GET", f"/?{urlencode(params)}" if params else "/")
    assert reply.header("Content-Type") == "text/html; charset=utf-8"
    return reply.status, reply.text


def plain(page: str) -> str:
    """The page's text as read: tags dropped, entities and no-break spaces undone."""
    text = re.sub(r"<[^>]+>", " ", page)
    return " ".join(html.unescape(text).replace("\u00a0", " ").split())


class Elements(HTMLParser):
    """Every start tag of a page, with its attributes, in order."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.feed(page)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def all(self, tag: str) -> list[dict[str, str | None]]:
        return [attrs for name, attrs in self.tags if name == tag]


def test_the_empty_page_is_one_get_form_with_a_labelled_control_per_parameter(server):
    status, page = get(server)
    assert status == 200
    parsed = Elements(page)
    (form,) = parsed.all("form")
    assert form["method"] == "get"
    assert form["action"] == "/"
    controls = {a["name"]: tag for tag, a in parsed.tags if tag in ("input", "select")}
    assert controls == {
        "weight": "input",
        "regimen": "select",
        "concentration": "input",
        "height": "input",
        "sex": "select",
        "basis": "select",
        "dose": "input",
        "every": "input",
    }
    labelled = {a["for"] for a in parsed.all("label")}
    for tag, attrs in parsed.tags:
        if tag in ("input", "select"):
            assert attrs["id"] in labelled
            if tag == "input":
                assert attrs["type"] == "text"
    assert [a["type"] for a in parsed.all("button")] == ["submit"]


def test_the_regimens_are_offered_by_id_labelled_as_the_app_labels_them(server):
    _status, page = get(server)
    options = re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', page)
    assert ("iv-infusion", "ketamine · Low dose, intravenous infusion") in options
    assert ("sublingual-buccal", "ketamine · Sublingual/Buccal, sublingual or buccal") in options


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"weight": "70 kg", "regimen": "iv-infusion"},
        {"weight": "70 kg", "regimen": "iv-infusion", "dose": "350 mg/hr"},
        {"weight": "70", "regimen": "iv-infusion"},
    ],
)
def test_the_disclaimer_comes_before_the_first_control_and_any_figure(server, params):
    _status, page = get(server, **params)
    at = page.index(html.escape(dosecalc.DISCLAIMER))
    assert at < page.index("<input")
    assert at < page.index("<select")
    body = page[page.index("<body") :]
    before = re.sub(r"<[^>]+>", " ", body[: body.index(html.escape(dosecalc.DISCLAIMER))])
    assert not re.search(r"\d", before)


def test_a_result_shows_what_calc_shows_in_the_librarys_words(server):
    params = {"weight": "154 kg", "regimen": "iv", "concentration": "1 mg/mL"}
    status, page = get(server, **params)
    assert status == 200
    result = dosecalc.calculate(**params)
    text = plain(page)
    for section in calc_sections(result):
        assert section.title in text
        for label, value in section.rows:
            assert f"{label} {value}" in text, label
        for item in section.items:
            assert item in text
    for said in (
        result.dose.display,
        result.pump_rate.display,
        result.dose_per_24h.display,
        result.dose_per_kg_per_min.display,
        result.supervision,
        result.basis.rules_sha256,
        result.basis.source_quote,
        *(w.message for w in result.warnings),
        *result.notes,
    ):
        assert said in text
    assert page.index(result.supervision) < page.index("<input")  # beside the disclaimer


def test_a_check_shows_the_verdict_first_in_the_librarys_words(server):
    params = {"weight": "70 kg", "regimen": "iv-infusion", "dose": "350 mg/hr"}
    status, page = get(server, **params)
    assert status == 200
    checked = dosecalc.check(**params)
    text = plain(page)
    verdict = f"Verdict: {checked.display['verdict']}"
    assert verdict in text
    assert text.index(verdict) < text.index("Proposed 350 mg/hr")
    assert checked.display["range"] in text
    assert checked.display["dose_rate_range"] in text
    assert checked.probable_entry_error is not None
    for slip in checked.probable_entry_error.slips:
        assert slip.display in text
    assert re.search(r'<p class="headline stop" id="verdict" role="alert">Verdict: PROBABLE', page)
    assert "<title>PROBABLE ENTRY ERROR" in page


def test_a_dose_per_kg_is_checked_without_a_weight_as_check_does(server):
    status, page = get(server, regimen="iv", dose="0.4 mg/kg/hr")
    assert status == 200
    checked = dosecalc.check(regimen="iv", dose="0.4 mg/kg/hr")
    text = plain(page)
    assert f"Verdict: {checked.display['verdict']}" in text
    for section in check_sections(checked):
        assert section.title in text


@pytest.mark.parametrize(
    ("params", "field", "status"),
    [
        ({"weight": "70", "regimen": "iv"}, "weight", 422),
        ({"weight": "70 kg", "regimen": "nasal"}, "regimen", 422),
        ({"weight": "70 kg", "regimen": "iv", "dose": "35 mg"}, "dose", 422),
        ({"weight": "70 kg", "regimen": "iv", "concentration": "1 kg"}, "concentration", 422),
        ({"weight": "70 kg", "regimen": "iv", "sex": "other"}, "sex", 422),
        ({"weight": "70 kg", "regimen": "iv", "basis": "lean"}, "basis", 422),
        ({"regimen": "iv"}, "weight", 422),
    ],
)
def test_an_input_the_library_refuses_shows_the_form_as_typed_and_its_message_in_an_alert(
    server, params, field, status
):
    got, page = get(server, **params)
    assert got == status
    alert = re.search(r'<section class="error" id="error" role="alert".*?</section>', page, re.S)
    assert alert is not None
    message = plain(alert.group())
    assert f"{field}:" in message
    for name, value in params.items():
        if name in ("regimen", "sex", "basis"):
            assert re.search(rf'<option value="{re.escape(html.escape(value))}" selected>', page)
        else:
            assert f'value="{html.escape(value)}"' in page
    invalid = Elements(page)
    marked = [a for t, a in invalid.tags if a.get("aria-invalid") == "true"]
    assert [a["name"] for a in marked] == [field]
    assert "error-message" in marked[0]["aria-describedby"]
    _no_dose(page)


def _no_dose(page: str) -> None:
    """No dose anywhere on the page: no figure with a dose unit outside the library's
    message (which may quote what was typed, and its examples), and no range at all."""
    outside = re.sub(r'<section class="error".*?</section>', "", page, flags=re.S)
    text = plain(outside)
    assert not re.search(r"\d\s*(mg|mcg|mL)\b", text), text
    assert not re.search(r"\d to \d", plain(page))
    assert 'class="answer"' not in page


def test_a_parameter_given_twice_is_400(server):
    reply = server.request("GET", "/?weight=70+kg&weight=80+kg&regimen=iv")
    assert reply.status == 400
    assert "weight: given more than once" in plain(reply.text)
    _no_dose(reply.text)


def test_an_empty_parameter_counts_as_not_given(server):
    status, page = get(server, weight="70 kg", regimen="iv", dose="", height="", sex="", basis="")
    assert status == 200
    assert "Verdict" not in page
    assert "21 to 35 mg/hr" in plain(page)
    status, page = get(server, weight="", regimen="", dose="")
    assert status == 200
    assert "Result" not in plain(page)
    assert 'role="alert"' not in page


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=strategies.queries_without_a_regimen())
@example(query={"weight": "70 kg", "dose": "300 mg/hr"})
@example(query={"weight": "70 kg", "regimen": ""})
@example(query={})
def test_any_field_without_a_regimen_is_422_naming_the_regimen_as_the_cli_refuses_it(server, query):
    """The CLI requires --regimen: any field given without one is 422, the form as typed,
    an alert naming the regimen field and how to fix it, and no dose; nothing given at all
    (a bare GET /, or every field blank) is the empty form, 200."""
    status, page = get(server, **query)
    if not any(value.strip() for value in query.values()):
        assert status == 200
        assert 'role="alert"' not in page
        return
    assert status == 422
    alert = re.search(r'<section class="error" id="error" role="alert".*?</section>', page, re.S)
    assert alert is not None
    message = plain(alert.group())
    assert message.startswith("Input refused: no dose is shown regimen: no regimen was chosen")
    assert "Choose the regimen in the Regimen field: 'iv-infusion'" in message
    for name, value in query.items():
        if name in ("weight", "concentration", "height", "dose"):
            assert f'value="{html.escape(value)}"' in page
        elif value and name in ("sex", "basis"):
            assert re.search(rf'<option value="{re.escape(html.escape(value))}" selected>', page)
    marked = [a for _t, a in Elements(page).tags if a.get("aria-invalid") == "true"]
    assert [a["name"] for a in marked] == ["regimen"]
    _no_dose(page)


def test_an_alias_typed_in_the_address_is_kept_as_typed(server):
    _status, page = get(server, weight="70 kg", regimen="IV")
    assert '<option value="IV" selected>IV</option>' in page


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    field=st.sampled_from(html_face.PARAMETERS),
    typed=st.text(alphabet=st.characters(exclude_categories=("Cs",)), min_size=1, max_size=40).map(
        lambda t: f"<b x='1'>\"&{t}</b>"
    ),
)
def test_nothing_typed_is_ever_echoed_unescaped(server, field, typed):
    params = {"weight": "70 kg", "regimen": "iv", field: typed}
    reply = server.request("GET", f"/?{urlencode(params)}")
    assert reply.status in (200, 400, 422)
    assert "<b x=" not in reply.text
    assert "Traceback" not in reply.text


def test_any_other_path_is_404_and_there_is_no_post(server):
    for path in ("/index.html", "/cds-services", "/static/", "/static/other.css", "/../etc/passwd"):
        assert server.request("GET", path).status == 404, path
    posted = server.request("POST", "/", "weight=70+kg")
    assert posted.status == 405
    assert "GET" in posted.header("Allow")
    assert server.request("PUT", "/").status == 405


def test_a_page_on_a_host_it_does_not_answer_to_is_403(server):
    reply = server.request("GET", "/", headers={"Host": "rebound.example"})
    assert reply.status == 403
    assert "<h1>dosecalc: 403</h1>" in reply.text


def test_an_internal_error_is_a_page_with_no_traceback(server, monkeypatch):
    def broken(*args: object) -> None:
        raise RuntimeError("boom /secret")

    monkeypatch.setattr(html_face, "answer", broken)
    reply = server.request("GET", "/?weight=70+kg&regimen=iv")
    assert reply.status == 500
    assert "boom" not in reply.text
    assert "Traceback" not in reply.text


def test_nothing_comes_from_another_origin(server):
    _status, page = get(server, weight="70 kg", regimen="iv", dose="30 mg/hr")
    parsed = Elements(page)
    for tag, attrs in parsed.tags:
        for name in ("src", "href", "action"):
            value = attrs.get(name)
            if value is not None:
                assert value.startswith("/"), (tag, value)
                assert not value.startswith("//"), (tag, value)
    assert parsed.all("script") == []
    reply = server.request("GET", "/")
    policy = reply.header("Content-Security-Policy")
    assert "default-src 'none'" in policy
    assert "form-action 'self'" in policy
    css = server.request("GET", "/static/dosecalc.css")
    assert css.status == 200
    assert css.header("Content-Type").startswith("text/css")
    assert not re.search(r"url\(|@import|https?:", css.text)


def test_the_print_stylesheet_hides_the_form_and_buttons_and_keeps_the_answer(server):
    css = server.request("GET", "/static/dosecalc.css").text
    printed = css[css.index("@media print") :]
    hidden = re.search(r"([^{}]*)\{\s*display:\s*none", printed)
    assert hidden is not None
    assert {"form", "button"} <= {s.strip() for s in hidden.group(1).split(",")}
    for kept in ("disclaimer", "headline", "answer"):
        assert f".{kept}" not in hidden.group(1)


def test_the_answers_equal_the_cli_for_each_regimen_and_form(server, run_cli):
    for params in (
        {"weight": "70 kg", "regimen": "iv", "dose": "0.6 mg/kg/hr"},
        {"weight": "154 lb", "regimen": "iv", "dose": "25 mL/hr", "concentration": "1 mg/mL"},
        {"regimen": "sublingual", "dose": "75 mg"},
        {"weight": "80 kg", "height": "170 cm", "sex": "male", "basis": "ideal", "regimen": "iv"},
    ):
        arguments = [f"--{k}={v}" for k, v in params.items()]
        command = "check" if "dose" in params else "calc"
        _code, out, _err = run_cli(command, *arguments)
        _status, page = get(server, **params)
        text = plain(page)
        for line in out.splitlines():
            figures = re.findall(r"\d[\d.,]* to [\d.,]+ [\w/]+", line)
            for figure in figures:
                assert figure in text, (params, figure)
        if command == "check":
            verdict = " ".join(out.split()).split("Verdict: ", 1)[1].split(":")[0]
            assert verdict in text


def test_figures_are_bound_to_their_units(server):
    _status, page = get(server, weight="70 kg", regimen="iv")
    assert bind_units("21 to 35 mg/hr") in html.unescape(page)


@given(
    name=st.text(min_size=1, max_size=12).filter(lambda n: n not in html_face.PARAMETERS)
    | st.sampled_from(["Dose", "DOSE", " dose", "Weight", "doses", "utm_source"]),
)
@example(name="Dose")
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=25)
def test_a_parameter_the_page_does_not_read_is_refused_and_no_dose_is_shown(server, name):
    """?weight=70+kg&regimen=iv&Dose=350+mg/hr showed the range and no check: a dose under
    another name went unchecked and unsaid. Any name the page does not read is a 400 that
    names it (and the one meant, when only its case differs); no figure is shown."""
    page = html_face.answer(
        {"weight": ["70 kg"], "regimen": ["iv"], name: ["350 mg/hr"]}, dosecalc.load_rules()
    )
    assert page.status == 400
    assert page.result is None
    assert page.check is None
    assert page.error is not None
    assert "not a field of this page" in page.error
    if name.strip().casefold() in html_face.PARAMETERS:
        assert f"Write it '{name.strip().casefold()}'" in page.error
    reply = server.request("GET", "/?" + urlencode({"weight": "70 kg", "regimen": "iv", name: "3"}))
    assert reply.status == 400
    _no_dose(reply.text)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(
    weight=st.sampled_from(["3.5 kg", "70 lb", "38 kg", "70 kg", "154 kg", "200 kg", None]),
    regimen=st.sampled_from(["iv", "sl"]),
)
def test_the_pages_title_leads_with_what_leads_the_page(server, weight, regimen):
    """A tab's title is often all that is seen of a page: a result with something to settle
    before any figure (a patient the source does not cover) says it there too."""
    params = {"regimen": regimen, **({"weight": weight} if weight is not None else {})}
    try:
        result = dosecalc.calculate(**params)
    except dosecalc.InputError:
        return
    status, page = get(server, **params)
    assert status == 200
    (title,) = re.findall(r"<title>(.*?)</title>", page, flags=re.DOTALL)
    title = html.unescape(title).replace("\xa0", " ")  # a figure bound to its unit
    if result.headline is not None:
        assert title.startswith(f"{result.headline.says} · ")
        assert result.headline.says.split(":")[0] in plain(page)
    else:
        assert title == f"{result.drug}, {result.route} · dosecalc"
