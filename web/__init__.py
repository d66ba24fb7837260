"""The web front end (Flask, served by waitress) over the `search` library."""
