-- out_vis__jamforelse: every Vården i siffror indicator, every region and riket, per period and kön —
-- the county against riket and the other regions (GAP-analys mot NPO, 000:225–235).
-- Grain: (matt_id, period_start, period_slut, kon, region_kod); region rows and riket ('00') only
-- (hospitals and kommuner: out_vis__gap_geografi). matt_id is the main measure; kon 'alla', 'K', 'M'
-- from its sex sub-measures; results by age group are left out here.
--   varde: andel (0–1) for proportions, else the delivered value. ki_lag/ki_hog: Wilson 95 % interval
--   from taljare/namnare for proportions (z = 1,96), else the delivered interval.
--   varde_* columns are in the indicator's own unit (enhetstyp; proportions as fractions 0–1, so a
--   difference of two proportions is a fraction difference: 0,05 = 5 procentenheter).
--   varde_skillnad_mot_riket = varde − riket's; varde_skillnad_onskad_riktning: the same, signed so that positive =
--   better than riket (onskad_riktning 'hogt' keeps the sign, 'lagt' flips it).
--   signifikant: riket's value lies outside the region's 95 % interval.
--   rang: 1 = the best of the regions with a value in the desired direction (riket has none);
--   antal_regioner: how many regions had a value; varde_basta: the best region's value; varde_mal: the
--   catalog's target value.
--   forbattringspotential_riket / _basta: for proportions, the patients (of namnare) who would have had
--   the desired outcome had the region been at riket's / the best region's level; 0 when already there.
--   varde_skillnad_kvinnor_man: on kon 'alla' rows, the region's value for kvinnor − män (null if either missing).
--   orsak_kod: VIS reason code (MSK, NI, INV, UNK) when no value is shown.
WITH kat AS (
    SELECT matt_id, titel, npo, enhetstyp, onskad_riktning, malvarde FROM core_vis__katalog WHERE huvudmatt_id IS NULL
),
res AS (
    SELECT
        coalesce(r.huvudmatt_id, r.matt_id) AS matt_id, r.period_start, r.period_slut, r.periodtyp, r.ar,
        r.kon, r.region_kod, r.taljare, r.namnare, r.orsakskod, k.titel, k.npo, k.enhetstyp, k.onskad_riktning,
        k.malvarde,
        CASE WHEN k.enhetstyp = 'andel' THEN r.andel ELSE r.varde END AS varde,
        r.ki_lag AS levererad_ki_lag, r.ki_hog AS levererad_ki_hog
    FROM core_vis__resultat AS r
    JOIN kat AS k ON k.matt_id = coalesce(r.huvudmatt_id, r.matt_id)
    WHERE r.enhetsniva IN ('region', 'riket') AND coalesce(r.aldersgrupp, 'alla') = 'alla'
),
ki AS (
    SELECT
        *,
        CASE WHEN enhetstyp = 'andel' AND taljare IS NOT NULL AND namnare > 0 THEN wilson_lag(taljare, namnare) ELSE levererad_ki_lag END
            AS ki_lag,
        CASE WHEN enhetstyp = 'andel' AND taljare IS NOT NULL AND namnare > 0 THEN wilson_hog(taljare, namnare) ELSE levererad_ki_hog END
            AS ki_hog,
        CASE onskad_riktning WHEN 'lagt' THEN -1 ELSE 1 END AS tecken
    FROM res
),
med_riket AS (
    SELECT
        k.*,
        r.varde AS varde_riket,
        CASE WHEN k.region_kod <> '00' AND k.varde IS NOT NULL THEN
            rank() OVER (PARTITION BY k.matt_id, k.period_start, k.period_slut, k.kon, k.region_kod <> '00',
                                      k.varde IS NOT NULL
                         ORDER BY k.varde * k.tecken DESC)
        END AS rang,
        count(k.varde) FILTER (WHERE k.region_kod <> '00')
            OVER (PARTITION BY k.matt_id, k.period_start, k.period_slut, k.kon) AS antal_regioner,
        max(k.varde * k.tecken) FILTER (WHERE k.region_kod <> '00')
            OVER (PARTITION BY k.matt_id, k.period_start, k.period_slut, k.kon) * k.tecken AS varde_basta
    FROM ki AS k
    LEFT JOIN ki AS r
        ON r.region_kod = '00' AND r.matt_id = k.matt_id AND r.period_start = k.period_start
       AND r.period_slut = k.period_slut AND r.kon = k.kon
),
kon_gap AS (
    SELECT matt_id, period_start, period_slut, region_kod,
           max(varde) FILTER (WHERE kon = 'K') - max(varde) FILTER (WHERE kon = 'M') AS skillnad_kvinnor_man
    FROM res
    GROUP BY ALL
)
SELECT
    m.matt_id, m.titel, m.npo, m.enhetstyp, m.onskad_riktning,
    m.period_start, m.period_slut, m.periodtyp, m.ar::INTEGER AS ar, m.kon, m.region_kod,
    m.taljare::BIGINT AS taljare, m.namnare::BIGINT AS namnare,
    m.varde::DOUBLE AS varde, m.ki_lag::DOUBLE AS ki_lag, m.ki_hog::DOUBLE AS ki_hog,
    m.varde_riket::DOUBLE AS varde_riket,
    (m.varde - m.varde_riket)::DOUBLE AS varde_skillnad_mot_riket,
    ((m.varde - m.varde_riket) * m.tecken)::DOUBLE AS varde_skillnad_onskad_riktning,
    (m.varde_riket NOT BETWEEN m.ki_lag AND m.ki_hog) AS signifikant,
    m.rang::INTEGER AS rang,
    m.antal_regioner::INTEGER AS antal_regioner,
    m.varde_basta::DOUBLE AS varde_basta,
    m.malvarde::DOUBLE AS varde_mal,
    CASE WHEN m.enhetstyp = 'andel' THEN greatest((m.varde_riket - m.varde) * m.tecken, 0) * m.namnare END::DOUBLE
        AS forbattringspotential_riket,
    CASE WHEN m.enhetstyp = 'andel' THEN greatest((m.varde_basta - m.varde) * m.tecken, 0) * m.namnare END::DOUBLE
        AS forbattringspotential_basta,
    CASE WHEN m.kon = 'alla' THEN g.skillnad_kvinnor_man END::DOUBLE AS varde_skillnad_kvinnor_man,
    m.orsakskod AS orsak_kod
FROM med_riket AS m
LEFT JOIN kon_gap AS g USING (matt_id, period_start, period_slut, region_kod)
ORDER BY m.npo, m.matt_id, m.period_start, m.kon, m.region_kod
