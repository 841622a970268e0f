"""Which provider a litellm model string belongs to, which key it needs, and scrubbing keys out of text."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from router.secret_scrubbing import REDACTED, scrub_secrets

# provider -> ((key name alternatives, litellm parameter), ...); the first present alternative wins.
_CREDENTIALS: dict[str, tuple[tuple[tuple[str, ...], str], ...]] = {
    "anthropic": ((("ANTHROPIC_API_KEY",), "api_key"),),
    "openai": ((("OPENAI_API_KEY",), "api_key"),),
    "gemini": ((("GEMINI_API_KEY", "GOOGLE_API_KEY"), "api_key"),),
    "azure": ((("AZURE_API_KEY",), "api_key"), (("AZURE_API_BASE",), "api_base"),
              (("AZURE_API_VERSION",), "api_version")),
    "bedrock": ((("AWS_ACCESS_KEY_ID",), "aws_access_key_id"), (("AWS_SECRET_ACCESS_KEY",), "aws_secret_access_key"),
                (("AWS_REGION_NAME", "AWS_REGION"), "aws_region_name")),
    "mistral": ((("MISTRAL_API_KEY",), "api_key"),),
    "groq": ((("GROQ_API_KEY",), "api_key"),),
    "openrouter": ((("OPENROUTER_API_KEY",), "api_key"),),
}
# Credentials a provider cannot work without (Azure's version and Bedrock's region may come from params).
_REQUIRED = {"azure": ("AZURE_API_KEY",), "bedrock": ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}
# Local servers need no key; their address comes from `api_base` in the route or model params.
KEYLESS_PROVIDERS = frozenset({"ollama", "ollama_chat", "lm_studio", "hosted_vllm", "vllm", "llamafile"})
KNOWN_KEY_NAMES = tuple(sorted({n for entries in _CREDENTIALS.values() for names, _ in entries for n in names}))
_BARE_NAME_PREFIXES = (("claude", "anthropic"), ("gemini", "gemini"), ("gpt", "openai"), ("o1", "openai"),
                       ("o3", "openai"), ("o4", "openai"))
# Settings that travel with the keys but are not secret; a piece of an endpoint URL is not a key.
NON_SECRET_KEY_NAMES = frozenset({"AZURE_API_BASE", "AZURE_API_VERSION", "AWS_REGION_NAME", "AWS_REGION"})


@dataclass(frozen=True)
class Credentials:
    """What a model needs from the keys: the provider, the key names, and whether they are present."""

    provider: str
    key_name: str  # e.g. "GEMINI_API_KEY or GOOGLE_API_KEY"; empty for local providers
    present: bool
    params: Mapping[str, str]  # litellm parameters (api_key=...), never logged


def provider_of(model: str) -> str:
    """The provider prefix of a litellm model string ('anthropic/claude-sonnet-4-5' -> 'anthropic')."""
    if "/" in model:
        return model.split("/", 1)[0].strip().lower()
    bare = model.strip().lower()
    return next((provider for prefix, provider in _BARE_NAME_PREFIXES if bare.startswith(prefix)), "openai")


def key_names(provider: str) -> tuple[str, ...]:
    """The key names that enable a provider, in the order they are looked up."""
    if provider in KEYLESS_PROVIDERS:
        return ()
    entries = _CREDENTIALS.get(provider)
    if entries is None:
        return (f"{provider.upper()}_API_KEY",)
    return _REQUIRED.get(provider, entries[0][0])


def credentials_for(model: str, keys: Mapping[str, str]) -> Credentials:
    """The credentials for `model` drawn from `keys`; `present` is False when a required key is missing."""
    provider = provider_of(model)
    if provider in KEYLESS_PROVIDERS:
        return Credentials(provider, "", True, {})
    entries = _CREDENTIALS.get(provider, (((f"{provider.upper()}_API_KEY",), "api_key"),))
    params: dict[str, str] = {}
    for names, param in entries:
        value = next((keys[n] for n in names if str(keys.get(n, "") or "").strip()), None)
        if value is not None:
            params[param] = str(value).strip()
    required = key_names(provider)
    present = all(str(keys.get(n, "") or "").strip() for n in required) if provider in _REQUIRED \
        else bool(params.get("api_key"))
    return Credentials(provider, " or ".join(required), present, params)


def secret_key_values(keys: Mapping[str, str]) -> list[str]:
    """The values of the keys that are secrets (not an Azure endpoint, API version or AWS region)."""
    return [str(v) for name, v in keys.items() if v and name not in NON_SECRET_KEY_NAMES]


def scrub(text: str, keys: Mapping[str, str]) -> str:
    """`text` with every key value, any 8+ character piece of a secret and key-shaped strings redacted."""
    for value in sorted((str(v).strip() for v in keys.values() if v), key=len, reverse=True):
        if len(value) >= 4:
            text = text.replace(value, REDACTED)
    return scrub_secrets(text, secret_key_values(keys))
