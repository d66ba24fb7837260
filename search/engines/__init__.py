"""Search engines other than the embedded Whoosh index, one module per engine and side.

Importing this package imports no engine client: each module imports its own, so the embedded
engine never needs ``opensearch-py`` loaded.
"""
