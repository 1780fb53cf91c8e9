-- out_svf__ledtider_grupper: the county's SVF lead times (all SVFs together) by kön, age group and
-- kommun, each group against the rest of the county. Grain: (ar, dimension, grupp).
--   dimension 'kon' (grupp K, M), 'aldersgrupp' (0-64, 65-79, 80+ at välgrundad misstanke), 'kommun'
--   (the patient's kommun, SCB code; grupp_namn its name). ar: year of välgrundad misstanke, complete
--   years only (out_svf__leveransar). Pathways that started a treatment (out_svf__forlopp).
--   andel_inom_maxledtid with a Wilson 95 % interval; median_ledtid_dagar.
--   andel_ovriga: the same share for the county's other patients (the rest of the county, not a total
--   that contains the group); skillnad_mot_ovriga_pe = andel − andel_ovriga (fraction).
--   signifikant: a two-sided two-proportion z-test (pooled) of the group against the rest of the
--   county at 5 %, Bonferroni-corrected for the antal_jamforelser groups of that dimension and year with
--   a shown share (two groups are one test: 1).
--   rang: 1 = the group with the lowest share within the maximum lead time (shown groups only).
--   Fewer than $minsta_antal_visas patients in the group or in the rest: the measures are not shown
--   (undertryckt); the count itself is hidden when a report freezes the table (skydd).
WITH f AS (
    SELECT
        *,
        CASE WHEN alder < 65 THEN '0-64' WHEN alder < 80 THEN '65-79' ELSE '80+' END AS aldersgrupp
    FROM out_svf__forlopp
    WHERE utfall = 'behandling' AND ar_komplett
),
grupper AS (
    SELECT ar, 'kon' AS dimension, kon AS grupp, ledtid_dagar, inom_maxledtid FROM f WHERE kon IS NOT NULL
    UNION ALL
    SELECT ar, 'aldersgrupp', aldersgrupp, ledtid_dagar, inom_maxledtid FROM f WHERE alder IS NOT NULL
    UNION ALL
    SELECT ar, 'kommun', kommun_kod, ledtid_dagar, inom_maxledtid FROM f WHERE kommun_kod IS NOT NULL
),
per_grupp AS (
    SELECT
        ar, dimension, grupp,
        count(*) AS antal,
        count(*) FILTER (WHERE inom_maxledtid) AS antal_inom,
        median(ledtid_dagar) AS median_ledtid
    FROM grupper
    GROUP BY ALL
),
med_ovriga AS (
    SELECT
        *,
        sum(antal) OVER w - antal AS antal_ovriga,
        sum(antal_inom) OVER w - antal_inom AS antal_inom_ovriga,
        count(*) OVER w AS antal_grupper
    FROM per_grupp
    WINDOW w AS (PARTITION BY ar, dimension)
),
visade AS (
    SELECT *, antal < $minsta_antal_visas OR antal_ovriga < $minsta_antal_visas AS undertryckt FROM med_ovriga
),
test AS (
    SELECT
        *,
        CASE WHEN antal_grupper = 2 THEN 1
             ELSE count(*) FILTER (WHERE NOT undertryckt) OVER (PARTITION BY ar, dimension) END AS antal_jamforelser,
        (antal_inom + antal_inom_ovriga) / (antal + antal_ovriga) AS p_pool
    FROM visade
)
SELECT
    t.ar::INTEGER AS ar, t.dimension, t.grupp,
    CASE t.dimension
        WHEN 'kommun' THEN r.region_namn
        WHEN 'kon' THEN CASE t.grupp WHEN 'K' THEN 'Kvinnor' WHEN 'M' THEN 'Män' END
        ELSE t.grupp || ' år'
    END AS grupp_namn,
    t.antal::BIGINT AS antal_patienter,
    CASE WHEN NOT t.undertryckt THEN t.antal_inom END::BIGINT AS antal_inom_maxledtid,
    CASE WHEN NOT t.undertryckt THEN t.antal_inom / t.antal END::DOUBLE AS andel_inom_maxledtid,
    CASE WHEN NOT t.undertryckt THEN wilson_lag(t.antal_inom, t.antal) END::DOUBLE AS ki_lag,
    CASE WHEN NOT t.undertryckt THEN wilson_hog(t.antal_inom, t.antal) END::DOUBLE AS ki_hog,
    CASE WHEN NOT t.undertryckt THEN t.median_ledtid END::DOUBLE AS median_ledtid_dagar,
    CASE WHEN NOT t.undertryckt THEN t.antal_inom_ovriga / t.antal_ovriga END::DOUBLE AS andel_ovriga,
    CASE WHEN NOT t.undertryckt THEN t.antal_inom / t.antal - t.antal_inom_ovriga / t.antal_ovriga
    END::DOUBLE AS skillnad_mot_ovriga_pe,
    CASE WHEN NOT t.undertryckt THEN t.antal_jamforelser END::INTEGER AS antal_jamforelser,
    CASE WHEN NOT t.undertryckt AND t.p_pool > 0 AND t.p_pool < 1 THEN
        abs(t.antal_inom / t.antal - t.antal_inom_ovriga / t.antal_ovriga)
            / sqrt(t.p_pool * (1 - t.p_pool) * (1 / t.antal + 1 / t.antal_ovriga))
        > z_ovre(0.025 / t.antal_jamforelser)
    END AS signifikant,
    CASE WHEN NOT t.undertryckt THEN
        rank() OVER (PARTITION BY t.ar, t.dimension, t.undertryckt ORDER BY t.antal_inom / t.antal)
    END::INTEGER AS rang,
    t.undertryckt
FROM test AS t
LEFT JOIN core_ref__regioner AS r ON t.dimension = 'kommun' AND r.region_kod = t.grupp
ORDER BY t.ar, t.dimension, t.grupp
