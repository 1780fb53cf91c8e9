-- out_vis__jamforelse: every Vården i siffror indicator, every region and riket, per period and kön —
-- the county against riket and the other regions (GAP-analys mot NPO, 000:225–235).
-- Grain: (matt_id, period_start, period_slut, kon, region_kod); region rows and riket ('00') only
-- (hospitals and kommuner: out_vis__gap_geografi). matt_id is the main measure; kon 'alla', 'K', 'M'
-- from its sex sub-measures; results by age group are left out here.
--   varde: andel (0–1) for proportions, else the delivered value. varde_* columns are in the
--   indicator's own unit (enhetstyp; proportions as fractions 0–1, so a difference of two proportions
--   is a fraction difference: 0,05 = 5 procentenheter).
--   testmetod_kod (macro vis_testmetod): 'wilson' — simple proportions: Wilson 95 % interval from
--   taljare/namnare; 'poisson' — rates per 1 000 invånare: count = varde × matpopulation / 1 000,
--   interval varde ± 1,96·√(1 000·varde / matpopulation); 'levererat' — relative survival, means,
--   medians, days: the delivered interval, and untested (p NULL) where none is delivered.
--   varde_ovriga: the rest of riket (riket minus the region: counts for wilson/poisson, the
--   namnare/matpopulation-weighted remainder for 'levererat', with standard error
--   se_riket·√(N / (N − n))). A region is tested against the rest of riket, not against a total that
--   contains it: z = (varde − varde_ovriga) / √(se² + se_övriga²), two-sided p (p_tvasidig).
--   q_varde: Benjamini–Hochberg adjusted p within the test family = all tested indicators × regions of
--   the same period and kön; signifikant = q_varde < 0,05 (NULL when untested).
--   jamforelse_riket_kod: battre | samre (signifikant, in the desired direction) | ingen_skillnad | ej_testad.
--   varde_skillnad_mot_riket = varde − riket's; varde_skillnad_onskad_riktning: the same, signed so
--   that positive = better than riket (onskad_riktning 'hogt' keeps the sign, 'lagt' flips it).
--   rang: 1 = the best of the regions with a value in the desired direction (riket has none);
--   rang_lag/rang_hog: rank interval — 1 + the regions whose 95 % interval lies wholly better, and
--   antal_regioner − the regions whose interval lies wholly worse (NULL without an interval).
--   antal_regioner: how many regions had a value; varde_basta / varde_samsta: the best / worst
--   region's value among regions whose taljare and namnare are at least $minsta_antal_visas (a hidden
--   cell never shows up as another row's best or worst); varde_mal: the catalog's target value.
--   forbattringspotential_riket / _basta: for proportions, the patients (of namnare) who would have had
--   the desired outcome had the region been at riket's / the best region's level; 0 when already there.
--   On kon 'alla' rows: varde_kvinnor, varde_man, varde_skillnad_kvinnor_man (K − M), the test of
--   kvinnor against män (same methods, independent groups) with p_varde_kon, q_varde_kon (BH within all
--   tested indicators × regions of the period) and signifikant_kon = q_varde_kon < 0,05; all NULL when
--   either sex has taljare below $minsta_antal_visas (so no hidden value can be recovered from them).
--   Change over time, same periodtyp: varde_foregaende (the previous period's value),
--   foregaende_period_slut_datum, varde_forandring (varde − varde_foregaende) and p_varde_forandring
--   (two-sample test of the two periods, same methods); basar / varde_forsta: the first year of that
--   periodtyp with a value and its value; varde_forandring_sedan_forsta.
--   senaste_period: the indicator's latest period delivered for riket — the full year where both the
--   halves and the full year are delivered.
--   orsak_kod: VIS reason code (MSK, NI, INV, UNK) when no value is shown.
WITH kat AS (
    SELECT
        matt_id, titel, npo, enhetstyp, onskad_riktning, malvarde,
        vis_testmetod(enhetstyp, titel, definition) AS testmetod
    FROM core_vis__katalog
    WHERE huvudmatt_id IS NULL
),
res AS (
    SELECT
        coalesce(r.huvudmatt_id, r.matt_id) AS matt_id, r.period_start, r.period_slut, r.periodtyp, r.ar,
        r.kon, r.region_kod, r.taljare, r.namnare, r.matpopulation, r.orsakskod, k.titel, k.npo,
        k.enhetstyp, k.onskad_riktning, k.malvarde, k.testmetod,
        CASE WHEN k.enhetstyp = 'andel' THEN r.andel ELSE r.varde END AS varde,
        r.ki_lag AS levererad_ki_lag, r.ki_hog AS levererad_ki_hog,
        CASE k.onskad_riktning WHEN 'lagt' THEN -1 ELSE 1 END AS tecken
    FROM core_vis__resultat AS r
    JOIN kat AS k ON k.matt_id = coalesce(r.huvudmatt_id, r.matt_id)
    WHERE r.enhetsniva IN ('region', 'riket') AND coalesce(r.aldersgrupp, 'alla') = 'alla'
),
-- One row per cell with what every test needs: n (weight), x (count for wilson/poisson), se.
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
-- The region against the rest of riket.
mot_ovriga AS (
    SELECT
        k.*,
        r.varde AS varde_riket,
        CASE
            WHEN k.region_kod = '00' THEN NULL
            WHEN k.testmetod = 'wilson' THEN (r.x - k.x) / nullif(r.n - k.n, 0)
            WHEN k.testmetod = 'poisson' THEN 1000 * (r.x - k.x) / nullif(r.n - k.n, 0)
            ELSE (r.n * r.varde - k.n * k.varde) / nullif(r.n - k.n, 0)
        END AS varde_ovriga,
        CASE
            WHEN k.region_kod = '00' OR r.n - k.n <= 0 THEN NULL
            WHEN k.testmetod = 'wilson' THEN
                sqrt(((r.x - k.x) / (r.n - k.n)) * (1 - (r.x - k.x) / (r.n - k.n)) / (r.n - k.n))
            WHEN k.testmetod = 'poisson' THEN sqrt(1000 * (1000 * (r.x - k.x) / (r.n - k.n)) / (r.n - k.n))
            ELSE r.se * sqrt(r.n / (r.n - k.n))
        END AS se_ovriga
    FROM ki AS k
    LEFT JOIN ki AS r
        ON r.region_kod = '00' AND r.matt_id = k.matt_id AND r.period_start = k.period_start
       AND r.period_slut = k.period_slut AND r.kon = k.kon
),
test AS (
    SELECT
        *,
        p_skillnad(varde, varde_ovriga, se, se_ovriga) AS p_varde
    FROM mot_ovriga
),
bh_rang AS (
    SELECT
        *,
        row_number() OVER (PARTITION BY period_start, period_slut, kon, p_varde IS NULL
                           ORDER BY p_varde, matt_id, region_kod) AS bh_i,
        count(p_varde) OVER (PARTITION BY period_start, period_slut, kon) AS bh_m
    FROM test
),
bh AS (
    SELECT
        *,
        CASE WHEN p_varde IS NOT NULL THEN
            least(1, min(p_varde * bh_m / bh_i) OVER (
                PARTITION BY period_start, period_slut, kon, p_varde IS NULL
                ORDER BY p_varde DESC, bh_i DESC ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW))
        END AS q_varde
    FROM bh_rang
),
rangordnad AS (
    SELECT
        b.*,
        CASE WHEN b.region_kod <> '00' AND b.varde IS NOT NULL THEN
            rank() OVER (PARTITION BY b.matt_id, b.period_start, b.period_slut, b.kon, b.region_kod <> '00',
                                      b.varde IS NOT NULL
                         ORDER BY b.varde * b.tecken DESC)
        END AS rang,
        count(b.varde) FILTER (WHERE b.region_kod <> '00')
            OVER (PARTITION BY b.matt_id, b.period_start, b.period_slut, b.kon) AS antal_regioner,
        max(b.varde * b.tecken) FILTER (WHERE b.region_kod <> '00' AND b.visas)
            OVER (PARTITION BY b.matt_id, b.period_start, b.period_slut, b.kon) * b.tecken AS varde_basta,
        min(b.varde * b.tecken) FILTER (WHERE b.region_kod <> '00' AND b.visas)
            OVER (PARTITION BY b.matt_id, b.period_start, b.period_slut, b.kon) * b.tecken AS varde_samsta,
        least(b.ki_lag * b.tecken, b.ki_hog * b.tecken) AS b_lag,
        greatest(b.ki_lag * b.tecken, b.ki_hog * b.tecken) AS b_hog
    FROM (
        SELECT
            *,
            coalesce(taljare, $minsta_antal_visas) >= $minsta_antal_visas
                AND coalesce(namnare, $minsta_antal_visas) >= $minsta_antal_visas AS visas
        FROM bh
    ) AS b
),
rangintervall AS (
    SELECT
        i.matt_id, i.period_start, i.period_slut, i.kon, i.region_kod,
        1 + count(*) FILTER (WHERE j.b_lag > i.b_hog) AS rang_lag,
        max(i.antal_regioner) - count(*) FILTER (WHERE j.b_hog < i.b_lag) AS rang_hog
    FROM rangordnad AS i
    JOIN rangordnad AS j
        ON j.matt_id = i.matt_id AND j.period_start = i.period_start AND j.period_slut = i.period_slut
       AND j.kon = i.kon AND j.region_kod <> '00' AND j.region_kod <> i.region_kod
    WHERE i.region_kod <> '00' AND i.b_lag IS NOT NULL AND i.varde IS NOT NULL
    GROUP BY ALL
),
kon_test AS (
    SELECT
        kv.matt_id, kv.period_start, kv.period_slut, kv.region_kod,
        kv.varde AS varde_kvinnor, m.varde AS varde_man,
        kv.varde - m.varde AS skillnad,
        p_skillnad(kv.varde, m.varde, kv.se, m.se) AS p_kon
    FROM ki AS kv
    JOIN ki AS m
        ON m.kon = 'M' AND m.matt_id = kv.matt_id AND m.period_start = kv.period_start
       AND m.period_slut = kv.period_slut AND m.region_kod = kv.region_kod
    WHERE kv.kon = 'K'
      AND coalesce(least(kv.taljare, m.taljare), $minsta_antal_visas) >= $minsta_antal_visas
),
kon_bh AS (
    SELECT
        *,
        CASE WHEN p_kon IS NOT NULL THEN
            least(1, min(p_kon * m_kon / i_kon) OVER (
                PARTITION BY period_start, period_slut, p_kon IS NULL
                ORDER BY p_kon DESC, i_kon DESC ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW))
        END AS q_kon
    FROM (
        SELECT
            *,
            row_number() OVER (PARTITION BY period_start, period_slut, p_kon IS NULL
                               ORDER BY p_kon, matt_id, region_kod) AS i_kon,
            count(p_kon) OVER (PARTITION BY period_start, period_slut) AS m_kon
        FROM kon_test
    )
),
forandring AS (
    SELECT
        matt_id, period_start, period_slut, kon, region_kod,
        lag(varde) OVER w AS varde_foregaende,
        lag(period_slut) OVER w AS foregaende_period_slut_datum,
        p_skillnad(varde, lag(varde) OVER w, se, lag(se) OVER w) AS p_varde_forandring,
        first_value(ar) OVER w_forsta AS basar,
        first_value(varde) OVER w_forsta AS varde_forsta
    FROM ki
    WINDOW w AS (PARTITION BY matt_id, kon, region_kod, periodtyp ORDER BY period_start),
           w_forsta AS (PARTITION BY matt_id, kon, region_kod, periodtyp ORDER BY varde IS NULL, period_start
                        ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
),
senaste AS (
    SELECT matt_id, period_start, period_slut
    FROM ki
    WHERE region_kod = '00'
    QUALIFY row_number() OVER (PARTITION BY matt_id ORDER BY period_slut DESC, period_start) = 1
)
SELECT
    m.matt_id, m.titel, m.npo, m.enhetstyp, m.onskad_riktning,
    m.period_start, m.period_slut, m.periodtyp, m.ar::INTEGER AS ar, m.kon, m.region_kod,
    m.taljare::BIGINT AS taljare, m.namnare::BIGINT AS namnare,
    m.varde::DOUBLE AS varde, m.ki_lag::DOUBLE AS ki_lag, m.ki_hog::DOUBLE AS ki_hog,
    m.testmetod::VARCHAR AS testmetod_kod,
    m.varde_riket::DOUBLE AS varde_riket,
    m.varde_ovriga::DOUBLE AS varde_ovriga,
    (m.varde - m.varde_riket)::DOUBLE AS varde_skillnad_mot_riket,
    ((m.varde - m.varde_riket) * m.tecken)::DOUBLE AS varde_skillnad_onskad_riktning,
    m.p_varde::DOUBLE AS p_varde,
    m.q_varde::DOUBLE AS q_varde,
    (m.q_varde < 0.05) AS signifikant,
    (CASE
        WHEN m.region_kod = '00' THEN NULL
        WHEN m.q_varde IS NULL THEN 'ej_testad'
        WHEN m.q_varde < 0.05 AND (m.varde - m.varde_ovriga) * m.tecken > 0 THEN 'battre'
        WHEN m.q_varde < 0.05 THEN 'samre'
        ELSE 'ingen_skillnad'
    END)::VARCHAR AS jamforelse_riket_kod,
    m.rang::INTEGER AS rang,
    ri.rang_lag::INTEGER AS rang_lag,
    ri.rang_hog::INTEGER AS rang_hog,
    m.antal_regioner::INTEGER AS antal_regioner,
    m.varde_basta::DOUBLE AS varde_basta,
    m.varde_samsta::DOUBLE AS varde_samsta,
    m.malvarde::DOUBLE AS varde_mal,
    CASE WHEN m.enhetstyp = 'andel' THEN greatest((m.varde_riket - m.varde) * m.tecken, 0) * m.namnare END::DOUBLE
        AS forbattringspotential_riket,
    CASE WHEN m.enhetstyp = 'andel' THEN greatest((m.varde_basta - m.varde) * m.tecken, 0) * m.namnare END::DOUBLE
        AS forbattringspotential_basta,
    CASE WHEN m.kon = 'alla' THEN g.varde_kvinnor END::DOUBLE AS varde_kvinnor,
    CASE WHEN m.kon = 'alla' THEN g.varde_man END::DOUBLE AS varde_man,
    CASE WHEN m.kon = 'alla' THEN g.skillnad END::DOUBLE AS varde_skillnad_kvinnor_man,
    CASE WHEN m.kon = 'alla' THEN g.p_kon END::DOUBLE AS p_varde_kon,
    CASE WHEN m.kon = 'alla' THEN g.q_kon END::DOUBLE AS q_varde_kon,
    CASE WHEN m.kon = 'alla' THEN g.q_kon < 0.05 END AS signifikant_kon,
    f.varde_foregaende::DOUBLE AS varde_foregaende,
    f.foregaende_period_slut_datum::DATE AS foregaende_period_slut_datum,
    (m.varde - f.varde_foregaende)::DOUBLE AS varde_forandring,
    f.p_varde_forandring::DOUBLE AS p_varde_forandring,
    f.basar::INTEGER AS basar,
    f.varde_forsta::DOUBLE AS varde_forsta,
    (m.varde - f.varde_forsta)::DOUBLE AS varde_forandring_sedan_forsta,
    (s.matt_id IS NOT NULL) AS senaste_period,
    m.orsakskod AS orsak_kod
FROM rangordnad AS m
LEFT JOIN rangintervall AS ri USING (matt_id, period_start, period_slut, kon, region_kod)
LEFT JOIN kon_bh AS g USING (matt_id, period_start, period_slut, region_kod)
LEFT JOIN forandring AS f USING (matt_id, period_start, period_slut, kon, region_kod)
LEFT JOIN senaste AS s USING (matt_id, period_start, period_slut)
ORDER BY m.npo, m.matt_id, m.period_start, m.period_slut, m.kon, m.region_kod
