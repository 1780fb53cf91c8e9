-- core_scb__prognos: SCB's regional population projection (BE0401 BefProgOsiktRegN), folkmängd on
-- 31 December per region × prognosomgång × år × ålder × kön.
-- Grain: (region_kod, prognosar, ar, alder, kon). prognosar is the vintage (the year SCB published
-- the projection, read from the response's update date); ar the projected year (ar >= prognosar); kon 'K' kvinnor, 'M' män (SCB's 2 and 1, kon_kod).
-- alder 100 means "100 år eller äldre": single ages above 100 and open classes such as '105+' are
-- collapsed into it (they are disjoint age classes, so summing them counts no one twice). Totals
-- (alder 'tot', kon 'tot') were checked against their parts on ingest and are dropped.
-- Several files may deliver the same region, vintage and year (e.g. a re-fetch): the most recently
-- ingested file wins for the whole region-vintage-year, so age classes of two files never mix.
WITH celler AS (
    SELECT
        *,
        (CASE WHEN alder_kod LIKE '%+' THEN rtrim(alder_kod, '+') ELSE alder_kod END)::INTEGER AS alder_ar
    FROM raw_scb__prognos
    WHERE alder_kod <> 'tot' AND kon IN ('1', '2')
),
fil AS (
    SELECT region_kod, prognosar, ar, arg_max(kalla_sha256, (kalla_inlast, kalla_sha256)) AS kalla_sha256
    FROM celler
    GROUP BY region_kod, prognosar, ar
)
SELECT
    c.region_kod::VARCHAR AS region_kod,
    c.prognosar::INTEGER AS prognosar,
    c.ar::INTEGER AS ar,
    least(c.alder_ar, 100)::INTEGER AS alder,
    kon_kod(c.kon)::VARCHAR AS kon,
    sum(c.folkmangd)::BIGINT AS folkmangd
FROM celler AS c
JOIN fil AS f USING (region_kod, prognosar, ar, kalla_sha256)
GROUP BY ALL
ORDER BY region_kod, prognosar, ar, alder, kon
