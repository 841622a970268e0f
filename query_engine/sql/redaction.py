"""Connection strings without their secrets: one place that masks passwords and tokens, even in malformed URLs.

Nothing here relies on urlsplit: a URL with a bad percent-encoding, host or port is exactly the one that
ends up in an error message, so every rule is a regular expression over the raw text.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import unquote

REDACTED = "***"
MIN_SECRET_CHARS = 3  # shorter values would mask ordinary words of a message

_NAMES = (r"password|passwd|pwd|sslpassword|pass|secret|client_secret|token|access_token|auth_token|"
          r"refresh_token|api[_-]?key|apikey|key|sig|signature|sas|credentials?")
_STOP = r"\s'\"<>`"
# scheme://user:password@host: the password runs to the last '@' before the URL ends, so an unencoded
# '@', '/' or space in it is masked too (over-masking a malformed URL is the safe side).
_AUTHORITY = re.compile(
    rf"(?P<scheme>\b(?P<name>[a-z][a-z0-9+.-]*)://)"
    rf"(?:(?P<user>[^:@{_STOP}/]*):(?P<password>[^\n'\"<>`]{{0,200}}?)@(?=[^@{_STOP}]*(?:[{_STOP}]|$))"
    rf"|(?P<token>[^:@{_STOP}/]+)@)?", re.IGNORECASE)
_QUERY_SECRET = re.compile(rf"(?P<name>[?&;](?:{_NAMES})=)(?P<value>[^&#{_STOP}]*)", re.IGNORECASE)
# key=value connection strings (libpq's "host=x password=y"): quoted, unterminated or bare values.
_KV_SECRET = re.compile(
    rf"(?P<name>\b(?:{_NAMES})\s*=\s*)(?P<value>'(?:[^'\\]|\\.)*'|'[^\n]*|\"(?:[^\"\\]|\\.)*\"|\"[^\n]*|[^\s&;]+)",
    re.IGNORECASE)
_KV_REGION = re.compile(rf"\b(?:{_NAMES})\s*=\s*(?P<value>.*?)(?=\s+[a-z_]+\s*=|$)", re.IGNORECASE)
# What a driver shows of a URL it split wrongly: 'ss@host' from "user:pa@ss@host".
_USERINFO_FRAGMENT = re.compile(r"(?P<quote>['\"])[^'\"\s]*@(?P<host>[^'\"\s@]*)(?P=quote)")
_WHOLE_URL = re.compile(r"\s*[a-z][a-z0-9+.-]*://(?P<userinfo>.*)@", re.IGNORECASE | re.DOTALL)
# Schemes whose userinfo without a colon is a user name; elsewhere (https://TOKEN@host) it is a token.
_USER_SCHEMES = frozenset({"postgres", "postgresql", "mysql", "mariadb", "mongodb", "mongodb+srv", "redis", "rediss",
                           "amqp", "amqps", "mssql", "sqlserver", "snowflake", "clickhouse", "oracle", "ssh"})


def redact_url(url: str) -> str:
    """The connection string (URL or key=value form) with its passwords and tokens replaced by '***'."""
    return redact_text(url, connection_secrets(url))


def redact_text(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` with every connection string's secrets masked, and every value in `secrets` replaced."""
    for value in sorted({s for s in secrets if len(s) >= MIN_SECRET_CHARS}, key=len, reverse=True):
        text = text.replace(value, REDACTED)
    text = _AUTHORITY.sub(_masked_authority, text)
    text = _QUERY_SECRET.sub(lambda m: m.group("name") + REDACTED, text)
    return _KV_SECRET.sub(lambda m: m.group("name") + REDACTED, text)


def redact_connection_error(message: str, url: str) -> str:
    """A driver's error about `url`, safe to show: the URL's secrets and any 'user@host' it echoes masked."""
    text = redact_text(message, connection_secrets(url))
    return _USERINFO_FRAGMENT.sub(lambda m: f"{m.group('quote')}{REDACTED}@{m.group('host')}{m.group('quote')}", text)


def connection_secrets(url: str) -> tuple[str, ...]:
    """Every secret value a connection string holds, raw and percent-decoded, and the words of each."""
    found = [m.group("password") if m.group("password") is not None else _token(m) for m in _AUTHORITY.finditer(url)]
    found += _whole_url_password(url)
    found += [m.group("value") for m in _QUERY_SECRET.finditer(url)]
    found += [_unquoted(m.group("value")) for m in _KV_SECRET.finditer(url)]
    if "://" not in url:  # libpq reads "password=abc def" as "abc" and a keyword "def": both are secret
        found += [m.group("value") for m in _KV_REGION.finditer(url)]
    values = {v for raw in found if raw for v in (raw, unquote(raw))}
    values |= {word for v in list(values) for word in re.split(r"[\s@:/]+", v)}
    return tuple(sorted(v for v in values if len(v) >= MIN_SECRET_CHARS and v != REDACTED))


def _whole_url_password(url: str) -> list[str]:
    """The password of a string that is one URL: everything between 'user:' and the last '@', whatever it holds
    (quotes, '<', '>' and backticks included, which the in-text pattern must stop at)."""
    match = _WHOLE_URL.match(url)
    if match is None or ":" not in match.group("userinfo"):
        return []
    return [match.group("userinfo").split(":", 1)[1]]


def _masked_authority(match: re.Match[str]) -> str:
    if match.group("password") is not None:
        user = match.group("user")
        return f"{match.group('scheme')}{user + ':' if user else ''}{REDACTED}@"
    if _token(match):
        return f"{match.group('scheme')}{REDACTED}@"
    return match.group(0)


def _token(match: re.Match[str]) -> str | None:
    """The userinfo of a URL when it is a token (no colon, and a scheme whose user part is not a name)."""
    return match.group("token") if match.group("name").lower() not in _USER_SCHEMES else None


def _unquoted(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return re.sub(r"\\(.)", r"\1", value[1:-1])
    return value.lstrip("'\"")
