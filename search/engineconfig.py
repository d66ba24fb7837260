"""Which engine an index root uses, recorded in the root, and how to reach a cluster.

An index root holds ``engine.json`` (``{"engine": ..., "urls": [...], "alias": ...}``) once a
reindex chose an engine; a root without it is an embedded Whoosh index, as every root was
before. The file never holds credentials: the user, password and CA file of a cluster come
from the environment of each command (``NEWS_SEARCH_OPENSEARCH_USER``, ``..._PASSWORD``,
``..._CA_FILE``), and a URL given with ``user:password@`` is recorded without them.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from . import InvalidRequest, Unavailable

ENGINE_FILE = "engine.json"
WHOOSH, OPENSEARCH = "whoosh", "opensearch"
ENGINES = (WHOOSH, OPENSEARCH)
DEFAULT_ALIAS = "news"
MAX_SHARDS = 1024  # OpenSearch's own limit per index
MAX_REPLICAS = 64
ENV_URL = "NEWS_SEARCH_OPENSEARCH_URL"
ENV_USER = "NEWS_SEARCH_OPENSEARCH_USER"
ENV_PASSWORD = "NEWS_SEARCH_OPENSEARCH_PASSWORD"
ENV_CA_FILE = "NEWS_SEARCH_OPENSEARCH_CA_FILE"
# What OpenSearch accepts in an index name, kept simple; concrete indices add "-<timestamp>".
_ALIAS = re.compile(r"[a-z0-9][a-z0-9_-]{0,200}")


class BadEngineConfig(InvalidRequest):
    """The engine chosen, its URL or alias, or the root's engine.json cannot be used."""


class BadEngineFile(Unavailable):
    """The root's engine.json is damaged: reindex with --engine to write it again."""


@dataclass(frozen=True)
class EngineConfig:
    """The engine of one index root; for OpenSearch, its nodes and the alias searched."""

    engine: str = WHOOSH
    urls: tuple[str, ...] = ()
    alias: str = DEFAULT_ALIAS
    shards: int = 1  # of each index a rebuild creates
    replicas: int = 0  # copies of each shard beyond the primary

    def to_json(self) -> dict:
        """What engine.json records (no credentials: ``urls`` are stripped of them)."""
        if self.engine == WHOOSH:
            return {"engine": WHOOSH}
        return {"engine": self.engine, "urls": list(self.urls), "alias": self.alias,
                "shards": self.shards, "replicas": self.replicas}


def opensearch_config(urls: str | list[str] | tuple[str, ...] | None,
                      alias: str | None = None, shards: int | None = None,
                      replicas: int | None = None) -> EngineConfig:
    """An OpenSearch configuration from URL(s) (else $NEWS_SEARCH_OPENSEARCH_URL, comma
    separated) and an alias; credentials in a URL are dropped (give them by environment)."""
    if not urls:
        urls = os.environ.get(ENV_URL, "")
    if isinstance(urls, str):
        urls = [u for u in (part.strip() for part in urls.split(",")) if u]
    if not urls:
        raise BadEngineConfig(
            f"--engine opensearch needs the cluster's URL: --opensearch-url or ${ENV_URL}"
        )
    alias = alias or DEFAULT_ALIAS
    if not _ALIAS.fullmatch(alias):
        raise BadEngineConfig(f"invalid OpenSearch index name {alias!r}: lower-case letters, "
                              "digits, '-' and '_', starting with a letter or digit")
    shards, replicas = 1 if shards is None else shards, 0 if replicas is None else replicas
    if not (type(shards) is int and 1 <= shards <= MAX_SHARDS):  # not a bool either
        raise BadEngineConfig(f"shards must be a whole number from 1 to {MAX_SHARDS}")
    if not (type(replicas) is int and 0 <= replicas <= MAX_REPLICAS):
        raise BadEngineConfig(f"replicas must be a whole number from 0 to {MAX_REPLICAS}")
    return EngineConfig(OPENSEARCH, tuple(_plain_url(u) for u in urls), alias, shards, replicas)


def _plain_url(url: str) -> str:
    """``url`` checked (http or https, a host) and without any user or password in it."""
    parts = urlsplit(url if "://" in url else f"http://{url}")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BadEngineConfig(f"not an http(s) URL of an OpenSearch node: {_shown(url)}")
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        raise BadEngineConfig(f"bad port in {_shown(url)}") from None
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return urlunsplit((parts.scheme, host + port, parts.path.rstrip("/"), "", ""))


def _shown(url: str) -> str:
    """A URL fit for an error message: its password, if any, hidden."""
    return re.sub(r"//([^:/@]*):[^@/]*@", r"//\1:***@", url)


def credentials(url: str | None = None) -> dict:
    """Client options for the cluster's credentials: from the environment, else from the
    ``user:password@`` of ``url`` (given on the command line, never recorded)."""
    options: dict = {}
    user, password = os.environ.get(ENV_USER), os.environ.get(ENV_PASSWORD)
    if not user and url and "://" in url:
        parts = urlsplit(url)
        user, password = parts.username, parts.password
    if user:
        options["http_auth"] = (user, password or "")
    if ca_file := os.environ.get(ENV_CA_FILE):
        if not os.path.isfile(ca_file):
            raise BadEngineConfig(f"${ENV_CA_FILE} names no file: {ca_file}")
        options |= {"ca_certs": ca_file, "verify_certs": True}
    return options


def read_engine(root: str | Path) -> EngineConfig:
    """The engine recorded in ``root`` (Whoosh when none is)."""
    path = Path(root) / ENGINE_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, NotADirectoryError):
        return EngineConfig()
    except (OSError, ValueError) as error:
        raise BadEngineFile(f"cannot read {path}: {error}") from error
    if not isinstance(data, dict) or data.get("engine") not in ENGINES:
        raise BadEngineFile(f"{path} names no known engine ({', '.join(ENGINES)})")
    if data["engine"] == WHOOSH:
        return EngineConfig()
    urls = data.get("urls")
    if not isinstance(urls, list) or not all(isinstance(u, str) for u in urls):
        raise BadEngineFile(f"{path} has no list of OpenSearch URLs")
    try:
        return opensearch_config(urls, data.get("alias") if isinstance(data.get("alias"), str)
                                 else None, data.get("shards"), data.get("replicas"))
    except BadEngineConfig as error:
        raise BadEngineFile(f"{path}: {error}") from error


def write_engine(root: str | Path, config: EngineConfig) -> None:
    """Record ``config`` in ``root``, atomically (a reader sees the old file or the new)."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    tmp = root / f"{ENGINE_FILE}.tmp"
    tmp.write_text(json.dumps(config.to_json(), indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, root / ENGINE_FILE)
