"""Widget configuration: what a valid section gives the SDK, and what it says when wrong."""

import pytest

from tiktokshop_widgets import MANAGE_RETURNS, ConfigError, WidgetConfig
from tiktokshop_widgets.config import KNOWN_KEYS

SECTION = {
    "shop_id": "7495610000000000001",
    "region": "US",
    "app_key": "6sandboxapp01",
    "isv_name": "PYSCRIPT_DEMO_ISV",
    "token_url": "https://backend.example/api/v1/widget/access_token",
    "widgets": [MANAGE_RETURNS],
}
MANIFEST = "/sandbox/widgets/reverse/1.0.0/manifest.json"


def section(**changes):
    result = dict(SECTION)
    result.update(changes)
    return {k: v for k, v in result.items() if v is not None}


def test_a_valid_section_gives_the_sdk_its_config_and_remotes():
    config = WidgetConfig.from_dict(section(locale="en-US"))

    assert config.sdk_config() == {
        "shopId": "7495610000000000001",
        "oecRegion": "US",
        "appKey": "6sandboxapp01",
        "isvInfo": {"name": "PYSCRIPT_DEMO_ISV"},
        "locale": "en-US",
    }
    # From TikTok: no entry, so widget-kit looks the widget up itself.
    assert config.remotes() == [{"name": MANAGE_RETURNS}]


def test_sandbox_source_gives_each_remote_its_entry():
    config = WidgetConfig.from_dict(section(source="sandbox", entries={MANAGE_RETURNS: MANIFEST}))
    assert config.remotes() == [{"name": MANAGE_RETURNS, "entry": MANIFEST}]


@pytest.mark.parametrize(
    "changes, problem",
    [
        ({"shop_id": None}, "shop_id is missing"),
        ({"shop_id": ""}, "shop_id must be a non-empty string"),
        ({"shop_id": "xxx"}, 'shop_id must be the numeric shop id'),
        ({"shop_id": 7495610000000000001}, "shop_id must be a non-empty string"),
        ({"region": "usa"}, 'region must be a two-letter country code like "US"'),
        ({"app_key": "  "}, "app_key must be a non-empty string"),
        ({"isv_name": None}, "isv_name is missing"),
        ({"token_url": None}, "token_url is missing"),
        ({"widgets": []}, "widgets must name at least one widget"),
        ({"widgets": ["ManageReturns"]}, "widget name 'ManageReturns' must look like"),
        ({"widgets": MANAGE_RETURNS}, "widgets must be a list of widget names"),
        ({"source": "sandbox", "entries": "manifest.json"}, "entries must be a table"),
        ({"source": "cdn"}, 'source must be "tiktok" or "sandbox"'),
        ({"source": "sandbox"}, "entries has no manifest URL for " + MANAGE_RETURNS),
        ({"partner_type": "2"}, 'partner_type must be "1"'),
        ({"resource_region": "eu"}, 'resource_region must be "va" or "ttp"'),
        ({"shopid": "1"}, "unknown key 'shopid'"),
        ({"token_timeout": 0}, "token_timeout must be a number of seconds"),
        ({"token_timeout": "10"}, "token_timeout must be a number of seconds"),
    ],
)
def test_each_problem_is_named_with_where_to_fix_it(changes, problem):
    with pytest.raises(ConfigError) as error:
        WidgetConfig.from_dict(section(**changes))

    assert problem in str(error.value)
    assert "[tiktok_widgets] section of pyscript.toml" in str(error.value)


def test_a_string_for_widgets_is_one_problem_not_one_per_character():
    with pytest.raises(ConfigError) as error:
        WidgetConfig.from_dict(section(widgets=MANAGE_RETURNS))
    assert len(error.value.problems) == 1


def test_all_problems_are_reported_at_once():
    with pytest.raises(ConfigError) as error:
        WidgetConfig.from_dict(section(shop_id="x", region="u", source="nope"))
    assert len(error.value.problems) == 3


def test_a_missing_section_says_so():
    with pytest.raises(ConfigError, match="it is missing or not a table"):
        WidgetConfig.from_dict(None)


def test_unknown_keys_are_named_once_in_an_order_both_interpreters_share():
    # MicroPython's dicts keep no insertion order: the message must not follow it.
    with pytest.raises(ConfigError) as error:
        WidgetConfig.from_dict({"zeta": 1, "backend_url": "/", "app_key": "k", "isv_name": "i",
                                "alpha": 2})
    assert str(error.value) == (
        "Fix the [tiktok_widgets] section of pyscript.toml: unknown keys 'alpha', 'zeta' "
        "(known: " + ", ".join(KNOWN_KEYS) + ").")
