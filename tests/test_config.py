"""plugins.toml through the command line: every mistake is one clear message, exit status 2,
no traceback unless --debug; --config, CRM_CONFIG and CRM_DATABASE_URL choose what is used."""

from pathlib import Path

import pytest
from conftest import run_crm


def plugin_env(site: Path) -> dict[str, str]:
    """Environment in which the installed fixture plugins are found."""
    return {"PYTHONPATH": str(site)}


def assert_config_error(result, *fragments: str) -> str:
    """Exit status 2, one message on stderr containing every fragment, no traceback."""
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    message = result.stderr.strip()
    assert message.startswith("error: ")
    for fragment in fragments:
        assert fragment in message
    return message


def test_unknown_key_in_crm_table_names_file_key_and_allowed_keys(tmp_path, write_config):
    path = write_config(crm_extra={"colour": "red"})
    result = run_crm("check", cwd=tmp_path)
    assert_config_error(
        result,
        str(path),
        "[crm] colour: unknown key",
        "allowed keys: base_url, data_dir, database, enabled, jobs, language, max_upload_mb, timezone",
    )


def test_unknown_table_is_refused(tmp_path, write_config):
    path = write_config()
    path.write_text(path.read_text() + "\n[server]\nport = 80\n", encoding="utf-8")
    result = run_crm("check", cwd=tmp_path)
    assert_config_error(
        result, str(path), "[server]", "allowed tables: [crm], [web], [plugins.NAME]"
    )


def test_wrong_value_of_a_crm_key(tmp_path, write_config):
    path = write_config(crm_extra={"language": "de"})
    result = run_crm("check", cwd=tmp_path)
    assert_config_error(result, str(path), "[crm] language: unallowed value de")


def test_unknown_plugin_lists_the_available_ones(tmp_path, write_config, sample_plugin_site):
    path = write_config(enabled=["gadgets", "gizmos"])
    result = run_crm("check", cwd=tmp_path, env=plugin_env(sample_plugin_site))
    message = assert_config_error(
        result, str(path), "[crm] enabled: unknown plugin 'gizmos'", "available plugins: "
    )
    available = message.split("available plugins: ")[1].split(", ")
    assert {"gadgets", "gadget_extras", "misspelled", "exploding"} <= set(available)
    assert available == sorted(available)


def test_settings_table_of_an_unknown_plugin(tmp_path, write_config, sample_plugin_site):
    path = write_config(plugins={"gizmos": {"size": 1}})
    result = run_crm("check", cwd=tmp_path, env=plugin_env(sample_plugin_site))
    assert_config_error(result, str(path), "[plugins.gizmos]: unknown plugin 'gizmos'", "gadgets")


def test_plugin_setting_of_the_wrong_type(tmp_path, write_config, sample_plugin_site):
    path = write_config(enabled=["gadgets"], plugins={"gadgets": {"max_weight": "heavy"}})
    result = run_crm("check", cwd=tmp_path, env=plugin_env(sample_plugin_site))
    assert_config_error(result, str(path), "[plugins.gadgets] max_weight:", "(expected number)")


def test_unknown_plugin_setting_lists_the_allowed_ones(tmp_path, write_config, sample_plugin_site):
    path = write_config(enabled=["gadgets"], plugins={"gadgets": {"max_wait": 3}})
    result = run_crm("check", cwd=tmp_path, env=plugin_env(sample_plugin_site))
    assert_config_error(
        result, str(path), "[plugins.gadgets] max_wait: unknown setting; allowed: max_weight"
    )


def test_required_plugin_that_is_not_enabled(tmp_path, write_config, sample_plugin_site):
    path = write_config(enabled=["gadget_extras"])
    result = run_crm("check", cwd=tmp_path, env=plugin_env(sample_plugin_site))
    assert_config_error(
        result,
        str(path),
        "[crm] enabled: plugin 'gadget_extras' requires 'gadgets', which is not enabled",
        "add 'gadgets' to [crm] enabled",
    )
    write_config(enabled=["gadget_extras", "gadgets"])
    result = run_crm("check", cwd=tmp_path, env=plugin_env(sample_plugin_site))
    assert result.returncode == 0, result.stderr
    assert "2 plugin(s) enabled (gadgets, gadget_extras)" in result.stdout  # dependency order


def test_plugin_listed_twice(tmp_path, write_config, sample_plugin_site):
    path = write_config(enabled=["gadgets", "gadgets"])
    result = run_crm("check", cwd=tmp_path, env=plugin_env(sample_plugin_site))
    assert_config_error(result, str(path), "[crm] enabled: gadgets listed more than once")


def test_invalid_toml(tmp_path):
    path = tmp_path / "plugins.toml"
    path.write_text("[crm]\nenabled = [gadgets]\n", encoding="utf-8")
    result = run_crm("check", cwd=tmp_path)
    assert_config_error(result, str(path), "not valid TOML", "line 2")


def test_missing_file_says_how_to_point_to_one(tmp_path):
    result = run_crm("check", cwd=tmp_path)
    assert_config_error(
        result,
        str(tmp_path / "plugins.toml"),
        "configuration file not found",
        "--config PATH or CRM_CONFIG",
    )


def test_unsupported_database_url(tmp_path, write_config):
    path = write_config(crm_extra={"database": "mysql://root@localhost/crm"})
    result = run_crm("check", cwd=tmp_path)
    assert_config_error(result, str(path), "[crm] database: unsupported URL 'mysql'")


def test_debug_shows_the_traceback(tmp_path, write_config):
    write_config(crm_extra={"colour": "red"})
    plain = run_crm("check", cwd=tmp_path)
    debug = run_crm("--debug", "check", cwd=tmp_path)
    assert plain.returncode == debug.returncode == 2
    assert "Traceback" not in plain.stderr
    assert "Traceback (most recent call last)" in debug.stderr
    assert "ConfigError" in debug.stderr
    assert "[crm] colour: unknown key" in debug.stderr


def test_config_option_and_environment_choose_the_file(tmp_path, write_config):
    chosen = write_config(name="chosen.toml")
    other = write_config(name="other.toml", crm_extra={"language": "ru"})
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()

    by_option = run_crm("--config", str(chosen), "check", cwd=elsewhere)
    assert by_option.returncode == 0, by_option.stderr
    assert f"ok: {chosen}" in by_option.stdout

    by_environment = run_crm("check", cwd=elsewhere, env={"CRM_CONFIG": str(other)})
    assert by_environment.returncode == 0, by_environment.stderr
    assert f"ok: {other}" in by_environment.stdout

    both = run_crm("--config", str(chosen), "check", cwd=elsewhere, env={"CRM_CONFIG": str(other)})
    assert f"ok: {chosen}" in both.stdout  # the command line wins


def test_default_file_is_plugins_toml_in_the_working_directory(tmp_path, write_config):
    path = write_config()
    result = run_crm("check", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"ok: {path}: 0 plugin(s) enabled (none), 0 record type(s)" in result.stdout


def test_database_defaults_to_sqlite_in_the_data_directory(tmp_path):
    (tmp_path / "plugins.toml").write_text(
        '[crm]\nenabled = []\ndata_dir = "state"\n', encoding="utf-8"
    )
    result = run_crm("init", cwd=tmp_path, env={"CRM_ADMIN_PASSWORD": "secret-password"})
    assert result.returncode == 0, result.stderr
    database = tmp_path / "state" / "crm.db"
    assert f"database: sqlite:///{database}" in result.stdout
    assert database.is_file()


def test_database_url_environment_overrides_the_file(tmp_path, write_config, database_url):
    ignored = tmp_path / "ignored.db"
    write_config(crm_extra={"database": f"sqlite:///{ignored}"})
    environment = {"CRM_DATABASE_URL": database_url, "CRM_ADMIN_PASSWORD": "secret-password"}
    result = run_crm("init", cwd=tmp_path, env=environment)
    assert result.returncode == 0, result.stderr
    assert f"database: {database_url}" in result.stdout
    assert not ignored.exists()
    again = run_crm("init", cwd=tmp_path, env=environment)
    assert "an administrator exists already" in again.stdout  # the same database was used


@pytest.mark.parametrize(
    ("setting", "value", "expected"),
    [
        ("max_upload_mb", "big", "[crm] max_upload_mb: must be of number type"),
        ("jobs", "cron", "[crm] jobs: unallowed value cron"),
        ("enabled", "gadgets", "[crm] enabled: must be of list type"),
    ],
)
def test_wrong_types_in_crm_table(tmp_path, write_config, setting, value, expected):
    path = write_config(crm_extra={setting: value})
    result = run_crm("check", cwd=tmp_path)
    assert_config_error(result, str(path), expected)
