-- core_scb__befolkning: SCB population on 31 December, one row per region × år × ålder × kön.
-- Grain: (region_kod, ar, alder, kon). alder 100 means "100 år eller äldre"; kon 'K' kvinnor, 'M' män
-- (SCB's 2 and 1, mapped by the macro kon_kod).
--
-- Two SCB tables deliver the raw rows (column tabell), and no person may be counted twice:
--   * TAB638 (BefolkningNy, BE0101N1): 1968–2024, not perturbed;
--   * BefolkningCKM (000007ME): 2025 onwards, perturbed by SCB's cell-key method.
-- For each region and year exactly ONE table is used: TAB638 for years up to 2024 and BefolkningCKM
-- from 2025. When both deliver the same region and year, that preferred table wins and the other
-- table's rows for it are ignored; the other table is used only for a region-year the preferred one
-- did not deliver (e.g. a TAB638-format file carrying 2025). Within the chosen table, the most
-- recently ingested file wins per cell (SCB revises earlier years).
-- Only single ages (0–99, '100+') and kön 1/2 are kept. Totals (alder_kod 'tot' and 'TOT1', kön
-- 'tot') were checked against their parts on ingest, within the CKM tolerance from 2025, and are
-- dropped here; the CKM's five- and ten-year bands are dropped too. Nothing is ever summed: summing
-- perturbed cells would add their noise.
WITH celler AS (
    SELECT
        *,
        (tabell = 'BefolkningCKM') = (ar >= 2025) AS foredragen
    FROM raw_scb__befolkning
    WHERE kon IN ('1', '2')
      AND (alder_kod = '100+' OR regexp_full_match(alder_kod, '[0-9]{1,2}'))
),
vald AS (
    SELECT region_kod, ar, arg_max(tabell, foredragen) AS tabell
    FROM celler
    GROUP BY region_kod, ar
)
SELECT
    c.region_kod::VARCHAR AS region_kod,
    c.ar::INTEGER AS ar,
    (CASE WHEN c.alder_kod = '100+' THEN 100 ELSE c.alder_kod::INTEGER END)::INTEGER AS alder,
    kon_kod(c.kon)::VARCHAR AS kon,
    c.folkmangd::BIGINT AS folkmangd
FROM celler AS c
JOIN vald AS v USING (region_kod, ar, tabell)
QUALIFY row_number() OVER (
    PARTITION BY c.region_kod, c.ar, c.alder_kod, c.kon ORDER BY c.kalla_inlast DESC, c.kalla_sha256
) = 1
ORDER BY region_kod, ar, alder, kon
