"""Redaction before anything is written, and the leak guard that checks it worked.

Two layers, on purpose:

1. ``scrub_request`` / ``scrub_response`` run as vcrpy's ``before_record_*``
   hooks. Request headers that can carry credentials are dropped (a denylist
   plus a name pattern, because providers invent new auth headers); response
   headers are an allowlist, because providers add tracking headers
   (``openai-organization``, ``x-request-id``, ``set-cookie``, ``cf-ray``...)
   faster than any denylist can follow. Both are idempotent: vcrpy also runs
   them on requests it matches.
2. ``find_leaks`` scans the final serialized text for the values of
   credential-looking environment variables and for key-shaped strings. A
   cassette that still holds one is refused, whatever the hooks missed.
"""

from __future__ import annotations

import copy
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

__all__ = ["DUMMY_API_KEY", "ScrubPolicy", "find_leaks", "scrub_request", "scrub_response"]

# Set as OPENAI_API_KEY when none is set, so clients built at import time exist.
# Replay never sends it anywhere; recording refuses to send it to a real provider.
DUMMY_API_KEY = "streamtest-dummy-key"

DROP_REQUEST_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "api-key",
        "x-api-key",
        "cookie",
        "openai-organization",
        "openai-project",
        "x-goog-api-key",
        "anthropic-api-key",
        # Volatile or machine-specific, never needed to replay: keeps diffs quiet.
        "user-agent",
        "host",
        "content-length",
        "accept-encoding",
        "connection",
        "x-stainless-retry-count",
        "x-stainless-read-timeout",
        "x-stainless-timeout",
        "x-amz-date",  # SigV4's timestamp (the signature itself is in authorization)
    }
)
# Any request header whose name says it carries a secret is dropped too.
_CREDENTIAL_NAME = re.compile(r"auth|key|token|secret|cookie|session|password|signature|credential", re.I)
_VOLATILE_PREFIXES = ("x-stainless-", "amz-sdk-")  # amz-sdk-invocation-id / -request change per call

KEEP_RESPONSE_HEADERS = frozenset(
    {
        "content-type",
        # What the openai SDK reads to decide whether and when to retry: replay
        # must make the same decision it made while recording.
        "retry-after",
        "retry-after-ms",
        "x-should-retry",
        # Kept only when the body could not be decoded at record time.
        "content-encoding",
    }
)

DROP_QUERY_PARAMS = frozenset(
    {"key", "api_key", "api-key", "apikey", "access_token", "token", "code", "sig", "signature", "client_secret"}
)

# Names of environment variables whose values must never reach a cassette.
_SECRET_ENV_NAME = re.compile(r"KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|COOKIE|AUTH", re.I)
_MIN_SECRET_LENGTH = 8

SECRET_PATTERNS: tuple[tuple[str, str], ...] = (
    ("an OpenAI-style key (sk-...)", r"\bsk-[A-Za-z0-9_\-]{16,}"),
    ("a bearer token", r"\bBearer\s+[A-Za-z0-9._\-+/=]{12,}"),
    ("an AWS access key id", r"\bAKIA[0-9A-Z]{16}\b"),
    ("a GitHub token", r"\bgh[pousr]_[A-Za-z0-9]{30,}"),
    ("a Slack token", r"\bxox[abprs]-[A-Za-z0-9-]{10,}"),
    ("a Google API key", r"\bAIza[0-9A-Za-z_\-]{35}\b"),
    ("an Anthropic key", r"\bsk-ant-[A-Za-z0-9_\-]{16,}"),
)


@dataclass(frozen=True)
class ScrubPolicy:
    """What to remove before writing and what to refuse after serializing.

    Users extend the defaults from ini keys (``streamtest_drop_request_headers``,
    ``streamtest_keep_response_headers``, ``streamtest_secret_env``,
    ``streamtest_secret_patterns``) or the ``streamtest_config`` fixture.
    """

    drop_request_headers: frozenset[str] = DROP_REQUEST_HEADERS
    keep_response_headers: frozenset[str] = KEEP_RESPONSE_HEADERS
    drop_query_params: frozenset[str] = DROP_QUERY_PARAMS
    secret_env: frozenset[str] = frozenset()
    secret_patterns: tuple[tuple[str, str], ...] = SECRET_PATTERNS
    _compiled: tuple[tuple[str, re.Pattern[str]], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(
            self,
            "_compiled",
            tuple((label, re.compile(pattern)) for label, pattern in self.secret_patterns),
        )

    def extended(
        self,
        *,
        drop_request_headers: Iterable[str] = (),
        keep_response_headers: Iterable[str] = (),
        drop_query_params: Iterable[str] = (),
        secret_env: Iterable[str] = (),
        secret_patterns: Iterable[str] = (),
    ) -> ScrubPolicy:
        """A copy with the given names and patterns added to the defaults."""
        return ScrubPolicy(
            drop_request_headers=self.drop_request_headers | {h.lower() for h in drop_request_headers},
            keep_response_headers=self.keep_response_headers | {h.lower() for h in keep_response_headers},
            drop_query_params=self.drop_query_params | {p.lower() for p in drop_query_params},
            secret_env=self.secret_env | set(secret_env),
            secret_patterns=self.secret_patterns + tuple((f"pattern {p!r}", p) for p in secret_patterns),
        )

    def drops_request_header(self, name: str) -> bool:
        lowered = name.lower()
        return (
            lowered in self.drop_request_headers
            or lowered.startswith(_VOLATILE_PREFIXES)
            or bool(_CREDENTIAL_NAME.search(lowered))
        )


def _scrub_uri(uri: str, policy: ScrubPolicy) -> str:
    parts = urlsplit(uri)
    if not parts.query and "@" not in parts.netloc:
        return uri
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k.lower() not in policy.drop_query_params]
    netloc = parts.netloc.rpartition("@")[2]  # user:password@host
    return urlunsplit((parts.scheme, netloc, parts.path, urlencode(query), parts.fragment))


def scrub_request(request: Any, policy: ScrubPolicy) -> Any:
    """A copy of a vcrpy ``Request`` without credential headers or key query params."""
    clean = copy.copy(request)
    clean.headers = {k: v for k, v in request.headers.items() if not policy.drops_request_header(k)}
    clean.uri = _scrub_uri(request.uri, policy)
    return clean


def scrub_response(response: dict[str, Any], policy: ScrubPolicy) -> dict[str, Any]:
    """The response dict with only allowlisted headers left."""
    headers: Mapping[str, Any] = response.get("headers", {})
    kept = {k.lower(): v for k, v in headers.items() if k.lower() in policy.keep_response_headers}
    return {**response, "headers": kept}


def _secret_env_values(policy: ScrubPolicy, environ: Mapping[str, str]) -> list[tuple[str, str]]:
    found = []
    for name, value in environ.items():
        if (name in policy.secret_env or _SECRET_ENV_NAME.search(name)) and len(value) >= _MIN_SECRET_LENGTH:
            found.append((name, value))
    return found


def find_leaks(text: str, policy: ScrubPolicy, environ: Mapping[str, str] | None = None) -> list[str]:
    """Describe every credential found in ``text``; never include the value itself."""
    env = os.environ if environ is None else environ
    problems = [f"the value of ${name}" for name, value in _secret_env_values(policy, env) if value in text]
    problems.extend(label for label, pattern in policy._compiled if pattern.search(text))
    return problems
