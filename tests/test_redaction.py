"""Secrets never shown: connection strings (even malformed) lose their passwords, and log lines lose key pieces."""
from __future__ import annotations

import json
import logging
import subprocess
import sys

import pytest

from query_engine.sql.redaction import (
    connection_secrets,
    redact_connection_error,
    redact_text,
    redact_url,
)
from router import RouterSettings, configure
from router.provider_keys import scrub
from router.secret_scrubbing import REDACTED, remember_secrets, scrub_secrets
from tests.conftest import PROJECT_ROOT

PASSWORD = "Hunter2Secret"

# (connection string, what must stay visible so the analyst can still tell which one it was)
CONNECTION_STRINGS = [
    (f"postgresql://bob:{PASSWORD}@db.example.com:5432/ads", "postgresql://bob:***@db.example.com:5432/ads"),
    (f"postgresql://bob:{PASSWORD}%ZZ@db.example.com/ads", "bob:***@db.example.com/ads"),  # bad percent-encoding
    (f"postgresql://bob:{PASSWORD}@db.exa mple.com:99999/ads", "bob:***@db.exa mple.com:99999/ads"),  # bad host, port
    (f"postgresql://bob:{PASSWORD}@[::1/ads", "bob:***@[::1/ads"),  # unclosed IPv6 bracket
    ("postgresql://bob:Hunter2 Secret@127.0.0.1/ads", "bob:***@127.0.0.1/ads"),  # a space in the password
    ("postgresql://bob:Hun@ter2Secret@127.0.0.1/ads", "bob:***@127.0.0.1/ads"),  # an unencoded @
    (f"postgresql://bob@127.0.0.1/ads?sslpassword={PASSWORD}&sslmode=require",
     "postgresql://bob@127.0.0.1/ads?sslpassword=***&sslmode=require"),
    (f"postgresql://127.0.0.1/ads?password={PASSWORD}&token=Tok3nValue99", "?password=***&token=***"),
    (f"host=127.0.0.1 user=bob password={PASSWORD} dbname=ads", "host=127.0.0.1 user=bob password=*** dbname=ads"),
    (f"host=127.0.0.1 password='{PASSWORD} with spaces' dbname=ads", "host=127.0.0.1 password=*** dbname=ads"),
    (f"host=127.0.0.1 password='{PASSWORD} unterminated", "host=127.0.0.1 password=***"),
    (f"https://{PASSWORD}@example.com/repo.git", "https://***@example.com/repo.git"),
]


@pytest.mark.parametrize(("url", "shown"), CONNECTION_STRINGS, ids=range(len(CONNECTION_STRINGS)))
def test_redact_url_hides_the_password_even_when_malformed(url, shown):
    redacted = redact_url(url)
    assert PASSWORD not in redacted and "Hunter2" not in redacted and "Tok3nValue99" not in redacted
    assert shown in redacted


def test_redact_url_keeps_a_url_without_secrets_unchanged():
    for url in ("postgresql://bob@db.example.com:5432/ads", "postgresql://127.0.0.1/ads?sslmode=require"):
        assert redact_url(url) == url


def test_redact_text_masks_every_connection_string_in_a_message():
    text = (f"tried postgresql://ann:{PASSWORD}@a.example/x, then mysql://root:Other5ecret@b.example/y; "
            "see https://docs.example.com/help")
    redacted = redact_text(text)
    assert PASSWORD not in redacted and "Other5ecret" not in redacted
    assert "postgresql://ann:***@a.example/x" in redacted and "https://docs.example.com/help" in redacted


def test_connection_secrets_include_decoded_and_split_values():
    secrets = connection_secrets("postgresql://bob:p%40ssw0rd@h/d")
    assert {"p%40ssw0rd", "p@ssw0rd"} <= set(secrets)
    assert "def456" in connection_secrets("host=h password=abc123 def456")  # libpq reads def456 as a keyword


def test_redact_connection_error_masks_what_a_driver_echoes():
    url = "postgresql://bob:pa@ss1234@127.0.0.1/x"
    message = redact_connection_error("failed to resolve host 'ss1234@127.0.0.1': unknown", url)
    assert "ss1234" not in message and "'***@127.0.0.1'" in message


# psycopg rejects these while parsing, before any network: its text echoes the password or the whole URL.
MALFORMED_URLS = [
    f"postgresql://bob:{PASSWORD}%ZZ@127.0.0.1/ads",
    f"postgresql://bob:{PASSWORD}@[::1/ads",
    "postgresql://bob:Hunter2 Secret@127.0.0.1/ads",
    "host=127.0.0.1 password=Hunter2 SecretWord",
    f"host=127.0.0.1 password='{PASSWORD}",
    f"postgresql://bob:{PASSWORD}@127.0.0.1:99999/ads",
]


@pytest.mark.parametrize("url", MALFORMED_URLS, ids=range(len(MALFORMED_URLS)))
def test_postgres_connect_error_never_shows_the_password(url):
    pytest.importorskip("psycopg")
    from query_engine.errors import DatabaseMissing
    from query_engine.sql.postgres import connect

    with pytest.raises(DatabaseMissing) as caught:
        connect(url, connect_timeout_s=1)
    message = str(caught.value)
    assert "Could not connect to PostgreSQL" in message
    assert "Hunter2" not in message and "SecretWord" not in message and "Secret" not in message


def test_postgres_display_url_is_the_redacted_url():
    pytest.importorskip("psycopg")
    from query_engine.datasets.postgres import display_url

    assert display_url(f"postgresql://bob:{PASSWORD}%ZZ@db/ads") == "postgresql://bob:***@db/ads"


def test_cli_url_with_bad_percent_encoding_shows_no_password(clarify_home):
    pytest.importorskip("psycopg")
    env = {"PATH": "/usr/bin:/bin", "LITELLM_OFFLINE_MODE": "true", "CLARIFY_HOME": str(clarify_home)}
    for extra in (["--json"], []):
        proc = subprocess.run([sys.executable, "-m", "query_engine", "ask", "spend", "--url",
                               f"postgresql://bob:{PASSWORD}%ZZ@127.0.0.1/ads", *extra], cwd=PROJECT_ROOT,
                              capture_output=True, text=True, timeout=120, env=env)
        assert PASSWORD not in proc.stdout + proc.stderr and "Traceback" not in proc.stderr
        if extra:
            assert "percent-encoded" in json.loads(proc.stdout)["error"]
        else:
            assert proc.returncode == 1 and "postgresql://bob:***@127.0.0.1/ads" in proc.stderr


FAKE_KEY = "sk-proj-FAKEabcdefghij0123456789klmnopqrstUVWX"
GEMINI_KEY = "FAKEgemini0123456789abcdefghijklmnop"


@pytest.fixture
def keyed_router(clarify_home):
    configure(RouterSettings(home=clarify_home, keys={"OPENAI_API_KEY": FAKE_KEY, "GEMINI_API_KEY": GEMINI_KEY,
                                                      "AZURE_API_BASE": "https://clarify.example.azure.com/"}))
    from router.litellm_client import load_litellm

    return load_litellm()


def test_litellm_logger_scrubs_an_echoed_key_fragment(keyed_router, capfd, caplog):
    caplog.set_level(logging.DEBUG)
    fragment = FAKE_KEY[12:30]  # what a provider echoes: no sk- prefix, so litellm's own redaction misses it
    for name in ("LiteLLM", "LiteLLM Router", "LiteLLM Proxy", "litellm"):
        logging.getLogger(name).warning("Incorrect API key provided: ...%s... (gemini said %s)", fragment,
                                        GEMINI_KEY[5:20])
    stderr = capfd.readouterr().err
    for text in (stderr, caplog.text):
        assert fragment not in text and GEMINI_KEY[5:20] not in text
    assert caplog.text.count("Incorrect API key provided") == 4 and REDACTED in caplog.text
    assert "Incorrect API key provided" in stderr and REDACTED in stderr  # litellm's own handler wrote it, scrubbed


def test_litellm_logger_scrubs_keys_inside_tracebacks(keyed_router, caplog):
    caplog.set_level(logging.DEBUG)
    try:
        raise RuntimeError(f"401 from provider: key {FAKE_KEY[3:40]} rejected")
    except RuntimeError:
        logging.getLogger("LiteLLM Router").exception("call failed")
    assert "call failed" in caplog.text and "RuntimeError" in caplog.text
    assert FAKE_KEY[3:40] not in caplog.text and FAKE_KEY[20:28] not in caplog.text


@pytest.mark.parametrize("shaped", ["sk-ant-api03-UNKNOWNkey123456", "AIzaSyUNKNOWN0123456789abcdefghij",
                                    "sk-UNKNOWNkey0123456789", "Bearer abcdefghijklmnop123456"])
def test_scrub_secrets_removes_key_shapes_nobody_configured(shaped):
    assert shaped not in scrub_secrets(f"provider said: {shaped} is invalid")


def test_scrub_keeps_ordinary_text_and_non_secret_settings_pieces(keyed_router):
    text = "Every model on the route failed; see https://clarify.example.azure.com/openai for the status."
    assert scrub_secrets(text) == text  # a piece of the Azure endpoint is not a key
    assert scrub(f"key {FAKE_KEY[10:19]} rejected", {"OPENAI_API_KEY": FAKE_KEY}) == f"key {REDACTED} rejected"


def test_remember_secrets_applies_to_later_log_lines(caplog):
    from router.secret_scrubbing import SecretScrubber

    remember_secrets(["ZZtopSecretValue42xx"])
    record = logging.LogRecord("LiteLLM", logging.ERROR, __file__, 1, "echo %s", ("picSecretValue42",), None)
    SecretScrubber().filter(record)
    assert "SecretValue42" not in record.getMessage() and REDACTED in record.getMessage()


@pytest.mark.parametrize("password", ["Wr0ng'Pass", 'Qu0te"Secret', "a<b>c", "back`tick", "mix'\"<>`all"])
def test_redact_url_hides_passwords_with_quotes_and_brackets(password):
    from query_engine.sql.redaction import redact_connection_error, redact_url

    url = f"postgresql://analyst:{password}@127.0.0.1:5432/mkt"
    assert password not in redact_url(url) and redact_url(url).startswith("postgresql://analyst:***@127.0.0.1")
    message = redact_connection_error(f'connection to "{url}" failed: password authentication failed', url)
    assert password not in message and "***" in message
