"""The `news-search` console script: the library's commands plus `serve`, which needs Flask."""

from __future__ import annotations

from search.cli import cli


def main() -> None:
    """Entry point of the `news-search` console script."""
    cli()
