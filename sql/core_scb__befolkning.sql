-- core_scb__befolkning: SCB population on 31 December, one row per region × år × ålder × kön.
-- Grain: (region_kod, ar, alder, kon). alder 100 means "100 år eller äldre". Totals (alder_kod 'tot')
-- were checked against their parts on ingest and are dropped here. When two delivered files hold
-- the same cell, the most recently ingested file wins (SCB revises earlier years).
SELECT
    region_kod::VARCHAR AS region_kod,
    ar::INTEGER AS ar,
    (CASE WHEN alder_kod = '100+' THEN 100 ELSE alder_kod::INTEGER END)::INTEGER AS alder,
    kon::VARCHAR AS kon,
    folkmangd::BIGINT AS folkmangd
FROM raw_scb__befolkning
WHERE alder_kod <> 'tot'
QUALIFY row_number() OVER (
    PARTITION BY region_kod, ar, alder_kod, kon ORDER BY kalla_inlast DESC, kalla_sha256
) = 1
ORDER BY region_kod, ar, alder, kon
