"""Generated inputs (issue 12, section 5): hypothesis against every response parser, the
JSON decoder, the HTTP client over real HTTP on 127.0.0.1, the validation rules and the
walkthrough's scenario reader. Whatever comes in, each ends in its result or in a typed
error: never a traceback. The number of cases run is printed at the end of the run.
"""

from __future__ import annotations

import contextlib
import gzip
import inspect
import json
import re
import threading
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

import pytest
import requests
from hostile_http import HostileServer, head
from hypothesis import given
from hypothesis import strategies as st
from test_services_http import CERT, JOB, RENEWAL

from kiosk.flows import validation
from kiosk.services import parse
from kiosk.services.errors import BackendError
from kiosk.services.http import (
    HELP_CODE,
    MAX_JSON_DEPTH,
    PARSE_ERRORS,
    JsonHttpClient,
    MalformedResponse,
    decode_json,
)
from kiosk.walkthrough import Scenario, ScenarioError, load_scenario
from tests.generated_cases import counted

ROOT = Path(__file__).resolve().parents[2]
SHOWN_CODE = re.compile(r"AC-(AB|KI)-\d{4}")

#: Every parser of kiosk/services/parse.py that takes a decoded body.
PARSERS: dict[str, Callable[[Any], Any]] = {
    name: fn
    for name, fn in inspect.getmembers(parse, inspect.isfunction)
    if fn.__module__ == parse.__name__
    and list(inspect.signature(fn).parameters) == ["data"]
}
#: The field names the parsers read, so generated objects reach past the first check.
FIELDS = sorted(set(re.findall(r'"([a-z_]{2,})"', inspect.getsource(parse))))

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
    st.sampled_from(
        ["2026-12-20", "2026-12-20T10:00:00Z", "2026-02-30", "cloud", "valid", "running",
         "succeeded", "failed", "AC-AB-0033", "AC-ZZ-9<b>", "qualified", "revoked", ""]
    ),
)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(st.sampled_from(FIELDS), st.text(max_size=5)), inner,
                        max_size=8),
    ),
    max_leaves=8,
)
# Valid bodies of docs/api.md with one field replaced or dropped.
VALID = [CERT, RENEWAL, JOB, {"activations": [JOB]}, {"emails": []}]


@st.composite
def mutated(draw: st.DrawFn) -> Any:
    base = dict(draw(st.sampled_from(VALID)))
    key = draw(st.sampled_from(sorted(base)))
    if draw(st.booleans()):
        del base[key]
    else:
        base[key] = draw(json_values)
    return base


bodies = st.one_of(json_values, mutated())


@counted(2500)
@given(data=bodies)
def test_every_parser_returns_or_refuses_with_a_typed_error(data: Any) -> None:
    for parser in PARSERS.values():
        # What it may raise the client turns into UnexpectedResponse AC-KI-0003.
        with contextlib.suppress(PARSE_ERRORS):
            parser(data)


@counted(400)
@given(data=st.one_of(json_values, mutated()))
def test_a_parsed_job_only_carries_a_help_code_of_the_documented_form(data: Any) -> None:
    try:
        job = parse.activation_job(data)
    except PARSE_ERRORS:
        return
    assert job.error_help_code is None or HELP_CODE.fullmatch(job.error_help_code)
    assert job.poll_after_s == job.poll_after_s and abs(job.poll_after_s) != float("inf")


json_text = st.one_of(
    json_values.map(lambda v: json.dumps(v)),
    st.text(alphabet='[]{}",:0123456789.eE-+ntrufalsNIiy\\ ', max_size=200),
    st.integers(1, 5000).map(lambda n: "[" * n + "]" * n),
    st.integers(1, 500).map(lambda n: "9" * n),
    st.integers(1, 500).map(lambda n: f"1e{n}"),
)


@counted(1500)
@given(text=json_text, encode=st.sampled_from(["utf-8", "utf-16", "latin-1"]))
def test_decode_json_returns_json_or_malformed_response(text: str, encode: str) -> None:
    try:
        body = text.encode(encode)
    except UnicodeEncodeError:
        return
    try:
        value = decode_json(body)
    except MalformedResponse:
        return
    # What it accepts is what the standard decoder reads, nothing deeper or bigger.
    assert value == json.loads(body.decode("utf-8"))
    assert _depth(value) <= MAX_JSON_DEPTH + 1


def _depth(value: Any) -> int:
    depth, stack = 0, [(value, 1)]
    while stack:
        v, d = stack.pop()
        depth = max(depth, d)
        if isinstance(v, list):
            stack.extend((x, d + 1) for x in v)
        elif isinstance(v, dict):
            stack.extend((x, d + 1) for x in v.values())
    return depth


# -- the HTTP client over real HTTP -------------------------------------------------------

header_text = st.text(
    alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=30
)


@st.composite
def replies(draw: st.DrawFn) -> bytes:
    status = draw(st.sampled_from([200, 201, 202, 204, 301, 307, 400, 401, 404, 409, 413,
                                   422, 423, 429, 500, 502, 503, 504]) | st.integers(200, 599))
    payload = draw(
        st.one_of(
            bodies.map(lambda v: json.dumps(v).encode()),
            st.just(json.dumps(RENEWAL).encode()),
            st.binary(max_size=300),
            st.sampled_from([b"<html><h1>502 Bad Gateway</h1></html>", b"", b"[" * 3000,
                             b'{"error":{"code":"AC-AB-0008","message":{"en":"x"}}}',
                             b'{"error":{"code":"AC-ZZ-1<script>","message":{"en":"x"}}}']),
        )
    )
    encoding = draw(st.sampled_from([None, None, "gzip", "deflate", "br", "identity"]))
    if encoding == "gzip" and draw(st.booleans()):
        payload = gzip.compress(payload)
    elif encoding == "deflate" and draw(st.booleans()):
        payload = zlib.compress(payload)
    ctype = draw(st.sampled_from(["application/json", "application/json; charset=utf-8",
                                  "text/html", "application/problem+json", None]) | header_text)
    extra: dict[str, str] = {}
    if encoding:
        extra["Content-Encoding"] = encoding
    if draw(st.booleans()):
        extra["X-Request-ID"] = draw(header_text)
    if draw(st.booleans()):
        extra["Location"] = "http://127.0.0.1:9/elsewhere"
    length: int | None = len(payload)
    cut = draw(st.sampled_from(["whole", "whole", "whole", "short", "no-length"]))
    if cut == "short":
        length = len(payload) + draw(st.integers(1, 50))
    elif cut == "no-length":
        length = None
    return head(status, ctype, length, extra) + payload


class Replaying:
    """One server for the whole test: each request gets the current generated reply."""

    def __init__(self) -> None:
        self.reply = b""
        self.server = HostileServer(self._answer)

    def _answer(self, w: BinaryIO) -> None:
        w.write(self.reply)


@pytest.fixture(scope="module")
def replaying() -> Iterator[Replaying]:
    r = Replaying()
    yield r
    r.server.close()


@counted(1000)
@given(reply=replies(), method=st.sampled_from(["GET", "POST"]))
def test_the_client_returns_a_result_or_a_typed_error_for_any_reply(
    replaying: Replaying, reply: bytes, method: str
) -> None:
    replaying.reply = reply
    session = requests.Session()
    session.trust_env = False
    client = JsonHttpClient(replaying.server.url, session, 2.0, retry_delays=(0.0,),
                            sleep=lambda s: None)
    try:
        client.request(method, "/renewals/current", parse=parse.renewal, token="t",
                       json={"x": 1} if method == "POST" else None)
    except BackendError as err:
        assert SHOWN_CODE.fullmatch(err.help_code), err.help_code
        assert err.user_message("zh-Hant") and err.user_message("en")
    finally:
        session.close()


# -- the validation rules (R5, R23, R24) --------------------------------------------------

any_text = st.text(max_size=80)


@counted(1200)
@given(password=any_text)
def test_r23_password_rules_hold_for_any_text(password: str) -> None:
    problems = validation.password_problems(password)
    ok = len(password) >= 8 and re.search("[A-Za-z]", password) and re.search(
        "[^A-Za-z]", password
    )
    assert (problems == []) == bool(ok)
    assert set(problems) <= {"validation.password_required", "validation.password_length",
                             "validation.password_letter", "validation.password_nonletter"}


@counted(1200)
@given(phrase=any_text | st.from_regex(r"[A-Za-z0-9]{1,70}", fullmatch=True))
def test_r24_phrase_rules_hold_for_any_text(phrase: str) -> None:
    ok = 8 <= len(phrase) <= 64 and re.fullmatch("[A-Za-z0-9]+", phrase)
    assert (validation.phrase_problems(phrase) == []) == bool(ok)


@counted(1200)
@given(code=any_text | st.from_regex(r"\s*[0-9]{5,7}\s*", fullmatch=True))
def test_codes_are_six_ascii_digits_for_any_text(code: str) -> None:
    ok = re.fullmatch("[0-9]{6}", code.strip())
    assert (validation.code_problems(code) == []) == bool(ok)


@counted(600)
@given(a=any_text, b=any_text)
def test_r22_confirmation_must_equal_the_password(a: str, b: str) -> None:
    assert (validation.confirmation_problems(a, b) == []) == (a == b)
    assert validation.confirmation_problems(a, a) == []


# -- the walkthrough's scenario reader ----------------------------------------------------

toml_scalars = st.one_of(
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.text(max_size=10).map(json.dumps),
    st.sampled_from(['"H-ABC"', '"renewed"', '"all"', '"wrong_code"', '"interrupt"',
                     '"../sandbox/data/faces/live/obama.jpg"', '"no/such.jpg"']),
)
toml_values = st.recursive(
    toml_scalars.map(lambda v: str(v).lower() if isinstance(v, bool) else str(v)),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3).map(lambda xs: "[" + ", ".join(xs) + "]"),
        st.dictionaries(st.sampled_from(["do", "at", "outcome", "photo", "seconds", "x"]),
                        inner, max_size=3).map(
            lambda d: "{" + ", ".join(f"{k} = {v}" for k, v in d.items()) + "}"
        ),
    ),
    max_leaves=8,
)
SCENARIO_KEYS = ["holder", "lang", "mode", "staff", "photo", "activate", "password",
                 "revocation_phrase", "actions", "expect", "activation_seconds", "other"]
BASE_SCENARIO = (ROOT / "scenarios" / "h-abc.toml").read_text(encoding="utf-8")


@st.composite
def scenario_texts(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["generated", "mutated", "noise"]))
    if kind == "noise":
        return draw(st.text(max_size=200))
    lines = [] if kind == "generated" else BASE_SCENARIO.splitlines()
    for key, value in draw(st.dictionaries(st.sampled_from(SCENARIO_KEYS), toml_values,
                                           max_size=8)).items():
        lines = [x for x in lines if not x.startswith(f"{key} ")]
        lines.insert(0, f"{key} = {value}")
    return "\n".join(lines) + "\n"


@counted(600)
@given(text=scenario_texts())
def test_the_scenario_reader_returns_a_scenario_or_a_scenario_error(
    tmp_path_factory: pytest.TempPathFactory, text: str
) -> None:
    folder = tmp_path_factory.getbasetemp() / "scenarios"
    folder.mkdir(exist_ok=True)
    path = folder / f"s{threading.get_ident()}.toml"
    path.write_text(text, encoding="utf-8")
    try:
        scenario = load_scenario(path)
    except ScenarioError as exc:
        assert str(exc)
        return
    assert isinstance(scenario, Scenario)
