"""The `news-search` console script: the library's commands plus `serve`, which needs Flask."""

from __future__ import annotations

from pathlib import Path

import click

from search import SearchError
from search.cli import cli, default_index
from search.generations import current_generation
from search.index import reindex


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
    "--threads",
    type=click.IntRange(1, 64),
    default=4,
    show_default=True,
    help="Worker threads (each keeps its own searcher).",
)
def serve_command(index_dir, host, port, threads) -> None:
    """Serve the search site and JSON API with waitress; on first run at the default index
    location, index the sample articles."""
    import waitress

    from . import create_app

    app = create_app({"INDEX": index_dir} if index_dir else None)
    root = Path(app.config["INDEX"])
    if current_generation(root) is None:
        # Only the default location may be seeded: elsewhere a missing index is most likely
        # a typo, and a new index of two sample articles would hide it.
        if root.resolve() != default_index().resolve():
            raise click.ClickException(
                f"no index in {root}: build it with `news-search reindex PATH --index {root}`"
            )
        index_seeds(app.config["SEEDS"], root)
    click.echo(f"serving {root} on http://{host}:{port}/ with {threads} threads")
    waitress.serve(app, host=host, port=port, threads=threads)


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
