"""billing.resolve memoises prices per identity of the pricing maps: a changed channel or option
map (a new object) is a miss, and time-of-day prices are never kept."""
from __future__ import annotations

from types import SimpleNamespace

from oneapi.services import billing


def _ctx(configs: dict | None, model: str = "m-test"):
    channel = SimpleNamespace(model_configs=configs, model_ratio=None, completion_ratio=None)
    return SimpleNamespace(channel=channel, actual_model=model, channel_type=1, group="default")


def test_memo_hits_and_follows_new_maps(app):
    with app.app_context():
        billing._price_memo.clear()
        first = {"m-test": {"ratio": 2.0, "completion_ratio": 3}}
        price, _ = billing.resolve(_ctx(first))
        assert (price.ratio, price.completion_ratio) == (2.0, 3.0)
        again, _ = billing.resolve(_ctx(first))
        assert again is price  # same maps: memoised
        changed = {"m-test": {"ratio": 5.0, "completion_ratio": 3}}  # channel edited: new parsed map
        new, _ = billing.resolve(_ctx(changed))
        assert new.ratio == 5.0


def test_time_window_prices_are_not_memoised(app):
    with app.app_context():
        billing._price_memo.clear()
        configs = {"m-test": {"ratio": 1.0, "time_windows": [
            {"start": "00:00", "end": "23:59", "timezone": "UTC", "overlay": {"ratio": 9.0}}]}}
        billing.resolve(_ctx(configs))
        assert not billing._price_memo
