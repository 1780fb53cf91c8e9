-- out_vis__gap_geografi: the county's hospitals, units and kommuner against the county as a whole
-- ("Finns det ojämlikheter i resultat inom länets olika delar, sjukhus? Var finns störst omotiverade
-- geografiska skillnader?", 000:225–235).
-- Grain: (matt_id, period_start, period_slut, kon, enhetsniva, enhet, kommun_kod) for region $lan.
--   varde / ki_lag / ki_hog as in out_vis__jamforelse (Wilson 95 % for proportions); varde_lan: the
--   county's own value; varde_skillnad_mot_lan = varde − varde_lan and varde_skillnad_onskad_riktning > 0 =
--   better than the county (in the indicator's unit); signifikant: the county's value lies outside the
--   unit's interval; varde_spridning: best − worst unit of the same level, indicator,
--   period and kön (in the desired direction); rang_inom_lanet: 1 = the best unit of that level.
WITH kat AS (
    SELECT matt_id, titel, npo, enhetstyp, onskad_riktning FROM core_vis__katalog WHERE huvudmatt_id IS NULL
),
res AS (
    SELECT
        coalesce(r.huvudmatt_id, r.matt_id) AS matt_id, r.period_start, r.period_slut, r.kon, r.enhetsniva,
        coalesce(r.enhet, r.kommun_kod) AS enhet, r.kommun_kod, r.taljare, r.namnare, r.orsakskod,
        k.titel, k.npo, k.enhetstyp, k.onskad_riktning,
        CASE WHEN k.enhetstyp = 'andel' THEN r.andel ELSE r.varde END AS varde,
        r.ki_lag AS levererad_ki_lag, r.ki_hog AS levererad_ki_hog,
        CASE k.onskad_riktning WHEN 'lagt' THEN -1 ELSE 1 END AS tecken
    FROM core_vis__resultat AS r
    JOIN kat AS k ON k.matt_id = coalesce(r.huvudmatt_id, r.matt_id)
    WHERE r.region_kod = $lan AND coalesce(r.aldersgrupp, 'alla') = 'alla'
),
ki AS (
    SELECT
        *,
        CASE WHEN enhetstyp = 'andel' AND taljare IS NOT NULL AND namnare > 0 THEN wilson_lag(taljare, namnare) ELSE levererad_ki_lag END
            AS ki_lag,
        CASE WHEN enhetstyp = 'andel' AND taljare IS NOT NULL AND namnare > 0 THEN wilson_hog(taljare, namnare) ELSE levererad_ki_hog END
            AS ki_hog
    FROM res
),
enheter AS (
    SELECT u.*, l.varde AS varde_lan
    FROM ki AS u
    LEFT JOIN ki AS l
        ON l.enhetsniva = 'region' AND l.matt_id = u.matt_id AND l.period_start = u.period_start
       AND l.period_slut = u.period_slut AND l.kon = u.kon
    WHERE u.enhetsniva NOT IN ('region', 'riket')
)
SELECT
    matt_id, titel, npo, onskad_riktning, period_start, period_slut, kon, enhetsniva, enhet, kommun_kod,
    taljare::BIGINT AS taljare, namnare::BIGINT AS namnare,
    varde::DOUBLE AS varde, ki_lag::DOUBLE AS ki_lag, ki_hog::DOUBLE AS ki_hog,
    varde_lan::DOUBLE AS varde_lan,
    (varde - varde_lan)::DOUBLE AS varde_skillnad_mot_lan,
    ((varde - varde_lan) * tecken)::DOUBLE AS varde_skillnad_onskad_riktning,
    (varde_lan NOT BETWEEN ki_lag AND ki_hog) AS signifikant,
    ((max(varde * tecken) OVER w - min(varde * tecken) OVER w))::DOUBLE AS varde_spridning,
    CASE WHEN varde IS NOT NULL THEN rank() OVER (PARTITION BY matt_id, period_start, period_slut, kon, enhetsniva,
                                                               varde IS NOT NULL ORDER BY varde * tecken DESC)
    END::INTEGER AS rang_inom_lanet,
    orsakskod AS orsak_kod
FROM enheter
WINDOW w AS (PARTITION BY matt_id, period_start, period_slut, kon, enhetsniva)
ORDER BY npo, matt_id, period_start, kon, enhetsniva, enhet
