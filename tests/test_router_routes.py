"""Routes: defaults from router/routes.yaml, overrides from the home routes file and per-task settings, key status."""
from __future__ import annotations

import pytest

from router import RouteConfigError, RouterSettings, TaskType
from router.provider_keys import credentials_for, key_names, provider_of, scrub
from router.routes import load_routes, route_statuses

DEFAULT_MODELS = {
    "query_interpretation": "anthropic/claude-sonnet-4-5", "workflow_orchestration": "anthropic/claude-sonnet-4-5",
    "sql_generation": "openai/gpt-5.1-codex", "code_generation": "openai/gpt-5.1-codex",
    "insights_generation": "openai/gpt-5.1", "data_processing": "openai/gpt-5.1",
    "report_generation": "openai/gpt-5.1", "predictive_analytics": "openai/gpt-5.1",
    "evaluation": "gemini/gemini-2.5-pro", "vision_analysis": "gemini/gemini-2.5-pro",
}
HIGH_REASONING = {"insights_generation", "data_processing", "report_generation", "predictive_analytics"}


def test_task_type_has_the_ten_tasks():
    assert {t.value for t in TaskType} == set(DEFAULT_MODELS)
    assert TaskType("sql_generation") is TaskType.SQL_GENERATION and TaskType.SQL_GENERATION == "sql_generation"


@pytest.mark.parametrize("task, model", sorted(DEFAULT_MODELS.items()))
def test_load_routes_defaults(clarify_home, task, model):
    route = load_routes(RouterSettings(home=clarify_home)).route(TaskType(task))
    assert route.model == model
    assert route.params == ({"reasoning_effort": "high"} if task in HIGH_REASONING else {})
    assert route.reason and "\n" not in route.reason
    assert route.offline_fallback is (task != "vision_analysis")
    assert model not in route.fallbacks and len(route.models) == 3


def test_load_routes_home_file_overrides_one_task(clarify_home):
    (clarify_home / "routes.yaml").write_text(
        "routes:\n  sql_generation:\n    model: azure/my-gpt\n    fallbacks: [offline]\n"
        "expected_output_tokens:\n  sql_generation: 123\n"
        "model_params:\n  azure/my-gpt: {api_version: '2024-10-01'}\n", encoding="utf-8")
    table = load_routes(RouterSettings(home=clarify_home))
    sql = table.route(TaskType.SQL_GENERATION)
    assert (sql.model, sql.fallbacks, sql.params, sql.models) == ("azure/my-gpt", ("offline",), {}, ("azure/my-gpt",))
    assert table.expected_output_tokens[TaskType.SQL_GENERATION] == 123
    assert table.model_params["azure/my-gpt"] == {"api_version": "2024-10-01"}
    assert table.route(TaskType.CODE_GENERATION).model == "openai/gpt-5.1-codex"


def test_load_routes_settings_override_beats_file(clarify_home, tmp_path):
    path = tmp_path / "team_routes.yaml"
    path.write_text("routes:\n  evaluation: openai/gpt-5.1\n", encoding="utf-8")
    settings = RouterSettings(home=clarify_home, routes_file=path,
                              route_overrides={"evaluation": "anthropic/claude-sonnet-4-5"})
    route = load_routes(settings).route(TaskType.EVALUATION)
    assert route.model == "anthropic/claude-sonnet-4-5"
    # each replaced model becomes the first fallback; the new model leaves its own fallbacks
    assert route.fallbacks == ("openai/gpt-5.1", "gemini/gemini-2.5-pro", "offline")
    assert route.source == "settings override"


def test_load_routes_params_only_override_keeps_model(clarify_home):
    settings = RouterSettings(home=clarify_home,
                              route_overrides={"insights_generation": {"params": {"reasoning_effort": "low"}}})
    route = load_routes(settings).route(TaskType.INSIGHTS_GENERATION)
    assert (route.model, route.params) == ("openai/gpt-5.1", {"reasoning_effort": "low"})


@pytest.mark.parametrize("overrides, fragment", [
    ({"sql_gen": "openai/gpt-5.1"}, "unknown task 'sql_gen'"),
    ({"sql_generation": {"modle": "x"}}, "must be a model string or a mapping"),
    ({"sql_generation": {"model": "x", "fallbacks": "offline"}}, "fallbacks as a list"),
])
def test_load_routes_rejects_bad_overrides(clarify_home, overrides, fragment):
    with pytest.raises(RouteConfigError) as caught:
        load_routes(RouterSettings(home=clarify_home, route_overrides=overrides))
    assert fragment in str(caught.value)


def test_load_routes_malformed_file_says_which(clarify_home):
    (clarify_home / "routes.yaml").write_text("routes: [unclosed", encoding="utf-8")
    with pytest.raises(RouteConfigError) as caught:
        load_routes(RouterSettings(home=clarify_home))
    assert "routes.yaml cannot be read" in str(caught.value)


def test_route_statuses_report_key_presence(clarify_home):
    table = load_routes(RouterSettings(home=clarify_home, route_overrides={"code_generation": "ollama/llama3"}))
    statuses = {s.task: s for s in route_statuses(table, {"GOOGLE_API_KEY": "g-123456"})}
    assert len(statuses) == 10
    assert (statuses["evaluation"].key_present, statuses["evaluation"].key_name) == (
        True, "GEMINI_API_KEY or GOOGLE_API_KEY")
    assert (statuses["sql_generation"].key_present, statuses["sql_generation"].key_name) == (False, "OPENAI_API_KEY")
    assert statuses["sql_generation"].usable_models == ("gemini/gemini-2.5-pro",)
    assert (statuses["code_generation"].key_present, statuses["code_generation"].key_name) == (True, "")
    assert statuses["insights_generation"].params == {"reasoning_effort": "high"}


def test_route_statuses_hide_key_like_params(clarify_home):
    table = load_routes(RouterSettings(home=clarify_home, route_overrides={
        "sql_generation": {"model": "openai/x", "params": {"api_key": "sk-in-a-file", "temperature": 0}}}))
    status = next(s for s in route_statuses(table, {}) if s.task == "sql_generation")
    assert status.params == {"temperature": 0}


@pytest.mark.parametrize("model, provider, names", [
    ("anthropic/claude-sonnet-4-5", "anthropic", ("ANTHROPIC_API_KEY",)),
    ("gemini/gemini-2.5-pro", "gemini", ("GEMINI_API_KEY", "GOOGLE_API_KEY")),
    ("azure/my-deployment", "azure", ("AZURE_API_KEY",)),
    ("bedrock/anthropic.claude-3-5-sonnet", "bedrock", ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")),
    ("ollama/llama3", "ollama", ()),
    ("gpt-4o", "openai", ("OPENAI_API_KEY",)),
    ("claude-3-haiku", "anthropic", ("ANTHROPIC_API_KEY",)),
    ("deepseek/deepseek-chat", "deepseek", ("DEEPSEEK_API_KEY",)),
])
def test_provider_of_and_key_names(model, provider, names):
    assert provider_of(model) == provider
    assert key_names(provider) == names


def test_credentials_for_prefers_gemini_key_and_maps_bedrock_params():
    gemini = credentials_for("gemini/gemini-2.5-pro", {"GEMINI_API_KEY": "gem-1", "GOOGLE_API_KEY": "goo-2"})
    bedrock = credentials_for("bedrock/x", {"AWS_ACCESS_KEY_ID": "AKIA1", "AWS_SECRET_ACCESS_KEY": "s3cret",
                                            "AWS_REGION_NAME": "eu-west-1"})
    half = credentials_for("bedrock/x", {"AWS_ACCESS_KEY_ID": "AKIA1"})
    assert gemini.params == {"api_key": "gem-1"} and gemini.present
    assert bedrock.present and bedrock.params == {"aws_access_key_id": "AKIA1", "aws_secret_access_key": "s3cret",
                                                  "aws_region_name": "eu-west-1"}
    assert half.present is False


def test_scrub_replaces_every_key_value():
    text = scrub("auth sk-abc-123 failed; retry with sk-abc-123", {"OPENAI_API_KEY": "sk-abc-123", "X": ""})
    assert text == "auth [redacted] failed; retry with [redacted]"


def test_router_settings_from_sources_maps_env_and_secrets(tmp_path):
    environ = {"OPENAI_API_KEY": "sk-env", "CLARIFY_HOME": str(tmp_path), "PATH": "/bin",
               "CLARIFY_ROUTE_SQL_GENERATION": "ollama/llama3", "CLARIFY_DAILY_BUDGET_USD": "2.5",
               "CLARIFY_MONTHLY_BUDGET_USD": "off"}
    settings = RouterSettings.from_sources(environ, secrets={"OPENAI_API_KEY": "sk-secret", "GEMINI_API_KEY": "g1"})
    assert dict(settings.keys) == {"OPENAI_API_KEY": "sk-env", "GEMINI_API_KEY": "g1"}  # the environment wins
    assert dict(settings.route_overrides) == {"sql_generation": "ollama/llama3"}
    assert (settings.home, settings.daily_budget_usd, settings.monthly_budget_usd) == (tmp_path, 2.5, None)
    assert settings.ledger_path == tmp_path / "usage.sqlite"
    assert "sk-env" not in repr(settings) and "OPENAI_API_KEY" in repr(settings)


@pytest.mark.parametrize("raw", ["five", "-3", "nan", "$5"])
def test_router_settings_budget_that_is_not_an_amount_says_what_to_set(raw):
    with pytest.raises(RouteConfigError) as caught:
        RouterSettings.from_sources({"CLARIFY_DAILY_BUDGET_USD": raw})
    assert "CLARIFY_DAILY_BUDGET_USD" in caught.value.message and "off" in caught.value.message


def test_router_settings_budget_amounts_and_off_are_read():
    settings = RouterSettings.from_sources({"CLARIFY_DAILY_BUDGET_USD": "0.50", "CLARIFY_MONTHLY_BUDGET_USD": "off"})
    assert (settings.daily_budget_usd, settings.monthly_budget_usd) == (0.5, None)
