-- out_svf__ledtider: SVF lead times per SVF × year × region × kön against the 80 % target and riket.
-- Grain: (svf, ar, region_kod, kon); svf 'alla' = all SVFs together; kon 'alla', 'K', 'M'.
--   dataniva 'patientniva': the county ($lan) from out_svf__forlopp (treatment started that year);
--   dataniva 'aggregat': every other region, and riket '00', from core_svf__aggregat (yearly periods,
--   kön 'alla' only; for svf 'alla' the delivered counts are summed and the median is unknown).
--   andel_inom_maxledtid = antal_inom_maxledtid / antal_patienter; median_ledtid_dagar in days;
--   andel_nationellt_mal from core_svf__maxledtider (0.8); skillnad_mot_mal_pe and skillnad_mot_riket_pe are
--   differences of two shares (fraction; 0,05 = 5 procentenheter),
--   riket = region '00', kön 'alla', same SVF and year.
--   basar: $svf_basar, or the first year with a shown value for the SVF, region and kön; andel_basar
--   and forandring_sedan_basar_pe = andel_inom_maxledtid − andel_basar (fraction, as above).
--   Fewer than $minsta_antal_visas patients: nothing is shown (undertryckt, measures null) — also
--   when the delivery itself was suppressed.
WITH forlopp AS (
    SELECT * FROM out_svf__forlopp WHERE utfall = 'behandling'
),
lan AS (
    SELECT
        coalesce(svf, 'alla') AS svf, ar, $lan AS region_kod, coalesce(kon, 'alla') AS kon,
        'patientniva' AS kalla,
        count(*) AS antal,
        count(*) FILTER (WHERE inom_maxledtid) AS antal_inom_maxledtid,
        median(ledtid_dagar) AS median_ledtid,
        false AS levererad_undertryckt
    FROM forlopp
    GROUP BY GROUPING SETS ((svf, ar, kon), (svf, ar), (ar, kon), (ar))
),
agg AS (
    SELECT * FROM core_svf__aggregat
    WHERE periodtyp = 'ar'
      AND NOT (region_kod = $lan AND ar IN (SELECT DISTINCT ar FROM forlopp))
),
aggregat AS (
    SELECT svf, ar, region_kod, 'alla' AS kon, 'aggregat' AS kalla, antal, antal_inom_maxledtid,
           median_ledtid, undertryckt AS levererad_undertryckt
    FROM agg
    UNION ALL
    SELECT 'alla', ar, region_kod, 'alla', 'aggregat', sum(antal), sum(antal_inom_maxledtid), NULL,
           bool_and(undertryckt)
    FROM agg
    GROUP BY ar, region_kod
),
alla AS (
    SELECT * FROM lan
    UNION ALL
    SELECT * FROM aggregat
),
visade AS (
    SELECT
        svf, ar, region_kod, kon, kalla,
        levererad_undertryckt OR coalesce(antal, 0) < $minsta_antal_visas AS undertryckt,
        antal, antal_inom_maxledtid, median_ledtid
    FROM alla
),
matt AS (
    SELECT
        svf, ar, region_kod, kon, kalla, undertryckt,
        CASE WHEN NOT undertryckt THEN antal END AS antal,
        CASE WHEN NOT undertryckt THEN antal_inom_maxledtid END AS antal_inom_maxledtid,
        CASE WHEN NOT undertryckt THEN antal_inom_maxledtid / antal END AS andel_inom_maxledtid,
        CASE WHEN NOT undertryckt THEN median_ledtid END AS median_ledtid
    FROM visade
),
mal AS (
    SELECT svf, max(nationellt_mal) AS nationellt_mal FROM core_svf__maxledtider GROUP BY svf
    UNION ALL
    SELECT 'alla', max(nationellt_mal) FROM core_svf__maxledtider
),
med_bas AS (
    SELECT
        m.*,
        coalesce($svf_basar, min(m.ar) FILTER (WHERE m.andel_inom_maxledtid IS NOT NULL)
            OVER (PARTITION BY m.svf, m.region_kod, m.kon)) AS basar
    FROM matt AS m
)
SELECT
    b.svf, b.ar::INTEGER AS ar, b.region_kod, b.kon, b.kalla AS dataniva,
    b.antal::BIGINT AS antal_patienter,
    b.antal_inom_maxledtid::BIGINT AS antal_inom_maxledtid,
    b.andel_inom_maxledtid::DOUBLE AS andel_inom_maxledtid,
    b.median_ledtid::DOUBLE AS median_ledtid_dagar,
    g.nationellt_mal::DOUBLE AS andel_nationellt_mal,
    (b.andel_inom_maxledtid - g.nationellt_mal)::DOUBLE AS skillnad_mot_mal_pe,
    r.andel_inom_maxledtid::DOUBLE AS andel_riket,
    (b.andel_inom_maxledtid - r.andel_inom_maxledtid)::DOUBLE AS skillnad_mot_riket_pe,
    b.basar::INTEGER AS basar,
    bas.andel_inom_maxledtid::DOUBLE AS andel_basar,
    (b.andel_inom_maxledtid - bas.andel_inom_maxledtid)::DOUBLE AS forandring_sedan_basar_pe,
    b.undertryckt
FROM med_bas AS b
LEFT JOIN mal AS g ON g.svf = b.svf
LEFT JOIN matt AS r ON r.svf = b.svf AND r.ar = b.ar AND r.region_kod = '00' AND r.kon = 'alla'
LEFT JOIN matt AS bas ON bas.svf = b.svf AND bas.ar = b.basar AND bas.region_kod = b.region_kod AND bas.kon = b.kon
ORDER BY b.svf, b.ar, b.region_kod, b.kon
