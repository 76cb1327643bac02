"""Redaction and the leak guard, piece by piece."""

from __future__ import annotations

from vcr.request import Request

from streamtest._cassette.scrub import ScrubPolicy, find_leaks, scrub_request, scrub_response


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
