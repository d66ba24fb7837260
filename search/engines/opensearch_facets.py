"""Facet counts on OpenSearch that are exact, in as few requests as we can prove them.

A terms aggregation over several shards asks each shard for its top ``shard_size`` values and
merges them, so a value a shard left out may be missing or under-counted. Each facet is
counted under every ticked filter but its own (``facet_aggs``). The first try asks every shard
for ``SHARD_SIZE`` values and shows up to as many merged ones, each with its possible error
(``show_term_doc_count_error``); ``certain_top`` then proves from those bounds alone that the
top values and their counts are the exact ones, which they nearly always are (facet values
are few, or their counts fall off fast). Only a facet it cannot prove is counted again, apart,
with every value of every shard (``SHARD_SIZE_RETRY``): a second search costs the cluster
the whole query again.
"""

from __future__ import annotations

from ..request import FACET_PARAMS, SearchRequest
from .opensearch_dsl import both, values_filter

# A shard with fewer values than this for a facet returns all of them: exact. Its cost is in
# the values a shard holds among the matches (at most this many buckets to sort and send).
SHARD_SIZE = 1_000
# The retry asks each shard for every value it has, up to this many.
SHARD_SIZE_RETRY = 65_536
ORDER = [{"_count": "desc"}, {"_key": "asc"}]


def facet_aggs(ticked: dict[str, dict | None], request: SearchRequest, *,
               retry: bool = False, names: list[str] | None = None,
               first: int = SHARD_SIZE) -> dict:
    """Each facet (of ``names``, every one by default) counted under every ticked filter but
    its own, with each ticked value counted apart (listed even when it is not among the
    top); and, when every facet is asked, the day histogram under every filter but the dates.

    The first try shows as many merged values as each shard sends (``shown``), for
    ``certain_top``'s proof; a retry shows one value more than listed (whether it is there
    says if there are more).
    """
    aggs: dict = {}
    for name in names or FACET_PARAMS:
        field, wanted = FACET_PARAMS[name], listed(request, name)
        size, shards = (wanted, SHARD_SIZE_RETRY) if retry else (shown(request, name, first),) * 2
        terms = {"field": field, "order": ORDER, "size": size, "shard_size": shards,
                 "show_term_doc_count_error": True}
        inner: dict = {"values": {"terms": terms}}
        if chosen := getattr(request, name):
            keyed = {str(i): values_filter(field, [v]) for i, v in enumerate(chosen)}
            inner["chosen"] = {"filters": {"filters": keyed}}
        others = both([f for n, f in ticked.items() if n != name])
        aggs[f"facet_{name}"] = {"filter": others, "aggs": inner}
    if names is None:
        histogram = {"date_histogram": {"field": "published", "calendar_interval": "1d",
                                        "min_doc_count": 1, "format": "yyyy-MM-dd"}}
        aggs["facet_date"] = {"filter": both([f for n, f in ticked.items() if n != "date"]),
                              "aggs": {"days": histogram}}
    return aggs


def listed(request: SearchRequest, name: str) -> int:
    """The values of a facet the answer needs: those listed, and one more (are there more?)."""
    return request.size_of(name) + 1


def shown(request: SearchRequest, name: str, first: int = SHARD_SIZE) -> int:
    """The values of a facet the first try asks of each shard and shows merged."""
    return max(listed(request, name) * 5, first)


def settle(aggs: dict, request: SearchRequest, first: int = SHARD_SIZE,
           ) -> tuple[dict, list[str]]:
    """The facet aggregations with each proven facet cut to its listed values, and the names
    of the facets that must be counted again."""
    out, unsure = dict(aggs), []
    for name in FACET_PARAMS:
        agg = aggs[f"facet_{name}"]
        top = certain_top(agg["values"], listed(request, name), shown(request, name, first))
        if top is None:
            unsure.append(name)
        else:
            out[f"facet_{name}"] = {**agg, "values": {**agg["values"], "buckets": top}}
    return out, unsure


def certain_top(values: dict, k: int, size: int) -> list[dict] | None:
    """The first ``k`` buckets of a merged terms aggregation that showed at most ``size``,
    when they are provably the exact top ``k`` (counts and order, count descending then
    value), else None.

    OpenSearch's bounds: a shard that sent ``shard_size`` values may hold others, each at most
    as often as its last one; the aggregation's error is the sum of those last counts (so
    bounds any value no shard sent), a bucket's error the sum over the shards that did not
    send that value. The top is exact when its buckets have no error and no other value can
    reach the k-th count: not one shown below it (count plus error), not one the merge cut
    off (at most the last shown count plus the error), not one no shard sent.
    """
    error = values.get("doc_count_error_upper_bound", -1)
    buckets = values["buckets"]
    if error == 0:
        return buckets[:k]
    if error < 0 or len(buckets) < k:
        return None  # unbounded, or values no shard sent could belong to the top
    top, rest = buckets[:k], buckets[k:]
    if any(b.get("doc_count_error_upper_bound", -1) != 0 for b in top):
        return None
    reach = max([error, *(b["doc_count"] + b["doc_count_error_upper_bound"] for b in rest)])
    if len(buckets) >= size:  # the merge may have cut values off after the last one shown
        reach = max(reach, buckets[-1]["doc_count"] + error)
    # Strictly below: a value that could tie the k-th count might come first by its key.
    return top if reach < top[-1]["doc_count"] else None
