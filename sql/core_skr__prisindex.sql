-- core_skr__prisindex: SKR's price indices for the regions (LPIK, LPI), one row per index × year,
-- with the yearly change and the chained index level used to express costs in fixed prices.
-- Grain: (prisindex, ar). forandring: change from the previous year as a fraction (2,9 % → 0.029).
-- typ: 'utfall' or 'prognos'. When several delivered files give the same index and year, an outcome
-- beats a forecast, then the latest publication day (publicerad), then the most recently ingested
-- file (SKR revises both outcomes and forecasts).
-- indexvarde: the chained level, 100 in the series' first year: indexvarde(ar) =
-- 100 · Π (1 + forandring) over the years after the first up to ar. A cost C in year t in year p's
-- prices is C · indexvarde(p) / indexvarde(t); the base (100) cancels, so it is arbitrary. The
-- contract rejects a series with a missing year (the chain would skip it).
WITH vald AS (
    SELECT
        prisindex::VARCHAR AS prisindex,
        ar::INTEGER AS ar,
        (forandring_procent / 100)::DOUBLE AS forandring,
        typ::VARCHAR AS typ,
        publicerad::DATE AS publicerad,
        kalla_fil::VARCHAR AS kalla_fil,
        kalla_rad::BIGINT AS kalla_rad
    FROM raw_skr__prisindex
    QUALIFY row_number() OVER (
        PARTITION BY prisindex, ar
        ORDER BY typ = 'utfall' DESC, publicerad DESC, kalla_inlast DESC, kalla_fil DESC, kalla_rad DESC
    ) = 1
),
med_forsta AS (
    SELECT *, min(ar) OVER (PARTITION BY prisindex) AS forsta_ar FROM vald
)
SELECT
    prisindex, ar, forandring, typ, publicerad,
    (100 * exp(sum(CASE WHEN ar = forsta_ar THEN 0 ELSE ln(1 + forandring) END) OVER (
        PARTITION BY prisindex ORDER BY ar ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
    )))::DOUBLE AS indexvarde,
    kalla_fil, kalla_rad
FROM med_forsta
ORDER BY prisindex, ar
