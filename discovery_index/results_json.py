"""Search results and sources as the JSON the API answers (`/api/search`, `/api/sites`): plain dicts at the edge."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from lectern.discovery_index.licenses import license_label
from lectern.discovery_index.search_page import highlighted
from lectern.discovery_index.storage import InstanceSummary, SearchQuery, SearchResults


def results_json(query: SearchQuery, results: SearchResults) -> dict[str, Any]:
    return {
        "query": query.text,
        "filters": {facet: list(values) for facet, values in query.filters.items()},
        "matched": results.matched,
        "suggestion": results.suggestion,
        "total": results.total,
        "limit": query.limit,
        "offset": query.offset,
        "more": results.more,
        "facets_exact": results.facets_exact,
        "results": [
            {
                "id": hit.record.object_id,
                "url": hit.record.url,
                "title": hit.record.title,
                "summary": hit.record.summary,
                "snippet_html": highlighted(hit.snippet),
                "license": hit.record.license,
                "license_label": license_label(hit.record.license) if hit.record.license else "",
                "language": hit.record.language,
                "levels": list(hit.record.levels),
                "type": hit.record.resource_type,
                "subjects": list(hit.record.subjects),
                "tags": list(hit.record.tags),
                "authors": list(hit.record.authors),
                "links": list(hit.record.links),
                "published": hit.record.published,
                "updated": hit.record.updated,
                "collection": {"id": hit.record.collection, "name": hit.collection_name, "url": hit.collection_url},
                "instance": hit.record.instance,
                "source": hit.record.source,
                "rank": hit.rank,
                "also_in": [asdict(copy) for copy in hit.also_in],
            }
            for hit in results.hits
        ],
        "facets": {
            facet: [
                {"value": c.value, "label": license_label(c.value) if facet == "license" else c.value, "count": c.count}
                for c in counts
            ]
            for facet, counts in results.facets.items()
        },
    }


def instance_json(summary: InstanceSummary) -> dict[str, Any]:
    return {**asdict(summary.instance), "collections": summary.collections, "resources": summary.resources}
