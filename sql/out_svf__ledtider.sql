-- out_svf__ledtider: SVF lead times per SVF × year × region × kön against the 80 % target and riket.
-- Grain: (svf, ar, region_kod, kon); svf 'alla' = all SVFs together; kon 'alla', 'K', 'M'.
-- ar is the year of välgrundad misstanke (the year the pathway started) for every region: the
-- county's patient-level pathways and the delivered aggregates alike.
--   dataniva 'patientniva': the county ($lan), the years its delivery covers in full (out_svf__forlopp,
--   ar_komplett); dataniva 'aggregat': every other region, riket '00', and the county's other years,
--   from core_svf__aggregat (yearly periods, kön 'alla' only). An incomplete year is not shown.
--   svf 'alla' from aggregates: the delivered counts summed over the SVFs, only where no SVF of that
--   region and year was suppressed (else the row is left out: the sum would be too low); median unknown.
--   andel_inom_maxledtid = antal_inom_maxledtid / antal_patienter, with a Wilson 95 % interval
--   (ki_lag, ki_hog); median_ledtid_dagar with a 95 % interval from order statistics (Conover: ranks
--   n/2 ∓ 1,96·√n/2, the upper + 1) on patient-level rows only — the aggregates carry none, so a median
--   difference against riket is not tested.
--   andel_nationellt_mal from core_svf__maxledtider (0.8); skillnad_mot_mal_pe, skillnad_mot_riket_pe:
--   differences of two shares (fraction; 0,05 = 5 procentenheter); riket = region '00', kön 'alla',
--   same SVF and year; median_ledtid_riket_dagar likewise. andel_publicerad: on the county's patient-level
--   rows (kön 'alla'), the county's share in the delivered aggregates that riket comes from — the same
--   source on both sides of the comparison (NULL where the delivery has none or suppressed it).
--   antal_jamforelser: SVFs with a shown share that year, region and kön (svf 'alla': 1);
--   signifikant_mot_mal / signifikant_mot_riket: the target / riket's share lies outside the Wilson
--   interval at the Bonferroni-corrected level 5 % / antal_jamforelser (riket is not tested against itself).
--   basar: $svf_basar, or the first year the county has complete patient-level data — one year for
--   every SVF, region and kön; andel_basar; forandring_sedan_basar_pe = andel_inom_maxledtid − andel_basar.
--   riktning_mot_mal_kod / riktning_mot_riket_kod: hogre | lagre | lika; riktning_sedan_basar_kod:
--   okade | minskade | oforandrad.
--   Fewer than $minsta_antal_visas patients: the measures are not shown (undertryckt); the count itself
--   is hidden when a report freezes the table (sql/schema.yml skydd, with complementary cells).
WITH forlopp AS (
    SELECT * FROM out_svf__forlopp WHERE utfall = 'behandling' AND ar_komplett
),
lan AS (
    SELECT
        coalesce(svf, 'alla') AS svf, ar, $lan AS region_kod, coalesce(kon, 'alla') AS kon,
        'patientniva' AS dataniva,
        count(*) AS antal,
        count(*) FILTER (WHERE inom_maxledtid) AS antal_inom,
        median(ledtid_dagar) AS median_ledtid,
        list_sort(list(ledtid_dagar)) AS ledtider,
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
    SELECT svf, ar, region_kod, 'alla' AS kon, 'aggregat' AS dataniva, antal, antal_inom_maxledtid AS antal_inom,
           median_ledtid, NULL::INTEGER[] AS ledtider, undertryckt AS levererad_undertryckt
    FROM agg
    UNION ALL
    SELECT 'alla', ar, region_kod, 'alla', 'aggregat', sum(antal), sum(antal_inom_maxledtid), NULL, NULL, false
    FROM agg
    GROUP BY ar, region_kod
    HAVING NOT bool_or(undertryckt)
),
publicerad AS (
    -- every region's own delivered share (the county's too), for a comparison with riket from one source
    SELECT svf, ar, region_kod, antal_inom_maxledtid / antal AS andel
    FROM core_svf__aggregat
    WHERE periodtyp = 'ar' AND NOT undertryckt AND antal >= $minsta_antal_visas
    UNION ALL
    SELECT 'alla', ar, region_kod, sum(antal_inom_maxledtid) / sum(antal)
    FROM core_svf__aggregat
    WHERE periodtyp = 'ar'
    GROUP BY ar, region_kod
    HAVING NOT bool_or(undertryckt) AND sum(antal) >= $minsta_antal_visas
),
alla AS (
    SELECT * FROM lan
    UNION ALL
    SELECT * FROM aggregat
),
visade AS (
    SELECT
        *,
        levererad_undertryckt OR coalesce(antal, 0) < $minsta_antal_visas AS undertryckt,
        round(antal / 2 - 1.96 * sqrt(antal) / 2)::INTEGER AS rang_lag,
        round(1 + antal / 2 + 1.96 * sqrt(antal) / 2)::INTEGER AS rang_hog
    FROM alla
),
matt AS (
    SELECT
        svf, ar, region_kod, kon, dataniva, undertryckt,
        CASE WHEN NOT levererad_undertryckt THEN antal END AS antal,
        CASE WHEN NOT undertryckt THEN antal_inom END AS antal_inom,
        CASE WHEN NOT undertryckt THEN antal_inom / antal END AS andel,
        CASE WHEN NOT undertryckt THEN wilson_lag(antal_inom, antal) END AS ki_lag,
        CASE WHEN NOT undertryckt THEN wilson_hog(antal_inom, antal) END AS ki_hog,
        CASE WHEN NOT undertryckt THEN median_ledtid END AS median_ledtid,
        CASE WHEN NOT undertryckt AND rang_lag >= 1 AND rang_hog <= antal THEN ledtider[rang_lag] END AS median_lag,
        CASE WHEN NOT undertryckt AND rang_lag >= 1 AND rang_hog <= antal THEN ledtider[rang_hog] END AS median_hog
    FROM visade
),
mal AS (
    SELECT svf, max(nationellt_mal) AS mal FROM core_svf__maxledtider GROUP BY svf
    UNION ALL
    SELECT 'alla', max(nationellt_mal) FROM core_svf__maxledtider
),
namn AS (
    SELECT svf, min(svf_namn) AS svf_namn FROM core_svf__maxledtider GROUP BY svf
),
bas AS (
    SELECT coalesce($svf_basar, (SELECT min(ar) FROM forlopp)) AS basar
),
med_z AS (
    SELECT
        m.*,
        CASE WHEN m.svf = 'alla' THEN 1 ELSE
            count(m.andel) FILTER (WHERE m.svf <> 'alla') OVER (PARTITION BY m.ar, m.region_kod, m.kon)
        END AS antal_jamforelser
    FROM matt AS m
),
korr AS (
    SELECT *, z_ovre(0.025 / greatest(antal_jamforelser, 1)) AS z FROM med_z
)
SELECT
    b.svf, coalesce(n.svf_namn, 'Alla SVF') AS svf_namn, b.ar::INTEGER AS ar, b.region_kod, b.kon, b.dataniva,
    b.antal::BIGINT AS antal_patienter,
    b.antal_inom::BIGINT AS antal_inom_maxledtid,
    b.andel::DOUBLE AS andel_inom_maxledtid,
    b.ki_lag::DOUBLE AS ki_lag, b.ki_hog::DOUBLE AS ki_hog,
    b.median_ledtid::DOUBLE AS median_ledtid_dagar,
    b.median_lag::DOUBLE AS median_ki_lag_dagar, b.median_hog::DOUBLE AS median_ki_hog_dagar,
    g.mal::DOUBLE AS andel_nationellt_mal,
    (b.andel - g.mal)::DOUBLE AS skillnad_mot_mal_pe,
    r.andel::DOUBLE AS andel_riket,
    (b.andel - r.andel)::DOUBLE AS skillnad_mot_riket_pe,
    r.median_ledtid::DOUBLE AS median_ledtid_riket_dagar,
    CASE WHEN b.kon = 'alla' AND b.dataniva = 'patientniva' AND NOT b.undertryckt THEN p.andel END::DOUBLE
        AS andel_publicerad,
    CASE WHEN b.andel IS NOT NULL THEN b.antal_jamforelser END::INTEGER AS antal_jamforelser,
    (g.mal NOT BETWEEN wilson_lag_z(b.antal_inom, b.antal, b.z) AND wilson_hog_z(b.antal_inom, b.antal, b.z))
        AS signifikant_mot_mal,
    CASE WHEN b.region_kod <> '00' THEN
        r.andel NOT BETWEEN wilson_lag_z(b.antal_inom, b.antal, b.z) AND wilson_hog_z(b.antal_inom, b.antal, b.z)
    END AS signifikant_mot_riket,
    s.basar::INTEGER AS basar,
    o.andel::DOUBLE AS andel_basar,
    (b.andel - o.andel)::DOUBLE AS forandring_sedan_basar_pe,
    CASE WHEN b.andel > g.mal THEN 'hogre' WHEN b.andel < g.mal THEN 'lagre' WHEN b.andel = g.mal THEN 'lika'
    END AS riktning_mot_mal_kod,
    CASE WHEN b.andel > r.andel THEN 'hogre' WHEN b.andel < r.andel THEN 'lagre' WHEN b.andel = r.andel THEN 'lika'
    END AS riktning_mot_riket_kod,
    CASE WHEN b.andel > o.andel THEN 'okade' WHEN b.andel < o.andel THEN 'minskade'
         WHEN b.andel = o.andel THEN 'oforandrad' END AS riktning_sedan_basar_kod,
    b.undertryckt
FROM korr AS b
CROSS JOIN bas AS s
LEFT JOIN namn AS n ON n.svf = b.svf
LEFT JOIN publicerad AS p ON p.svf = b.svf AND p.ar = b.ar AND p.region_kod = b.region_kod
LEFT JOIN mal AS g ON g.svf = b.svf
LEFT JOIN matt AS r ON r.svf = b.svf AND r.ar = b.ar AND r.region_kod = '00' AND r.kon = 'alla'
LEFT JOIN matt AS o ON o.svf = b.svf AND o.ar = s.basar AND o.region_kod = b.region_kod AND o.kon = b.kon
ORDER BY b.svf, b.ar, b.region_kod, b.kon
