"""The web front end (Flask, served by waitress) over the `search` library."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from search.cli import default_index

PROJECT = Path(__file__).resolve().parent.parent


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: defaults, then $NEWS_SEARCH_* variables, then ``config`` (tests, CLI)."""
    app = Flask(__name__)
    app.config.from_mapping(
        INDEX=default_index(),
        SEEDS=PROJECT / "seeds",
    )
    app.config.from_prefixed_env("NEWS_SEARCH")
    if config is not None:
        app.config.from_mapping(config)
    app.json.sort_keys = False
    app.json.ensure_ascii = False

    from . import api, errors, exports, present, security, site

    security.init_app(app)
    errors.init_app(app)
    present.init_app(app)
    app.register_blueprint(site.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(exports.bp)
    return app
