"""Redaction before anything is written, and the leak guard that checks it worked.

Two layers, on purpose:

1. ``scrub_request`` / ``scrub_response`` run as vcrpy's ``before_record_*``
   hooks (vcrpy also runs ``scrub_request`` on every live request before
   matching it, so a recording with placeholders still matches the live
   request that carried the secret). One name policy,
   :meth:`ScrubPolicy.is_credential_name`, decides for request headers, query
   parameters and form fields alike: a denylist plus a name pattern, because
   providers and proxies invent new auth names (``X-Api-Sig``, ``X-Hmac``...).
   JSON body fields named like credentials (``password``, ``api_key``,
   ``access_token``...) keep their key and get :data:`PLACEHOLDER` as value, in
   request bodies, response bodies and every SSE event's JSON data (a server
   that echoes a credential back). Response headers are an allowlist, because
   providers add tracking headers (``openai-organization``, ``x-request-id``,
   ``set-cookie``, ``cf-ray``...) faster than any denylist can follow. All of
   it is idempotent.
2. :func:`locate_leaks` scans what is about to be written (each part as it
   was on the wire, and the serialized file) for the values of
   credential-looking environment variables and for key-shaped strings. A
   file that still holds one is refused, whatever the hooks missed
   (``streamtest._cassette.files.write_guarded``).
"""

from __future__ import annotations

import copy
import json
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from streamtest._cassette.jsonstyle import ENCODERS, json_style
from streamtest._exceptions import UsageError
from streamtest._wire.framing import Framing, framing_for

__all__ = [
    "DUMMY_API_KEY",
    "MIN_SECRET_LENGTH",
    "PLACEHOLDER",
    "POLICY_KEYS",
    "WEAKENING_KEYS",
    "Leak",
    "ScrubPolicy",
    "find_leaks",
    "locate_leaks",
    "scrub_json",
    "scrub_request",
    "scrub_response",
    "string_list",
]

# Set as OPENAI_API_KEY when none is set, so clients built at import time exist.
# Replay never sends it anywhere; recording refuses to send it to a real provider.
DUMMY_API_KEY = "streamtest-dummy-key"

PLACEHOLDER = "<scrubbed>"
"""What a credential field's value becomes in a cassette (the key stays, so the shape reads)."""

# ---------------------------------------------------------------------- names: headers, query parameters, form fields

# Credential carriers spelled out; anything the pattern below matches is dropped too.
CREDENTIAL_NAMES = frozenset(
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
        "x-amz-security-token",
        "code",  # an OAuth authorization code in a redirect URL
        "sig",
    }
)
# Any name containing one of these says it carries a secret: auth, oauth, api-key,
# x-api-key, access_key, X-Amz-Signature, X-Pass, X-Api-Sig, X-Client-Cert...
# Short words (sig, pass, pwd, cert, dsn) must be a whole part of the name, so
# "design" or "compass" are left alone. A false positive only drops a header or
# a query parameter, which replay never matches on.
_CREDENTIAL_NAME = re.compile(
    r"auth|key|token|secret|cookie|session|passw|passphrase|signature|credential|certificate|private|hmac|jwt|bearer"
    r"|(?:^|[-_.])(?:sig|pass|pwd|cert|dsn)(?:$|[-_.])",
    re.I,
)

# Volatile or machine-specific request headers, never needed to replay: keeps diffs quiet.
VOLATILE_REQUEST_HEADERS = frozenset(
    {
        "user-agent",
        "host",
        "content-length",
        "accept-encoding",
        "connection",
        "x-amz-date",
        "amz-sdk-invocation-id",
        "amz-sdk-request",
    }
)
_VOLATILE_PREFIXES = ("x-stainless-",)

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

# ---------------------------------------------------------------------- JSON body fields

# JSON keys (lower-cased, "-" read as "_") whose values are credentials. Exact
# names, not a pattern: "max_tokens", "total_tokens" or "key" in a tool's
# arguments are data.
CREDENTIAL_FIELDS = frozenset(
    {
        "password",
        "passwd",
        "passphrase",
        "secret",
        "client_secret",
        "api_key",
        "apikey",
        "x_api_key",
        "access_token",
        "refresh_token",
        "id_token",
        "auth_token",
        "session_token",
        "bearer_token",
        "token",
        "private_key",
        "secret_key",
        "access_key",
        "secret_access_key",
        "authorization",
        "jwt",
        "cookie",
        "credentials",
    }
)
_CREDENTIAL_FIELD_SUFFIXES = tuple(
    f"_{name}"
    for name in ("password", "passwd", "secret", "api_key", "apikey", "access_token", "refresh_token", "private_key", "secret_key")
)

# ---------------------------------------------------------------------- the leak guard

# Names of environment variables whose values must never reach a file.
# AUTH not followed by OR (GIT_AUTHOR_NAME is not a secret); PWD only as a suffix
# (PWD itself is the working directory).
_SECRET_ENV_NAME = re.compile(
    r"KEY|TOKEN|SECRET|PASS|CREDENTIAL|COOKIE|AUTH(?!OR)|DSN|DATABASE_URL|PRIVATE|JWT|SIGNATURE|_PWD$", re.I
)
# Names that match the pattern but hold paths or settings, never secrets.
_PUBLIC_ENV_SUFFIXES = ("ASKPASS", "_SOCK")
MIN_SECRET_LENGTH = 6
"""Shorter values are not looked for: they would match ordinary text by chance."""

SECRET_PATTERNS: tuple[tuple[str, str], ...] = (
    ("an OpenAI-style key (sk-...)", r"\bsk-[A-Za-z0-9_\-]{16,}"),
    ("an Anthropic key (sk-ant-...)", r"\bsk-ant-[A-Za-z0-9_\-]{16,}"),
    ("a bearer token", r"\bBearer\s+[A-Za-z0-9._\-+/=]{12,}"),
    ("a Stripe secret key (sk_live_/rk_live_...)", r"\b[sr]k_(?:live|test)_[A-Za-z0-9]{10,}"),
    ("a Stripe webhook secret (whsec_...)", r"\bwhsec_[A-Za-z0-9+/=]{20,}"),
    ("a JWT", r"\beyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]*"),
    ("an AWS access key id", r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    ("a GitHub token", r"\bgh[pousr]_[A-Za-z0-9]{30,}|\bgithub_pat_[A-Za-z0-9_]{22,}"),
    ("a Slack token", r"\bxox[a-z]-[A-Za-z0-9-]{10,}"),
    ("a Google API key", r"\bAIza[0-9A-Za-z_\-]{35}(?![0-9A-Za-z_\-])"),
    ("a Google OAuth token", r"\bya29\.[0-9A-Za-z_\-]{20,}"),
    ("a Hugging Face token", r"\bhf_[A-Za-z0-9]{30,}"),
    ("a private key block", r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----"),
)


POLICY_KEYS: Mapping[str, Literal["args", "linelist"]] = {
    "drop_request_headers": "args",
    "drop_query_params": "args",
    "scrub_fields": "args",
    "keep_response_headers": "args",
    "secret_env": "args",
    "public_env": "args",
    "secret_patterns": "linelist",
}
"""The settings that extend a :class:`ScrubPolicy`, and their pytest ini type (``streamtest_<key>`` in an ini file).

The plugin registers its ini keys from this, and the ``streamtest`` command reads
the same keys from the project's pytest configuration: one list, so no key is
honoured by one and ignored by the other.
"""


WEAKENING_KEYS = frozenset({"keep_response_headers", "public_env"})
"""The policy keys that let something through (a response header kept, a variable trusted).

Where settings are layered (ini, ``streamtest_config`` fixture, marker), a
per-test list of one of these replaces the project's: letting a value through
is that test's decision. The other keys protect, and add up: a test that
scrubs one more field must not stop scrubbing the project's.
"""


_MAX_REMEMBERED = 1024  # header names (and JSON keys) a policy keeps answers for (an app sending random names gets no memory)


@dataclass(frozen=True)
class ScrubPolicy:
    """What to remove before writing and what to refuse after serializing.

    Users extend the defaults with the :data:`POLICY_KEYS` settings, from ini keys
    (``streamtest_scrub_fields``...), the marker or the ``streamtest_config``
    fixture, or the ``streamtest`` command's pytest configuration file: all
    through :meth:`from_settings`.
    """

    drop_request_headers: frozenset[str] = frozenset()
    keep_response_headers: frozenset[str] = KEEP_RESPONSE_HEADERS
    drop_query_params: frozenset[str] = frozenset()
    scrub_fields: frozenset[str] = frozenset()
    secret_env: frozenset[str] = frozenset()
    public_env: frozenset[str] = frozenset()
    secret_patterns: tuple[tuple[str, str], ...] = field(default=SECRET_PATTERNS, repr=False)
    _compiled: tuple[tuple[str, re.Pattern[str]], ...] = field(init=False, repr=False, compare=False)
    # drops_request_header's answers by header name: every request asks again for the same
    # twenty-odd names (x-stainless-*...), each a few set lookups and a regex search.
    _dropped: dict[str, bool] = field(init=False, repr=False, compare=False, default_factory=dict)
    # is_credential_field's answers by JSON key: a request body repeats a few keys many times.
    _fields: dict[str, bool] = field(init=False, repr=False, compare=False, default_factory=dict)

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
        scrub_fields: Iterable[str] = (),
        secret_env: Iterable[str] = (),
        public_env: Iterable[str] = (),
        secret_patterns: Iterable[str] = (),
    ) -> ScrubPolicy:
        """A copy with the given names and patterns added to the defaults."""
        return ScrubPolicy(
            drop_request_headers=self.drop_request_headers | {h.lower() for h in drop_request_headers},
            keep_response_headers=self.keep_response_headers | {h.lower() for h in keep_response_headers},
            drop_query_params=self.drop_query_params | {p.lower() for p in drop_query_params},
            scrub_fields=self.scrub_fields | {_field_key(f) for f in scrub_fields},
            secret_env=self.secret_env | set(secret_env),
            public_env=self.public_env | set(public_env),
            secret_patterns=self.secret_patterns + tuple((f"pattern {p!r}", p) for p in secret_patterns),
        )

    @classmethod
    def from_settings(cls, settings: Mapping[str, Iterable[str]]) -> ScrubPolicy:
        """The default policy extended with the :data:`POLICY_KEYS` in ``settings`` (other keys are ignored).

        ``UsageError`` when a value is a string or holds anything but strings
        (``scrub_fields="pin"`` would otherwise scrub ``p``, ``i`` and ``n``).
        """
        return cls().extended(**{key: string_list(key, settings[key]) for key in POLICY_KEYS if key in settings})

    def is_credential_name(self, name: str) -> bool:
        """Whether a header, query parameter or form field of this name may carry a credential."""
        lowered = name.lower()
        return (
            lowered in CREDENTIAL_NAMES
            or lowered in self.drop_request_headers
            or lowered in self.drop_query_params
            or bool(_CREDENTIAL_NAME.search(lowered))
        )

    def drops_request_header(self, name: str) -> bool:
        known = self._dropped.get(name)
        if known is not None:
            return known
        lowered = name.lower()
        return _remember(
            self._dropped,
            name,
            lowered in VOLATILE_REQUEST_HEADERS or lowered.startswith(_VOLATILE_PREFIXES) or self.is_credential_name(lowered),
        )

    def is_credential_field(self, key: str) -> bool:
        """Whether a JSON object's value under ``key`` is a credential (replaced by :data:`PLACEHOLDER`)."""
        known = self._fields.get(key)
        if known is not None:
            return known
        normalized = _field_key(key)
        return _remember(
            self._fields,
            key,
            normalized in CREDENTIAL_FIELDS
            or normalized in self.scrub_fields
            or normalized.endswith(_CREDENTIAL_FIELD_SUFFIXES),
        )


def _remember(memo: dict[str, bool], name: str, answer: bool) -> bool:
    """``answer``, kept in ``memo`` for ``name`` while it holds fewer than ``_MAX_REMEMBERED`` names."""
    if len(memo) < _MAX_REMEMBERED:
        memo[name] = answer
    return answer


def string_list(key: str, value: object) -> tuple[str, ...]:
    """``value`` as a tuple of strings, or ``UsageError`` naming ``key`` and showing the value."""
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise UsageError(f"{key}={value!r}: expected a list of strings")
    items = tuple(value)
    if not all(isinstance(item, str) for item in items):
        raise UsageError(f"{key}={value!r}: expected a list of strings")
    return items


def _field_key(name: str) -> str:
    return name.lower().replace("-", "_")


# ---------------------------------------------------------------------- JSON


def scrub_json(value: Any, policy: ScrubPolicy) -> tuple[Any, bool]:
    """``value`` with credential fields replaced by :data:`PLACEHOLDER`; copies only what changes.

    Returns ``(value, changed)``. A ``token`` next to a ``logprob`` is the
    model's text (a logprobs entry), not a credential, and is kept. Every
    replayed request is scrubbed before it is matched, and almost none holds a
    credential: a walk that copies nothing decides first.
    """
    if not _holds_credential(value, policy):
        return value, False
    return _scrubbed(value, policy), True


def _is_credential_entry(key: Any, item: Any, is_logprob: bool, policy: ScrubPolicy) -> bool:
    """Whether ``key: item`` of a JSON object is a credential to replace."""
    return (
        isinstance(key, str)
        and policy.is_credential_field(key)
        and item not in (None, "", PLACEHOLDER)
        and not (is_logprob and key == "token")
    )


def _holds_credential(value: Any, policy: ScrubPolicy) -> bool:
    if isinstance(value, dict):
        is_logprob = "logprob" in value
        for key, item in value.items():
            if _is_credential_entry(key, item, is_logprob, policy):
                return True
            if isinstance(item, dict | list) and _holds_credential(item, policy):
                return True
        return False
    if isinstance(value, list):
        for item in value:
            if isinstance(item, dict | list) and _holds_credential(item, policy):
                return True
    return False


def _scrubbed(value: Any, policy: ScrubPolicy) -> Any:
    """A copy of ``value`` (which holds a credential) with each replaced; what holds none is shared."""
    if isinstance(value, dict):
        is_logprob = "logprob" in value
        return {
            key: PLACEHOLDER
            if _is_credential_entry(key, item, is_logprob, policy)
            else (_scrubbed(item, policy) if _holds_credential(item, policy) else item)
            for key, item in value.items()
        }
    return [_scrubbed(item, policy) if _holds_credential(item, policy) else item for item in value]


def _scrub_json_text(text: str, policy: ScrubPolicy) -> str | None:
    """The JSON ``text`` scrubbed and re-encoded in its own style, or ``None`` when nothing changed."""
    stripped = text.rstrip()
    try:
        value = json.loads(stripped)
    except ValueError:
        return None
    clean, changed = scrub_json(value, policy)
    if not changed:
        return None
    encoder = ENCODERS[json_style(stripped) or "compact"]
    return encoder.encode(clean) + text[len(stripped) :]


def _scrub_json_bytes(raw: bytes, policy: ScrubPolicy) -> bytes | None:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    clean = _scrub_json_text(text, policy)
    return None if clean is None else clean.encode("utf-8")


def _scrub_unit(framing: Framing, unit: bytes, policy: ScrubPolicy) -> bytes:
    """One unit (an SSE event, an NDJSON line, an event-stream frame) with the credential fields
    of its JSON data scrubbed, rewritten by its framing (``Framing.with_data``); the same bytes
    when nothing changed, or when the unit carries no data."""
    frame = framing.frame(unit)
    if frame is None:
        return unit
    data = _scrub_json_text(frame.data, policy)
    return unit if data is None else framing.with_data(unit, data)


# ---------------------------------------------------------------------- requests and responses


def _scrub_query(query: str, policy: ScrubPolicy) -> str:
    pairs = parse_qsl(query, keep_blank_values=True)
    return urlencode([(k, v) for k, v in pairs if not policy.is_credential_name(k)])


def _scrub_uri(uri: str, policy: ScrubPolicy) -> str:
    parts = urlsplit(uri)
    if not parts.query and "@" not in parts.netloc:
        return uri
    netloc = parts.netloc.rpartition("@")[2]  # user:password@host
    return urlunsplit((parts.scheme, netloc, parts.path, _scrub_query(parts.query, policy), parts.fragment))


def _header(headers: Mapping[str, Any], name: str) -> str:
    for key, value in headers.items():
        if key.lower() == name:
            return str(value[0] if isinstance(value, list | tuple) and value else value)
    return ""


def _scrub_request_body(body: bytes, content_type: str, policy: ScrubPolicy) -> bytes | None:
    if content_type.lower().startswith("application/x-www-form-urlencoded"):
        try:
            pairs = parse_qsl(body.decode("ascii"), keep_blank_values=True, strict_parsing=True)
        except (UnicodeDecodeError, ValueError):
            return None
        if not any(policy.is_credential_name(k) and v not in ("", PLACEHOLDER) for k, v in pairs):
            return None
        return urlencode([(k, PLACEHOLDER if policy.is_credential_name(k) and v else v) for k, v in pairs]).encode("ascii")
    return _scrub_json_bytes(body, policy)


def scrub_request(request: Any, policy: ScrubPolicy) -> Any:
    """A copy of a vcrpy ``Request`` without credential headers, query parameters or body fields."""
    clean = copy.copy(request)
    clean.headers = {k: v for k, v in request.headers.items() if not policy.drops_request_header(k)}
    clean.uri = _scrub_uri(request.uri, policy)
    body = getattr(request, "body_bytes", None)
    if isinstance(body, str):
        body = body.encode("utf-8")
    if isinstance(body, bytes) and body:
        scrubbed = _scrub_request_body(body, _header(request.headers, "content-type"), policy)
        if scrubbed is not None:
            clean.body = scrubbed
    return clean


def scrub_response(response: dict[str, Any], policy: ScrubPolicy) -> dict[str, Any]:
    """The response dict with only allowlisted headers, and credential fields of its body scrubbed.

    Streamed bodies are scrubbed one unit (SSE event) at a time, so each event
    stays one chunk with its arrival time.
    """
    headers: Mapping[str, Any] = response.get("headers", {})
    kept = {k.lower(): v for k, v in headers.items() if k.lower() in policy.keep_response_headers}
    clean = {**response, "headers": kept}
    if _header(kept, "content-encoding") not in ("", "identity"):
        return clean  # still compressed: nothing readable to scrub (the leak guard still reads what it can)
    framing = framing_for(_header(kept, "content-type"))
    chunks = response.get("chunks")
    raw = response.get("body", {}).get("string")
    if isinstance(raw, str):
        raw = raw.encode("utf-8")
    if framing is not None and (chunks is not None or raw):
        units = list(chunks) if chunks is not None else framing.split(raw or b"")
        scrubbed = [_scrub_unit(framing, unit, policy) for unit in units]
        if scrubbed != units:
            if chunks is not None:
                clean["chunks"] = scrubbed
            clean["body"] = {**response.get("body", {}), "string": b"".join(scrubbed)}
    elif raw and (body := _scrub_json_bytes(raw, policy)) is not None:
        clean["body"] = {**response.get("body", {}), "string": body}
    return clean


# ---------------------------------------------------------------------- the leak guard


@dataclass(frozen=True)
class Leak:
    """A credential found in text about to be written: what it is (never its value) and where."""

    what: str
    where: str


def _looks_secret(value: str) -> bool:
    """Whether a value is worth looking for: long enough, and not an ordinary word, number or path.

    ``postgres``, ``enabled`` or ``TRUE`` (one word in one case) would match a
    prompt by chance; so would a number. ``tk9Q2xZ`` or ``hunter2`` would not.
    """
    if len(value) < MIN_SECRET_LENGTH:
        return False
    if value.isalpha() and (value.islower() or value.isupper()):
        return False
    if value.isdigit() and len(value) < 12:
        return False
    return not (os.path.isabs(value) and os.path.exists(value))


def secret_values(policy: ScrubPolicy, environ: Mapping[str, str]) -> list[tuple[str, str]]:
    """``(variable name, value)`` for every secret value the environment holds.

    A variable counts when its name looks like a credential (``*KEY*``,
    ``*TOKEN*``, ``*PASS*``, ``*DSN*``, ``*DATABASE_URL*``...) or is listed in
    ``secret_env``. A URL value contributes its credentials, not the whole URL
    (``AUTH_URL=https://auth.example.com/...`` must not refuse a cassette that
    calls that host): the password in its userinfo (whatever the variable is
    called), the user name too when the variable is named like a credential
    (a Sentry DSN's key), and credential-named query parameters. A variable
    listed in ``secret_env`` counts whole, at any length from 4 characters.
    """
    found: list[tuple[str, str]] = []
    for name, value in environ.items():
        if name in policy.public_env or not value:
            continue
        if name in policy.secret_env:
            if len(value) >= 4:
                found.append((name, value))
            continue
        named = bool(_SECRET_ENV_NAME.search(name)) and not name.upper().endswith(_PUBLIC_ENV_SUFFIXES)
        url = _url_credentials(value, policy)
        if url is not None:
            user, password, params = url
            candidates = [password, *params, *([user] if named else [])]
        else:
            candidates = [value] if named else []
        found.extend((name, candidate) for candidate in candidates if candidate and _looks_secret(candidate))
    return found


def _url_credentials(value: str, policy: ScrubPolicy) -> tuple[str, str, list[str]] | None:
    """``(user, password, credential query values)`` of a URL value, or ``None`` when it is no URL."""
    if "://" not in value:
        return None
    try:
        parts = urlsplit(value.strip())
        user, password = parts.username or "", parts.password or ""
    except ValueError:
        return None
    if not parts.scheme or not parts.netloc:
        return None
    params = [v for k, v in parse_qsl(parts.query) if policy.is_credential_name(k)]
    return user, password, params


def locate_leaks(
    parts: Sequence[tuple[str, str]],
    policy: ScrubPolicy,
    environ: Mapping[str, str] | None = None,
    *,
    whole: str = "",
) -> list[Leak]:
    """Every credential in ``parts`` (``(where, text)``, as they were on the wire) and in ``whole``.

    ``whole`` is the serialized file: a credential found only there (the parts
    did not show it) is reported at ``"the file"``. Values are never included.
    """
    env = os.environ if environ is None else environ
    secrets = [(f"the value of ${name}", value) for name, value in secret_values(policy, env)]
    leaks: list[Leak] = []
    seen: set[str] = set()
    for where, text in (*parts, ("the file", whole)):
        for what in _found_in(text, secrets, policy):
            if where == "the file" and what in seen:
                continue
            seen.add(what)
            if Leak(what, where) not in leaks:
                leaks.append(Leak(what, where))
    return leaks


def _found_in(text: str, secrets: Sequence[tuple[str, str]], policy: ScrubPolicy) -> list[str]:
    if not text:
        return []
    found = list(dict.fromkeys(label for label, value in secrets if value in text))
    found.extend(label for label, pattern in policy._compiled if pattern.search(text))
    return found


def find_leaks(text: str, policy: ScrubPolicy, environ: Mapping[str, str] | None = None) -> list[str]:
    """Describe every credential found in ``text``; never include the value itself."""
    return [leak.what for leak in locate_leaks((), policy, environ, whole=text)]
