-- out_scb__aldersstruktur: age structure of riket, the county and its kommuner.
-- Grain: (region_kod, ar, aldersgrupp, kon).
--   aldersgrupp: '0-64', '65-79', '80+', '65+' (= 65-79 + 80+) and 'alla'
--   kon: 'K', 'M', 'alla'
--   andel: folkmangd / the region's folkmangd for the same år and kön (all ages), fraction 0–1
--   basar: the first year in the data; forandring_sedan_basar_rel: (folkmangd − folkmangd in basar)
--   / folkmangd in basar for the same region, aldersgrupp and kön (fraction; 0 in the base year).
--   skillnad_andel_mot_riket_pe: andel − riket's andel for the same år, aldersgrupp and kön
--   (a difference of shares as a fraction: 0.04 = 4 procentenheter; 0 for riket itself).
-- Parameter $lan: the county (default '25'); riket is always included.
WITH valda AS (
    SELECT b.*, r.region_namn, r.regiontyp
    FROM core_scb__befolkning AS b
    JOIN core_ref__regioner AS r USING (region_kod)
    WHERE b.region_kod = '00' OR b.region_kod = $lan
       OR (r.regiontyp = 'kommun' AND r.lan_kod = $lan)
),
grupperad AS (
    SELECT
        region_kod, region_namn, regiontyp, ar,
        CASE WHEN alder <= 64 THEN '0-64' WHEN alder <= 79 THEN '65-79' ELSE '80+' END AS aldersgrupp,
        kon, folkmangd
    FROM valda
),
kuber AS (
    SELECT
        region_kod, region_namn, regiontyp, ar,
        coalesce(aldersgrupp, 'alla') AS aldersgrupp,
        coalesce(kon, 'alla') AS kon,
        sum(folkmangd)::BIGINT AS folkmangd
    FROM grupperad
    GROUP BY GROUPING SETS (
        (region_kod, region_namn, regiontyp, ar, aldersgrupp, kon),
        (region_kod, region_namn, regiontyp, ar, aldersgrupp),
        (region_kod, region_namn, regiontyp, ar, kon),
        (region_kod, region_namn, regiontyp, ar)
    )
),
med_65plus AS (
    SELECT * FROM kuber
    UNION ALL
    SELECT region_kod, region_namn, regiontyp, ar, '65+' AS aldersgrupp, kon, sum(folkmangd)::BIGINT
    FROM kuber
    WHERE aldersgrupp IN ('65-79', '80+')
    GROUP BY region_kod, region_namn, regiontyp, ar, kon
),
med_andel AS (
    SELECT
        *,
        folkmangd / sum(folkmangd) FILTER (WHERE aldersgrupp = 'alla')
            OVER (PARTITION BY region_kod, ar, kon) AS andel,
        min(ar) OVER (PARTITION BY region_kod, aldersgrupp, kon) AS basar,
        first(folkmangd ORDER BY ar) OVER (PARTITION BY region_kod, aldersgrupp, kon) AS folkmangd_basar
    FROM med_65plus
)
SELECT
    region_kod, region_namn, regiontyp, ar, aldersgrupp, kon, folkmangd, andel,
    basar::INTEGER AS basar,
    (folkmangd - folkmangd_basar) / folkmangd_basar AS forandring_sedan_basar_rel,
    andel - max(andel) FILTER (WHERE region_kod = '00') OVER (PARTITION BY ar, aldersgrupp, kon)
        AS skillnad_andel_mot_riket_pe
FROM med_andel
ORDER BY region_kod, ar, aldersgrupp, kon
