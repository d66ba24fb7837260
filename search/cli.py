"""The `news-search` command line: thin commands over the library's public functions."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from . import SearchError
from .engineconfig import (
    ENGINES,
    ENV_URL,
    OPENSEARCH,
    WHOOSH,
    EngineConfig,
    credentials,
    opensearch_config,
    read_engine,
)
from .entities import find_entities  # noqa: F401  (imported early so a broken install fails fast)
from .extract import extract
from .index import reindex
from .notices import coverage, more_line
from .read import Page, Skip, read_file
from .request import COLLAPSES, DEFAULT_MODE, MODES, SORTS, parse_request
from .searchindex import open_search_index


def default_index() -> Path:
    """$NEWS_SEARCH_INDEX, else index/ of the source checkout this runs from (an editable
    install), else the user's data folder ($XDG_DATA_HOME/news-search/index)."""
    if env := os.environ.get("NEWS_SEARCH_INDEX"):
        return Path(env)
    if checkout := _checkout():
        return checkout / "index"
    data = os.environ.get("XDG_DATA_HOME", "")
    base = Path(data) if os.path.isabs(data) else Path.home() / ".local" / "share"
    return base / "news-search" / "index"


def _checkout() -> Path | None:
    """The source checkout of news-search this code runs from, if it runs from one."""
    project = Path(__file__).resolve().parent.parent
    try:
        pyproject = (project / "pyproject.toml").read_text(encoding="utf-8")
    except OSError:  # installed: site-packages holds no pyproject.toml
        return None
    return project if 'name = "news-search"' in pyproject else None


index_option = click.option(
    "--index",
    "index_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=default_index,
    show_default="$NEWS_SEARCH_INDEX, else index/ of a checkout, else ~/.local/share/news-search",
    help="Index location.",
)


@click.group()
@click.version_option(package_name="news-search")
def cli() -> None:
    """Search a news corpus: ingest raw articles, index them, search them."""


@cli.command("reindex")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@index_option
@click.option("--full", is_flag=True, help="Rebuild from scratch aside and switch atomically.")
@click.option("--prune", is_flag=True, help="Remove articles whose files disappeared.")
@click.option(
    "--workers", type=click.IntRange(1, 64), default=None,
    help="Extraction processes, and writing processes of a --full rebuild [all cores].",
)
@click.option(
    "--vectors/--no-vectors", default=None,
    help="Embed articles for hybrid search (words + meaning), or not (faster: words only) "
    "[a rebuild embeds; an incremental run does as the index was built].",
)
@click.option(
    "--engine", type=click.Choice(ENGINES), default=None,
    help="Where the index lives: embedded (whoosh) or an OpenSearch cluster; recorded in the "
    "index folder for serve, search and stats [the recorded one, else whoosh].",
)
@click.option(
    "--opensearch-url", default=None, metavar="URL",
    help=f"The cluster's node(s), comma-separated [${ENV_URL}, else the recorded ones]; "
    "user and password come from $NEWS_SEARCH_OPENSEARCH_USER and _PASSWORD, never recorded.",
)
@click.option(
    "--opensearch-index", default=None, metavar="NAME",
    help="The alias searches use on the cluster [the recorded one, else 'news'].",
)
@click.option(
    "--opensearch-shards", type=click.IntRange(1, 1024), default=None, metavar="N",
    help="Primary shards of the index a rebuild creates on the cluster [the recorded number, "
    "else 1].",
)
@click.option(
    "--opensearch-replicas", type=click.IntRange(0, 64), default=None, metavar="N",
    help="Replicas of each shard (copies on other nodes) [the recorded number, else 0].",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def reindex_command(paths, index_dir, full, prune, workers, vectors, engine, opensearch_url,
                    opensearch_index, opensearch_shards, opensearch_replicas, as_json) -> None:
    """Index the news files and folders at PATHS (.txt, .html, .json, .jsonl, .csv)."""
    bar = _progress_bar()
    try:
        config = _engine_choice(index_dir, engine, opensearch_url, opensearch_index,
                                opensearch_shards, opensearch_replicas)
        # Only for a cluster: a Whoosh run never reads the cluster's settings.
        on_cluster = (config or read_engine(index_dir)).engine == OPENSEARCH
        report = reindex(
            paths, index_dir, full=full, prune=prune, workers=workers, progress=bar,
            vectors=vectors, engine=config,
            client_options=credentials(opensearch_url) if on_cluster else None,
        )  # fmt: skip
    except SearchError as error:
        raise click.ClickException(str(error)) from error
    finally:
        bar.close()
    if as_json:
        click.echo(json.dumps(report.to_json(), indent=2))
        return
    for line in report.lines(str(index_dir)):
        click.echo(line)


def _engine_choice(root: Path, engine: str | None, url: str | None, alias: str | None,
                   shards: int | None = None, replicas: int | None = None
                   ) -> EngineConfig | None:
    """The engine the options ask for, the recorded one filling in what they leave out; None
    when they ask for nothing (the run uses the recorded engine)."""
    cluster = (url, alias, shards, replicas)
    if engine is None and all(option is None for option in cluster):
        return None
    if engine == WHOOSH:
        if any(option is not None for option in cluster):
            raise click.UsageError("--opensearch-url, --opensearch-index, --opensearch-shards "
                                   "and --opensearch-replicas need --engine opensearch")
        return EngineConfig()
    recorded = read_engine(root)
    if recorded.engine == OPENSEARCH:
        return opensearch_config(url or os.environ.get(ENV_URL) or list(recorded.urls),
                                 alias or recorded.alias,
                                 recorded.shards if shards is None else shards,
                                 recorded.replicas if replicas is None else replicas)
    return opensearch_config(url, alias, shards, replicas)


class _progress_bar:
    """A tqdm bar on a terminal (articles/s and ETA), silent in pipes."""

    def __init__(self) -> None:
        self.bar = None
        self.enabled = sys.stderr.isatty()

    def __call__(self, done: int, total: int, articles: int) -> None:
        if not self.enabled:
            return
        if self.bar is None:
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit="B", unit_scale=True, desc="reindex", file=sys.stderr)
        self.bar.update(done - self.bar.n)
        rate = articles / max(self.bar.format_dict["elapsed"], 1e-6)
        self.bar.set_postfix_str(f"{articles} articles, {rate:.0f}/s", refresh=False)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


@cli.command("extract")
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@index_option
@click.option("--json", "as_json", is_flag=True, help="One JSON object per article per line.")
def extract_command(files, index_dir, as_json) -> None:
    """Show what the extractor finds in FILES, to see why an article was indexed as it was."""
    for path in files:
        for page in read_file(path):
            outcome = page if isinstance(page, Skip) else _extract_or_skip(page)
            if isinstance(outcome, Skip):
                click.echo(f"skipped {outcome.path}: {outcome.reason}", err=True)
            elif as_json:
                click.echo(json.dumps(outcome.to_json(), ensure_ascii=False))
            else:
                _print_article(outcome.to_json())


def _extract_or_skip(page: Page):
    try:
        return extract(page)
    except SearchError as error:
        return Skip(page.path + page.locator, str(error))


def _print_article(data: dict) -> None:
    click.secho(data["title"], bold=True)
    for name in (
        "id",
        "path",
        "published",
        "source",
        "authors",
        "dateline_place",
        "url",
        "tags",
        "people",
        "countries",
        "focus_countries",
        "regions",
    ):
        value = data[name]
        click.echo(f"  {name:15} {', '.join(value) if isinstance(value, list) else value or '-'}")
    click.echo("")
    click.echo(data["body"])
    click.echo("")


@cli.command("search")
@click.argument("query")
@index_option
@click.option("--limit", type=click.IntRange(1, 100), default=10, show_default=True)
@click.option("--page", type=click.IntRange(1), default=1, show_default=True)
@click.option("--sort", type=click.Choice(SORTS), default="relevance", show_default=True)
@click.option(
    "--collapse",
    type=click.Choice(COLLAPSES),
    default="story",
    show_default=True,
    help="One hit per story, or every article.",
)
@click.option(
    "--mode",
    type=click.Choice(MODES),
    default=DEFAULT_MODE,
    show_default=True,
    help="Rank by words and meaning (hybrid), or by words only (lexical).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
def search_command(query, index_dir, limit, page, sort, collapse, mode, as_json) -> None:
    """Search the index for QUERY (same syntax as the web page) and print the best matches."""
    try:
        request = parse_request(
            {
                "q": query,
                "per_page": str(limit),
                "page": str(page),
                "sort": sort,
                "collapse": collapse,
                "mode": mode,
            }
        )
        index = open_search_index(index_dir)
        try:
            data = index.search(request)
        finally:
            index.close()
    except SearchError as error:
        raise click.ClickException(str(error)) from error
    if as_json:
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    groups = data["total_results"]
    stories = f" in {groups} {'story' if groups == 1 else 'stories'}" if collapse == "story" else ""
    added = f" (and {data['semantic_added']} by meaning)" if data["semantic_added"] else ""
    click.echo(f"{data['total']} matching articles{added}{stories}")
    if words := coverage(data):
        click.echo(words)
    for notice in data["notices"]:
        click.echo(notice["message"])
    if data["mode_notice"]:
        click.echo(data["mode_notice"].capitalize())
    first = (data["page"] - 1) * data["per_page"]
    for n, hit in enumerate(data["results"], first + 1):
        date = (hit["published"] or "")[:10]
        meaning = " (by meaning)" if hit["by_meaning"] else ""
        click.echo(
            f"{n:3}. {hit['title']}{meaning}  [{hit['source'] or '-'}, {date or 'undated'}]  "
            f"{hit['id']}"
        )
        if hit["collapsed"]:
            click.echo(f"       {more_line(hit)}")
    if data["suggestion"]:
        click.echo(f"Did you mean: {data['suggestion']}")


@cli.command("stats")
@index_option
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
def stats_command(index_dir, as_json) -> None:
    """Show the engine, article count, per-source counts, date range and size of the index."""
    try:
        index = open_search_index(index_dir)
        try:
            data = index.stats()
        finally:
            index.close()
    except SearchError as error:
        raise click.ClickException(str(error)) from error
    if as_json:
        click.echo(json.dumps(data, indent=2))
        return
    click.echo(
        f"{data['articles']} articles in {data['location']} ({data['size_bytes'] / 1e6:.1f} MB)"
    )
    click.echo(_engine_line(data))
    click.echo(f"dates: {data['first'] or '-'} .. {data['last'] or '-'}")
    vectors = data["vectors"]
    if data.get("engine") == OPENSEARCH:
        click.echo("vectors: none (the OpenSearch engine searches by words only)")
    elif vectors is None:
        click.echo("vectors: none (searches use words only; `reindex --full` adds them)")
    else:
        click.echo(f"vectors: {vectors:,} articles (hybrid search: words and meaning)")
    for source, count in data["sources"].items():
        click.echo(f"  {count:7}  {source}")


def _engine_line(data: dict) -> str:
    """Which engine serves the index; for a cluster, the alias, its index and the nodes."""
    if data.get("engine") != OPENSEARCH:
        return "engine: whoosh (embedded)"
    indices = ", ".join(data.get("indices", [])) or "none"
    nodes = data.get("nodes", [])
    return (f"engine: opensearch at {', '.join(data.get('urls', []))}, alias {data['alias']} "
            f"-> {indices}, {len(nodes)} node{'s' if len(nodes) != 1 else ''} "
            f"({', '.join(nodes)})")
