"""The web front end (Flask, served by waitress) over the `search` library."""

from __future__ import annotations

import os
from collections.abc import Mapping
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from flask import Flask

from search.cli import default_index
from search.searchindex import SearchIndex, open_search_index

SEEDS_PACKAGE = "news_search_seeds"  # the repo's seeds/ folder, installed (pyproject.toml)


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: defaults, then $NEWS_SEARCH_* variables, then ``config`` (tests, CLI)."""
    app = Flask(__name__)
    app.config.from_mapping(
        INDEX=default_index(),
        SEEDS=seeds_folder(),
        BUDGET=0,  # seconds per request, queue included (0: unbounded); `serve` sets one
    )
    app.config.from_prefixed_env("NEWS_SEARCH")
    if config is not None:
        app.config.from_mapping(config)
    app.json.sort_keys = False
    app.json.ensure_ascii = False

    from . import api, budget, errors, exports, present, security, site

    # One index object per app (so per worker process): it keeps its searchers and tables,
    # and sees a reindex's swap by itself on the next request.
    app.extensions["search_index"] = open_search_index(Path(app.config["INDEX"]))
    security.init_app(app)
    budget.init_app(app)
    errors.init_app(app)
    present.init_app(app)
    app.register_blueprint(site.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(exports.bp)
    return app


def search_index(app: Flask) -> SearchIndex:
    """The index object ``app`` serves."""
    return app.extensions["search_index"]


def seeds_folder() -> Path | None:
    """The folder of the sample articles, found through the installed package, or None."""
    spec = find_spec(SEEDS_PACKAGE)
    # A namespace package (seeds/ holds no __init__.py, so that reindexing it reports nothing):
    # importlib.resources.files() fails on one installed editable by setuptools (Python 3.11),
    # whose search path also holds a placeholder entry, so take its first real folder.
    found = spec.submodule_search_locations if spec else None
    return next((Path(p) for p in found or () if os.path.isdir(p)), None)
