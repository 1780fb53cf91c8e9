-- out_kpp__kostnad_per_drg_poang_grupp: cost per DRG-poäng excluding ytterfall (styrmått 61) and the ytterfall
-- share by kön and by the KPP database's åldersgrupp, the county against riket (uppdrag "KPP 2020").
-- Grain: (ar, region_kod, vardform, dimension, grupp).
--   dimension 'kon' (grupp K, M) or 'aldersgrupp' (grupp 0-17, 18-44, 45-64, 65-79, 80+); vardform 'sluten',
--   'oppen' or 'alla'. region_kod $lan: the county, from its own rows in the national KPP database when the
--   database holds them for the year (dataniva 'kpp-databasen'), else from its own extract with ytterfall by
--   pipelines/parametrar.py and the extract's kpp_aldersgrupp (dataniva 'eget-extrakt'); region_kod '00':
--   riket (all hospitals), always from the database.
--   drg_poang_innerfall as in out_kpp__kostnad_per_drg_poang; skillnad_mot_riket_rel =
--   kostnad_per_drg_poang_kr / riket's for the same år, vårdform, dimension and grupp − 1; riktning 'hogre' /
--   'lagre' / 'lika' than riket.
WITH lan_i_databasen AS (
    SELECT DISTINCT ar FROM core_kpp__riket WHERE region_kod = $lan AND jamforelsegrupp = 'alla'
),
rader AS (
    SELECT ar, region_kod, 'kpp-databasen' AS dataniva, vardform, kon, aldersgrupp,
           antal_kontakter, antal_ytterfall, kostnad - kostnad_ytterfall AS kostnad_innerfall,
           drg_poang * (antal_kontakter - antal_ytterfall) / nullif(antal_kontakter, 0) AS drg_poang_innerfall
    FROM core_kpp__riket
    WHERE jamforelsegrupp = 'alla' AND region_kod IN ('00', $lan)
    UNION ALL
    SELECT ar, region_kod, 'eget-extrakt', vardform, kon, kpp_aldersgrupp,
           1, CASE WHEN ytterfall THEN 1 ELSE 0 END,
           CASE WHEN NOT ytterfall AND drg_poang IS NOT NULL THEN kostnad_kr ELSE 0 END,
           CASE WHEN NOT ytterfall THEN coalesce(drg_poang, 0) ELSE 0 END
    FROM out_kpp__kontakter
    WHERE ar NOT IN (SELECT ar FROM lan_i_databasen)
),
agg AS (
    SELECT ar, region_kod, dataniva, coalesce(vardform, 'alla') AS vardform,
           CASE WHEN GROUPING(kon) = 0 THEN 'kon' ELSE 'aldersgrupp' END AS dimension,
           coalesce(kon, aldersgrupp) AS grupp,
           sum(antal_kontakter) AS antal_kontakter, sum(antal_ytterfall) AS antal_ytterfall,
           sum(kostnad_innerfall) AS kostnad_innerfall, sum(drg_poang_innerfall) AS drg_poang_innerfall
    FROM rader
    GROUP BY GROUPING SETS ((ar, region_kod, dataniva, vardform, kon), (ar, region_kod, dataniva, kon),
                            (ar, region_kod, dataniva, vardform, aldersgrupp), (ar, region_kod, dataniva, aldersgrupp))
),
kvot AS (
    SELECT *, kostnad_innerfall / nullif(drg_poang_innerfall, 0) AS kostnad_per_drg_poang FROM agg
)
SELECT
    k.ar::INTEGER AS ar, k.region_kod, k.vardform, k.dimension, k.grupp, k.dataniva,
    k.antal_kontakter::BIGINT AS antal_kontakter,
    k.antal_ytterfall::BIGINT AS antal_ytterfall,
    (k.antal_ytterfall / nullif(k.antal_kontakter, 0))::DOUBLE AS andel_ytterfall,
    k.kostnad_per_drg_poang::DOUBLE AS kostnad_per_drg_poang_kr,
    r.kostnad_per_drg_poang::DOUBLE AS kostnad_per_drg_poang_riket_kr,
    (k.kostnad_per_drg_poang / nullif(r.kostnad_per_drg_poang, 0) - 1)::DOUBLE AS skillnad_mot_riket_rel,
    riktning(k.kostnad_per_drg_poang, r.kostnad_per_drg_poang) AS riktning
FROM kvot AS k
LEFT JOIN kvot AS r
    ON r.region_kod = '00' AND r.ar = k.ar AND r.vardform = k.vardform AND r.dimension = k.dimension
   AND r.grupp = k.grupp
ORDER BY ar, region_kod, vardform, dimension, grupp
