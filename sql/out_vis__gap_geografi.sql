-- out_vis__gap_geografi: the county's hospitals, units and kommuner against the rest of the county
-- ("Finns det ojämlikheter i resultat inom länets olika delar, sjukhus? Var finns störst omotiverade
-- geografiska skillnader?", 000:225–235).
-- Grain: (matt_id, period_start, period_slut, kon, enhetsniva, enhet, kommun_kod) for region $lan.
--   varde / ki_lag / ki_hog / testmetod_kod as in out_vis__jamforelse (macro vis_testmetod: Wilson for
--   proportions, Poisson for rates per 1 000 invånare, else the delivered interval). varde_lan: the
--   county's own value. varde_ovriga_lanet: the rest of the county (the county minus the unit: counts
--   for wilson/poisson, the namnare/matpopulation-weighted remainder with se_län·√(N / (N − n)) for
--   'levererat'). A unit is tested against the rest of the county, not against a county that contains
--   it: z = (varde − varde_ovriga_lanet) / √(se² + se_övriga²), two-sided p_varde; q_varde:
--   Benjamini–Hochberg within the test family = all tested units × indicators of the county in the same
--   period and kön; signifikant = q_varde < 0,05 (NULL when untested: medians, days without interval).
--   jamforelse_lan_kod: battre | samre | ingen_skillnad | ej_testad (against the rest of the county).
--   varde_skillnad_mot_lan = varde − varde_lan; varde_skillnad_onskad_riktning = (varde −
--   varde_ovriga_lanet) signed so that > 0 = better than the rest of the county (indicator's unit);
--   skillnad_onskad_riktning_rel: the same relative to |varde_ovriga_lanet|.
--   varde_spridning: best − worst unit of the same level, indicator, period and kön (desired
--   direction); rang_inom_lanet: 1 = the best unit of that level.
--   senaste_period: the indicator's latest period delivered for the county (full year preferred over
--   its halves). rang_geografisk_skillnad: in the latest period, kön 'alla', among signifikant units:
--   1 = the largest |skillnad_onskad_riktning_rel|.
WITH kat AS (
    SELECT
        matt_id, titel, npo, enhetstyp, onskad_riktning, vis_testmetod(enhetstyp, titel, definition) AS testmetod
    FROM core_vis__katalog
    WHERE huvudmatt_id IS NULL
),
res AS (
    SELECT
        coalesce(r.huvudmatt_id, r.matt_id) AS matt_id, r.period_start, r.period_slut, r.kon, r.enhetsniva,
        coalesce(r.enhet, r.kommun_kod) AS enhet, r.kommun_kod, r.taljare, r.namnare, r.matpopulation,
        r.orsakskod, k.titel, k.npo, k.enhetstyp, k.onskad_riktning, k.testmetod,
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
        vis_n(testmetod, namnare, matpopulation) AS n,
        vis_x(testmetod, taljare, varde, matpopulation) AS x,
        vis_ki_lag(testmetod, varde, taljare, namnare, matpopulation, levererad_ki_lag) AS ki_lag,
        vis_ki_hog(testmetod, varde, taljare, namnare, matpopulation, levererad_ki_hog) AS ki_hog,
        vis_se(testmetod, andel_p, varde, namnare, matpopulation, levererad_ki_lag, levererad_ki_hog) AS se
    FROM (SELECT *, taljare / nullif(namnare, 0) AS andel_p FROM res)
),
enheter AS (
    SELECT
        u.*,
        l.varde AS varde_lan,
        CASE
            WHEN u.testmetod = 'wilson' THEN (l.x - u.x) / nullif(l.n - u.n, 0)
            WHEN u.testmetod = 'poisson' THEN 1000 * (l.x - u.x) / nullif(l.n - u.n, 0)
            ELSE (l.n * l.varde - u.n * u.varde) / nullif(l.n - u.n, 0)
        END AS varde_ovriga_lanet,
        CASE
            WHEN l.n - u.n <= 0 THEN NULL
            WHEN u.testmetod = 'wilson' THEN
                sqrt(((l.x - u.x) / (l.n - u.n)) * (1 - (l.x - u.x) / (l.n - u.n)) / (l.n - u.n))
            WHEN u.testmetod = 'poisson' THEN sqrt(1000 * (1000 * (l.x - u.x) / (l.n - u.n)) / (l.n - u.n))
            ELSE l.se * sqrt(l.n / (l.n - u.n))
        END AS se_ovriga
    FROM ki AS u
    LEFT JOIN ki AS l
        ON l.enhetsniva = 'region' AND l.matt_id = u.matt_id AND l.period_start = u.period_start
       AND l.period_slut = u.period_slut AND l.kon = u.kon
    WHERE u.enhetsniva NOT IN ('region', 'riket')
),
test AS (
    SELECT
        *,
        p_skillnad(varde, varde_ovriga_lanet, se, se_ovriga) AS p_varde
    FROM enheter
),
bh AS (
    SELECT
        *,
        CASE WHEN p_varde IS NOT NULL THEN
            least(1, min(p_varde * bh_m / bh_i) OVER (
                PARTITION BY period_start, period_slut, kon, p_varde IS NULL
                ORDER BY p_varde DESC, bh_i DESC ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW))
        END AS q_varde
    FROM (
        SELECT
            *,
            row_number() OVER (PARTITION BY period_start, period_slut, kon, p_varde IS NULL
                               ORDER BY p_varde, matt_id, enhetsniva, enhet) AS bh_i,
            count(p_varde) OVER (PARTITION BY period_start, period_slut, kon) AS bh_m
        FROM test
    )
),
senaste AS (
    SELECT DISTINCT matt_id, period_start, period_slut
    FROM ki
    WHERE enhetsniva = 'region'
    QUALIFY row_number() OVER (PARTITION BY matt_id ORDER BY period_slut DESC, period_start) = 1
),
alla AS (
    SELECT
        b.*,
        (s.matt_id IS NOT NULL) AS senaste_period,
        (b.varde - b.varde_ovriga_lanet) * b.tecken / nullif(abs(b.varde_ovriga_lanet), 0) AS skillnad_rel
    FROM bh AS b
    LEFT JOIN senaste AS s USING (matt_id, period_start, period_slut)
)
SELECT
    matt_id, titel, npo, onskad_riktning, period_start, period_slut, kon, enhetsniva, enhet, kommun_kod,
    taljare::BIGINT AS taljare, namnare::BIGINT AS namnare,
    varde::DOUBLE AS varde, ki_lag::DOUBLE AS ki_lag, ki_hog::DOUBLE AS ki_hog,
    testmetod::VARCHAR AS testmetod_kod,
    varde_lan::DOUBLE AS varde_lan,
    varde_ovriga_lanet::DOUBLE AS varde_ovriga_lanet,
    (varde - varde_lan)::DOUBLE AS varde_skillnad_mot_lan,
    ((varde - varde_ovriga_lanet) * tecken)::DOUBLE AS varde_skillnad_onskad_riktning,
    skillnad_rel::DOUBLE AS skillnad_onskad_riktning_rel,
    p_varde::DOUBLE AS p_varde,
    q_varde::DOUBLE AS q_varde,
    (q_varde < 0.05) AS signifikant,
    (CASE
        WHEN q_varde IS NULL THEN 'ej_testad'
        WHEN q_varde < 0.05 AND (varde - varde_ovriga_lanet) * tecken > 0 THEN 'battre'
        WHEN q_varde < 0.05 THEN 'samre'
        ELSE 'ingen_skillnad'
    END)::VARCHAR AS jamforelse_lan_kod,
    ((max(varde * tecken) OVER w - min(varde * tecken) OVER w))::DOUBLE AS varde_spridning,
    CASE WHEN varde IS NOT NULL THEN rank() OVER (PARTITION BY matt_id, period_start, period_slut, kon, enhetsniva,
                                                               varde IS NOT NULL ORDER BY varde * tecken DESC)
    END::INTEGER AS rang_inom_lanet,
    senaste_period,
    CASE WHEN senaste_period AND kon = 'alla' AND q_varde < 0.05 THEN
        rank() OVER (PARTITION BY senaste_period AND kon = 'alla' AND q_varde < 0.05
                     ORDER BY abs(skillnad_rel) DESC)
    END::INTEGER AS rang_geografisk_skillnad,
    orsakskod AS orsak_kod
FROM alla
WINDOW w AS (PARTITION BY matt_id, period_start, period_slut, kon, enhetsniva)
ORDER BY npo, matt_id, period_start, period_slut, kon, enhetsniva, enhet
