"""Redaction and the leak guard, piece by piece."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from vcr.request import Request

from streamtest._cassette.scrub import (
    PLACEHOLDER,
    POLICY_KEYS,
    Leak,
    ScrubPolicy,
    find_leaks,
    locate_leaks,
    scrub_json,
    scrub_request,
    scrub_response,
)
from streamtest._exceptions import UsageError


def _request(uri: str = "https://api.openai.com/v1/chat/completions", **headers: str) -> Request:
    return Request("POST", uri, b"{}", headers)


def test_credential_and_volatile_request_headers_are_dropped() -> None:
    headers = {
        "Authorization": "Bearer sk-abc",
        "api-key": "k",
        "X-Goog-Api-Key": "k",
        "X-Custom-Token": "t",
        "OpenAI-Project": "p",
        "x-stainless-os": "Linux",
        "content-type": "application/json",
        "accept": "application/json",
    }
    clean = scrub_request(_request(**headers), ScrubPolicy())
    assert dict(clean.headers) == {"content-type": "application/json", "accept": "application/json"}


def test_scrubbing_copies_and_is_idempotent() -> None:
    original = _request(Authorization="Bearer x")
    once = scrub_request(original, ScrubPolicy())
    assert "Authorization" in original.headers
    assert dict(scrub_request(once, ScrubPolicy()).headers) == dict(once.headers)


def test_key_query_parameters_and_userinfo_are_removed() -> None:
    clean = scrub_request(_request("https://u:pw@host/v1/x?api_key=secret&model=m&sig=zz"), ScrubPolicy())
    assert clean.uri == "https://host/v1/x?model=m"


def test_response_headers_are_an_allowlist() -> None:
    response = {
        "status": {"code": 429, "message": ""},
        "headers": {"Content-Type": ["application/json"], "set-cookie": ["a=b"], "x-request-id": ["r"], "retry-after-ms": ["20"], "cf-ray": ["1"]},
        "body": {"string": b""},
    }
    assert scrub_response(response, ScrubPolicy())["headers"] == {"content-type": ["application/json"], "retry-after-ms": ["20"]}


def test_users_extend_both_lists() -> None:
    policy = ScrubPolicy().extended(drop_request_headers=["X-Tenant"], keep_response_headers=["X-Model-Version"])
    assert "X-Tenant" not in scrub_request(_request(**{"X-Tenant": "acme", "accept": "a"}), policy).headers
    kept = scrub_response({"headers": {"x-model-version": ["3"]}}, policy)["headers"]
    assert kept == {"x-model-version": ["3"]}


def test_leak_guard_names_the_variable_never_the_value() -> None:
    environ = {"OPENAI_API_KEY": "abc123-very-secret", "MY_SERVICE_TOKEN": "tok-0987654321", "HOME": "/root"}
    text = "prompt: abc123-very-secret and tok-0987654321 and /root"
    leaks = find_leaks(text, ScrubPolicy(), environ)
    assert leaks == ["the value of $OPENAI_API_KEY", "the value of $MY_SERVICE_TOKEN"]
    assert not any("abc123" in leak for leak in leaks)


def test_leak_guard_finds_key_shaped_strings_and_user_patterns() -> None:
    policy = ScrubPolicy().extended(secret_env=["DATABASE_URL"], secret_patterns=[r"acme-[0-9]{6}"])
    text = "sk-proj-0123456789abcdefABCDEF Bearer eyJhbGciOiJIUzI1NiJ9 acme-123456 postgres://u:p@db"
    leaks = find_leaks(text, policy, {"DATABASE_URL": "postgres://u:p@db"})
    assert "the value of $DATABASE_URL" in leaks
    assert {"an OpenAI-style key (sk-...)", "a bearer token", "pattern 'acme-[0-9]{6}'"} <= set(leaks)


def test_clean_text_has_no_leaks() -> None:
    assert find_leaks("data: {\"content\": \"Why was the cat\"}", ScrubPolicy(), {"OPENAI_API_KEY": "abc123-very-secret"}) == []


# ---------------------------------------------------------------------- one name policy: headers and query parameters

PLANTED_HEADERS = ["X-Pass", "X-Api-Sig", "X-Client-Cert", "X-Private", "X-Hmac", "Authorization", "x-api-key", "x-goog-api-key", "anthropic-api-key", "X-Amz-Security-Token", "Cookie", "Proxy-Authorization"]
PLANTED_QUERY = ["password", "secret", "x-api-key", "auth", "access_key", "session", "jwt", "X-Amz-Signature", "key", "sig", "code"]


def test_every_credential_header_name_is_dropped_and_ordinary_ones_kept() -> None:
    headers = {name: f"planted-{i}" for i, name in enumerate(PLANTED_HEADERS)}
    ordinary = {"content-type": "application/json", "anthropic-version": "2023-06-01", "accept": "text/event-stream", "openai-beta": "assistants=v2", "x-design-id": "d"}
    volatile = {"x-amz-date": "20261201T000000Z", "user-agent": "u", "x-stainless-os": "Linux"}
    clean = scrub_request(_request(**headers, **ordinary, **volatile), ScrubPolicy())
    assert dict(clean.headers) == ordinary


def test_every_credential_query_parameter_is_dropped_by_the_same_policy() -> None:
    query = "&".join(f"{name}=planted{i}" for i, name in enumerate(PLANTED_QUERY))
    clean = scrub_request(_request(f"https://host/v1/x?alt=sse&{query}&model=m&design=d"), ScrubPolicy())
    assert clean.uri == "https://host/v1/x?alt=sse&model=m&design=d"
    policy = ScrubPolicy()
    assert all(policy.is_credential_name(name) for name in PLANTED_HEADERS + PLANTED_QUERY)
    extended = policy.extended(drop_query_params=["tenant"])
    assert scrub_request(_request("https://host/x?tenant=acme&model=m"), extended).uri == "https://host/x?model=m"


# ---------------------------------------------------------------------- JSON fields, in request and response bodies


def _json_request(body: object, content_type: str = "application/json") -> Request:
    return Request("POST", "https://api.openai.com/v1/chat/completions", json.dumps(body).encode(), {"content-type": content_type})


def test_credential_fields_of_a_request_body_become_placeholders_wherever_they_are() -> None:
    body = {
        "model": "m",
        "max_tokens": 8,
        "messages": [{"role": "user", "content": "hi"}],
        "metadata": {"api_key": "planted-1", "Client-Secret": "planted-2", "note": "keep"},
        "password": "planted-3",
        "extra": [{"refresh_token": "planted-4"}, {"db_password": "planted-5"}, {"token": None}],
    }
    clean = scrub_request(_json_request(body), ScrubPolicy())
    scrubbed = json.loads(clean.body)
    assert "planted" not in clean.body.decode()
    assert scrubbed["metadata"] == {"api_key": PLACEHOLDER, "Client-Secret": PLACEHOLDER, "note": "keep"}
    assert scrubbed["max_tokens"] == 8 and scrubbed["messages"] == body["messages"]
    assert scrubbed["extra"][2] == {"token": None}  # nothing to hide
    assert scrub_request(clean, ScrubPolicy()).body == clean.body  # idempotent


def test_users_name_more_fields_and_unchanged_bodies_stay_byte_for_byte() -> None:
    raw = b'{"b": 1,  "a": {"tenant_pin": "1234"}}'
    request = Request("POST", "https://x/v1/x", raw, {})
    assert scrub_request(request, ScrubPolicy()).body == raw
    clean = scrub_request(request, ScrubPolicy().extended(scrub_fields=["Tenant-Pin"]))
    assert json.loads(clean.body) == {"b": 1, "a": {"tenant_pin": PLACEHOLDER}}
    assert scrub_request(Request("POST", "https://x/v1/x", b"not json password=1", {}), ScrubPolicy()).body == b"not json password=1"


def test_form_bodies_are_scrubbed_by_the_name_policy() -> None:
    raw = b"grant_type=refresh_token&refresh_token=planted-1&client_id=app&client_secret=planted-2"
    clean = scrub_request(Request("POST", "https://oauth2.example/token", raw, {"Content-Type": "application/x-www-form-urlencoded"}), ScrubPolicy())
    assert clean.body == b"grant_type=refresh_token&refresh_token=%3Cscrubbed%3E&client_id=app&client_secret=%3Cscrubbed%3E"


def test_a_logprobs_token_is_the_models_text_not_a_credential() -> None:
    body = {"choices": [{"logprobs": {"content": [{"token": " cat", "logprob": -0.1, "bytes": [32]}]}}]}
    assert scrub_json(body, ScrubPolicy()) == (body, False)


def _sse_response(chunks: list[bytes]) -> dict[str, object]:
    return {
        "status": {"code": 200, "message": "OK"},
        "headers": {"content-type": ["text/event-stream"]},
        "body": {"string": b"".join(chunks)},
        "chunks": chunks,
        "offsets": [0.1 * i for i in range(len(chunks))],
    }


def test_each_sse_event_of_a_response_is_scrubbed_in_its_own_encoding() -> None:
    chunks = [
        b'data: {"type":"session","access_token":"planted-1","n":1}\n\n',
        b'event: echo\r\ndata: {"metadata": {"api_key": "planted-2"}}\r\n\r\n',
        b'id: 7\n: keep-alive\ndata: {"secret":"planted-3"}\n\n',
        b'data: {"choices":[{"delta":{"content":"Why"}}]}\n\n',
        b'retry: 50\nevent: echo\nid: 8\ndata: {"token":"planted-5"}\n\n',
        b"data: [DONE]\n\n",
        b'data: {"password":"planted-4"}',  # a broken tail stays unterminated
    ]
    clean = scrub_response(_sse_response(chunks), ScrubPolicy())
    out = clean["chunks"]
    assert len(out) == len(chunks) and clean["offsets"] == _sse_response(chunks)["offsets"]
    assert out[0] == b'data: {"type":"session","access_token":"<scrubbed>","n":1}\n\n'
    assert out[1] == b'event: echo\r\ndata: {"metadata": {"api_key": "<scrubbed>"}}\r\n\r\n'
    assert out[2] == b': keep-alive\nid: 7\ndata: {"secret":"<scrubbed>"}\n\n'
    assert out[3] == chunks[3]  # untouched events keep their bytes
    # A rewritten event is written by the one SSE writer (_wire.sse.encode_event): comments, id, event, retry, data.
    assert out[4] == b'id: 8\nevent: echo\nretry: 50\ndata: {"token":"<scrubbed>"}\n\n'
    assert out[5] == chunks[5]
    assert out[6] == b'data: {"password":"<scrubbed>"}'
    assert clean["body"]["string"] == b"".join(out)
    assert scrub_response(clean, ScrubPolicy())["chunks"] == out


def test_a_plain_json_response_is_scrubbed_and_a_compressed_one_left_to_the_guard() -> None:
    response = {"status": {"code": 200}, "headers": {"Content-Type": ["application/json"]}, "body": {"string": b'{"access_token": "planted", "expires_in": 3600}\n'}}
    assert scrub_response(response, ScrubPolicy())["body"]["string"] == b'{"access_token": "<scrubbed>", "expires_in": 3600}\n'
    gzipped = {**response, "headers": {"content-type": ["application/json"], "content-encoding": ["br"]}}
    assert scrub_response(gzipped, ScrubPolicy())["body"] == response["body"]


# ---------------------------------------------------------------------- the leak guard: environment variables


def test_credential_looking_variables_are_found_by_name_and_by_url_userinfo() -> None:
    environ = {
        "DB_PASS": "db-Pass-8812",
        "DATABASE_URL": "postgres://app:S3cretPw9@db.internal:5432/app",
        "SENTRY_DSN": "https://5f0c3a9b8d7e4f21a0b1c2d3e4f5a6b7@o12345.ingest.sentry.io/678",
        "SHORT_TOKEN": "tk9Q2xZ",
        "REDIS_URL": "redis://:r3dis-Pw@cache:6379/0",  # any variable's URL password
        "MY_CREDENTIALS": "user:Hunter2!",
        "BACKUP_ENDPOINT": "https://storage.example/b?X-Amz-Signature=9f8e7d6c5b4a&region=eu",  # a signed URL
    }
    inside = {"DATABASE_URL": "S3cretPw9", "SENTRY_DSN": "5f0c3a9b8d7e4f21a0b1c2d3e4f5a6b7", "REDIS_URL": "r3dis-Pw", "BACKUP_ENDPOINT": "9f8e7d6c5b4a"}
    for name, value in environ.items():
        secret = inside.get(name, value)
        assert find_leaks(f"prompt with {secret} inside", ScrubPolicy(), environ) == [f"the value of ${name}"], name


def test_ordinary_values_of_credential_named_variables_are_not_looked_for() -> None:
    environ = {
        "DB_PASS": "postgres",  # one plain word: a prompt about postgres is not a leak
        "DEBUG_PASSTHROUGH": "enabled",
        "TOKEN_LIMIT": "100000",
        "API_KEY_ENABLED": "TRUE",
        "GIT_AUTHOR_NAME": "Ada Lovelace",
        "AUTH_URL": "https://auth.example.com/oauth2",  # a URL without userinfo: its host is not a secret
        "PWD": "/work/project-x1",
        "GIT_ASKPASS": "/usr/lib/git-core/git-askpass-1",
        "SHORTY_KEY": "ab12",  # under the floor
        "HOME": "/root",
    }
    text = "postgres enabled 100000 TRUE Ada Lovelace https://auth.example.com/oauth2 /work/project-x1 /usr/lib/git-core/git-askpass-1 ab12"
    assert find_leaks(text, ScrubPolicy(), environ) == []
    assert find_leaks(text, ScrubPolicy().extended(secret_env=["PWD"]), environ) == ["the value of $PWD"]
    assert find_leaks("hunter2-x", ScrubPolicy().extended(public_env=["DB_PASS"]), {"DB_PASS": "hunter2-x"}) == []


# ---------------------------------------------------------------------- the leak guard: key shapes

KEY_SHAPES = {
    "a Stripe secret key (sk_live_/rk_live_...)": ["sk_live_51HfQ2aKb3c4d5e6f7g8h9i0j", "rk_live_51HfQ2aKb3c4d5e6f7g8h"],
    "a JWT": ["eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"],
    "an AWS access key id": ["AKIAIOSFODNN7EXAMPLE", "ASIAIOSFODNN7EXAMPLE"],
    "a Google API key": ["AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY"],
    "a GitHub token": ["ghp_1234567890abcdefghijklmnopqrstuvwxyz", "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz"],
    "a Slack token": ["xoxb-123456789012-abcdefghijkl", "xoxe-1-abcdefghijklmnop"],
    "a Hugging Face token": ["hf_abcdefghijklmnopqrstuvwxyzABCDEF"],
    "an Anthropic key (sk-ant-...)": ["sk-ant-api03-abcdefghijklmnop0123"],
    "an OpenAI-style key (sk-...)": ["sk-proj-abcdefghijklmnop0123456789"],
}


@pytest.mark.parametrize(("label", "key"), [(label, key) for label, keys in KEY_SHAPES.items() for key in keys])
def test_every_common_key_shape_is_refused(label: str, key: str) -> None:
    assert label in find_leaks(f'{{"user": "{key}"}}', ScrubPolicy(), {})


def test_key_shapes_do_not_fire_on_ordinary_text() -> None:
    text = "risk_live_events and task-ant-colony, AKIA is a word, the hf_ prefix, sk-short, eyJ.eyJ. xox- Bearer x"
    assert find_leaks(text, ScrubPolicy(), {}) == []


def test_leaks_are_located_in_the_part_that_holds_them() -> None:
    parts = [("request 1", "POST /v1/x\n{}"), ("response 1", "data: tk9Q2xZ-echo")]
    leaks = locate_leaks(parts, ScrubPolicy(), {"SHORT_TOKEN": "tk9Q2xZ-echo"}, whole="...tk9Q2xZ-echo...")
    assert leaks == [Leak("the value of $SHORT_TOKEN", "response 1")]
    # Escaped in the serialized file but plain on the wire: found where it was.
    leaks = locate_leaks([("request 1", 'say "Hunter2!x"')], ScrubPolicy(), {"DB_PASS": '"Hunter2!x"'}, whole='say \\"Hunter2!x\\"')
    assert leaks == [Leak("the value of $DB_PASS", "request 1")]
    assert locate_leaks([], ScrubPolicy(), {}, whole="sk-proj-abcdefghijklmnop0123456789") == [Leak("an OpenAI-style key (sk-...)", "the file")]


_json_leaves = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=8))
_keys = st.sampled_from(["model", "content", "api_key", "Password", "x-api-key", "db_password", "token", "logprob", "items", "max_tokens"])
_json_values = st.recursive(_json_leaves, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_keys, inner, max_size=5), max_leaves=25)


@given(_json_values)
def test_scrubbing_any_json_leaves_no_credential_field_and_is_idempotent(value: object) -> None:
    policy = ScrubPolicy()
    clean, changed = scrub_json(value, policy)
    again, changed_again = scrub_json(clean, policy)
    assert again == clean and not changed_again

    def check(node: object) -> None:
        if isinstance(node, dict):
            for key, item in node.items():
                if policy.is_credential_field(key) and not (key == "token" and "logprob" in node):
                    assert item in (None, "", PLACEHOLDER)
                else:
                    check(item)
        elif isinstance(node, list):
            for item in node:
                check(item)

    check(clean)
    assert changed == (clean != value)


def test_one_builder_honours_every_policy_key() -> None:
    """``from_settings`` is what the plugin and the command both build with: every key changes the policy."""
    default = ScrubPolicy()
    for key in POLICY_KEYS:
        built = ScrubPolicy.from_settings({key: ["x-tenant-pin"], "unrelated": 1})
        assert getattr(built, key) != getattr(default, key), key
    assert ScrubPolicy.from_settings({}) == default
    with pytest.raises(UsageError, match=r"scrub_fields='pin': expected a list of strings"):
        ScrubPolicy.from_settings({"scrub_fields": "pin"})
    with pytest.raises(UsageError, match=r"secret_env=\[1\]: expected a list of strings"):
        ScrubPolicy.from_settings({"secret_env": [1]})


def test_the_plugin_registers_an_ini_key_for_every_policy_key(pytestconfig: pytest.Config) -> None:
    for key in POLICY_KEYS:
        assert pytestconfig.getini(f"streamtest_{key}") == [], key  # ValueError for a key never registered


def _reference_scrub(value: object, policy: ScrubPolicy) -> tuple[object, bool]:
    """The one-pass copying walk scrub_json used to be: the specification its two passes keep."""
    if isinstance(value, dict):
        out, changed, is_logprob = {}, False, "logprob" in value
        for key, item in value.items():
            if policy.is_credential_field(key) and item not in (None, "", PLACEHOLDER) and not (is_logprob and key == "token"):
                out[key], changed = PLACEHOLDER, True
            else:
                out[key], inner = _reference_scrub(item, policy)
                changed = changed or inner
        return (out, True) if changed else (value, False)
    if isinstance(value, list):
        items = [_reference_scrub(item, policy) for item in value]
        return ([item for item, _ in items], True) if any(inner for _, inner in items) else (value, False)
    return value, False


@given(_json_values)
def test_scrub_json_is_the_copying_walk_and_shares_what_holds_no_credential(value: object) -> None:
    policy = ScrubPolicy()
    before = json.dumps(value)
    clean, changed = scrub_json(value, policy)
    assert (clean, changed) == _reference_scrub(value, policy)
    assert json.dumps(value) == before  # the input is never modified
    if not changed:
        assert clean is value
