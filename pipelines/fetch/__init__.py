"""Live clients: fetch SCB (PxWeb v1 and v2) and Kolada (API v3) responses into the workspace.

``analysplan fetch scb|kolada`` runs here. Every response is stored with its SHA-256 under
``$ANALYSPLAN_HOME/hamtat/<source>/`` (:mod:`pipelines.fetch.store`) *before* it is ingested through
the normal path (``pipelines.ingest.accept``: reader, dry run, contract), so what was fetched, from
where and when can always be traced, also when the response is rejected.

* :mod:`~pipelines.fetch.http` — urllib with a sliding-window rate limiter and retries with
  exponential back-off (clock and sleep injectable);
* :mod:`~pipelines.fetch.pxweb` — PxWeb v1 and v2: metadata, selections, splitting a query under the
  cell limit (and further on HTTP 403);
* :mod:`~pipelines.fetch.scb` — the SCB tables this project reads and how to select them;
* :mod:`~pipelines.fetch.kolada` — Kolada v3 data with ≤ 25 ids per path segment and ``next_url`` paging.

Nothing here runs in tests or the demo against the real services: tests use fake servers on 127.0.0.1.
"""
