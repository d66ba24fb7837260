"""The `news-search` console script: the library's commands plus `serve`, which needs Flask."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from search import SearchError
from search.cli import cli, default_index
from search.engineconfig import WHOOSH
from search.index import reindex

from .budget import DEFAULT_BUDGET
from .workers import cores, serve_workers


@cli.command("serve")
@click.option(
    "--index",
    "index_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Index location [default: $NEWS_SEARCH_INDEX, else index/ of a checkout, else "
    "~/.local/share/news-search/index; only there is a missing index built from the samples].",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8080, show_default=True)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=None,
    help="Worker processes, all on the one port [default: one per core].",
)
@click.option(
    "--threads",
    type=click.IntRange(1, 64),
    default=4,
    show_default=True,
    help="Threads per worker process; with the embedded engine one computes at a time, "
    "the others queue requests and stream exports.",
)
@click.option(
    "--budget",
    type=click.FloatRange(0),
    default=DEFAULT_BUDGET,
    show_default=True,
    help="Seconds a request may take from arrival, queue included; past it the answer is "
    "503 with Retry-After (0: no limit).",
)
def serve_command(index_dir, host, port, workers, threads, budget) -> None:
    """Serve the search site and JSON API with waitress, in several processes; on first run
    at the default index location, index the sample articles."""
    from . import create_app, search_index

    try:
        app = create_app({"INDEX": index_dir} if index_dir else None)
    except SearchError as error:  # a damaged engine.json
        raise click.ClickException(str(error)) from error
    root = Path(app.config["INDEX"])
    # A cluster is not asked here: one that is down now may be up by the first request, and
    # until then the workers answer 503.
    index = search_index(app)
    if index.engine == WHOOSH and not index.exists():
        # Only the default location may be seeded: elsewhere a missing index is most likely
        # a typo, and a new index of two sample articles would hide it.
        if root.resolve() != default_index().resolve():
            raise click.ClickException(
                f"no index in {root}: build it with `news-search reindex PATH --index {root}`"
            )
        # Here, once, before any worker starts: workers only ever read the index.
        index_seeds(app.config["SEEDS"], root)
    try:
        status = serve_workers(root, host, port, workers or cores(), threads, budget, click.echo)
    except OSError as error:
        raise click.ClickException(f"cannot listen on {host}:{port}: {error.strerror}") from error
    sys.exit(status)


def index_seeds(seeds: Path | None, root: Path) -> None:
    """First run: build the index from the project's sample articles so the site has content."""
    if seeds is None:
        raise click.ClickException(
            "the sample articles (package news_search_seeds) are not installed: reinstall "
            f"news-search, or build an index with `news-search reindex PATH --index {root}`"
        )
    try:
        report = reindex([seeds], root, full=True)
    except SearchError as error:
        raise click.ClickException(f"could not index the seed articles: {error}") from error
    click.echo(f"no index in {root}: indexed {report.added} seed articles from {seeds}")


def main() -> None:
    """Entry point of the `news-search` console script."""
    cli()
