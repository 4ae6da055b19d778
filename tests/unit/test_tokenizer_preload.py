"""A worker loads o200k_base at start only when a configured channel offers a model using it."""
from __future__ import annotations

from oneapi import create_app
from oneapi.relay import tokenizer as tk
from tests.conftest import make_settings


def _boot(database_url):
    create_app({"SETTINGS": make_settings(database_url), "SQLALCHEMY_DATABASE_URI": database_url,
                "TESTING": True})
    return tk.tokenizer_status()


def test_worker_start_preloads_what_channels_need(app, database_url, make_channel):
    tk.reset_tokenizers()
    try:
        make_channel(models="gpt-3.5-turbo,claude-3-haiku")
        assert _boot(database_url) == {"cl100k_base": True, "o200k_base": False}
        make_channel(models="text-embedding-3-small,gpt-4o-mini")
        tk.reset_tokenizers()
        assert _boot(database_url) == {"cl100k_base": True, "o200k_base": True}
    finally:
        tk.reset_tokenizers()
        tk.init_tokenizers()
