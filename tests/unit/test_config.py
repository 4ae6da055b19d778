import pytest

from oneapi.config import ConfigError, dsn_to_uri, from_env


def test_defaults_match_one_api():
    s = from_env({})
    assert s.port == 3000
    assert s.sync_frequency == 120
    assert s.max_items_per_page == 100
    assert s.token_key_prefix == "sk-"
    assert s.enforce_include_usage is True
    assert s.cookie_secure is False  # SCOPE §5: off by default
    assert s.channel_suspend_seconds_for_429 == 60


@pytest.mark.parametrize("name,value", [
    ("PORT", "abc"), ("SYNC_FREQUENCY", "-1"), ("DEBUG", "maybe"), ("RELAY_PROXY", "not a url"),
    ("NODE_TYPE", "leader"), ("GEMINI_SAFETY_SETTING", "NOPE"), ("SQL_DSN", "garbage"),
])
def test_bad_values_name_the_variable(name, value):
    with pytest.raises(ConfigError) as err:
        from_env({name: value})
    assert name in str(err.value)


def test_cookie_secure_switches():
    assert from_env({"ENABLE_COOKIE_SECURE": "true"}).cookie_secure is True
    assert from_env({"ENABLE_COOKIE_SECURE": "true", "DISABLE_COOKIE_SECURE": "true"}).cookie_secure is False


def test_dsn_forms():
    assert dsn_to_uri("postgres://u:p@h:5432/db") == "postgresql+psycopg2://u:p@h:5432/db"
    assert dsn_to_uri("root:pw@tcp(localhost:3306)/oneapi?parseTime=true") == \
        "mysql+pymysql://root:pw@localhost:3306/oneapi?charset=utf8mb4"
