-- out_demografi__standardiserad_kostnad: cost per inhabitant, the county vs riket, separating "an older
-- population" from "a higher cost level" by direct age- and sex-standardisation to riket's population.
-- Grain: (ar, vardform) with vardform 'sluten', 'oppen' or 'alla'; years with both county KPP data
-- and national aggregates (core_kpp__riket, region_kod '00', jamforelsegrupp 'alla').
--   The county's costs come from the national KPP database's own rows for the county (core_kpp__riket,
--   region_kod $lan) when it delivered them for the year — the same database and coverage as
--   riket's — and otherwise from the county's own extract (out_kpp__kontakter). kostnadsunderlag_lan says which.
--   Strata: the national KPP bands 0-17, 18-44, 45-64, 65-79, 80+ × kön; population on 31 December of
--   the same year (core_scb__befolkning, $lan and '00'; kön K/M as in every core table).
--   kostnad_per_invanare_lan_kr / _riket_kr: crude, total cost / total population.
--   standardiserad_kostnad_per_invanare_lan_kr: Σ (county's cost per inhabitant in stratum × riket's
--   population share of the stratum) — the county's cost level on riket's age and sex structure.
--   skillnad_mot_riket_kr = lan − riket; varav_befolkningsstruktur_kr = lan − standardiserad (the older
--   population); varav_kostnadsniva_kr = standardiserad − riket (the higher cost level); they sum to
--   skillnad_mot_riket_kr. kostnadsniva_mot_riket_rel = standardiserad / riket − 1; skillnad_mot_riket_rel =
--   lan / riket − 1. Directions ('hogre' | 'lagre' | 'lika'): riktning_mot_riket_kod lan vs riket;
--   riktning_kostnadsniva_kod standardiserad vs riket (the cost level); riktning_befolkningsstruktur_kod
--   lan vs standardiserad ('hogre': the county's age and sex structure raises its cost).
WITH befolkning AS (
    SELECT b.ar, CASE WHEN b.region_kod = '00' THEN 'riket' ELSE 'lan' END AS vem,
           kpp_aldersgrupp(b.alder) AS aldersgrupp, b.kon, sum(b.folkmangd) AS folkmangd
    FROM core_scb__befolkning AS b
    WHERE b.region_kod IN ('00', $lan)
    GROUP BY ALL
),
lan_i_kpp_databasen AS (
    SELECT DISTINCT ar FROM core_kpp__riket WHERE region_kod = $lan AND jamforelsegrupp = 'alla'
),
kostnad AS (
    SELECT ar, 'lan' AS vem, vardform, kpp_aldersgrupp AS aldersgrupp, kon, sum(kostnad_kr) AS kostnad
    FROM out_kpp__kontakter
    WHERE ar NOT IN (SELECT ar FROM lan_i_kpp_databasen)
    GROUP BY GROUPING SETS ((ar, vardform, kpp_aldersgrupp, kon), (ar, kpp_aldersgrupp, kon))
    UNION ALL
    SELECT ar, 'lan', vardform, aldersgrupp, kon, sum(kostnad)
    FROM core_kpp__riket
    WHERE region_kod = $lan AND jamforelsegrupp = 'alla'
    GROUP BY GROUPING SETS ((ar, vardform, aldersgrupp, kon), (ar, aldersgrupp, kon))
    UNION ALL
    SELECT ar, 'riket', vardform, aldersgrupp, kon, sum(kostnad)
    FROM core_kpp__riket
    WHERE region_kod = '00' AND jamforelsegrupp = 'alla'
    GROUP BY GROUPING SETS ((ar, vardform, aldersgrupp, kon), (ar, aldersgrupp, kon))
),
vardformer AS (
    SELECT DISTINCT ar, vem, coalesce(vardform, 'alla') AS vardform FROM kostnad
),
celler AS (  -- every stratum of the population, with its cost (0 where it had none)
    SELECT b.ar, b.vem, v.vardform, b.aldersgrupp, b.kon, b.folkmangd, coalesce(k.kostnad, 0) AS kostnad
    FROM befolkning AS b
    JOIN vardformer AS v USING (ar, vem)
    LEFT JOIN kostnad AS k
        ON k.ar = b.ar AND k.vem = b.vem AND coalesce(k.vardform, 'alla') = v.vardform
       AND k.aldersgrupp = b.aldersgrupp AND k.kon = b.kon
),
ar_med_bada AS (
    SELECT ar, vardform FROM celler GROUP BY ALL HAVING count(DISTINCT vem) = 2
),
lan AS (
    SELECT c.ar, c.vardform, c.aldersgrupp, c.kon, c.kostnad / c.folkmangd AS kostnad_per_invanare,
           c.kostnad, c.folkmangd
    FROM celler AS c WHERE c.vem = 'lan'
),
riket AS (
    SELECT c.ar, c.vardform, c.aldersgrupp, c.kon, c.kostnad, c.folkmangd,
           c.folkmangd / sum(c.folkmangd) OVER (PARTITION BY c.ar, c.vardform) AS andel
    FROM celler AS c WHERE c.vem = 'riket'
),
matt AS (
    SELECT
        a.ar, a.vardform,
        (SELECT sum(kostnad) / sum(folkmangd) FROM lan WHERE lan.ar = a.ar AND lan.vardform = a.vardform) AS lan,
        (SELECT sum(kostnad) / sum(folkmangd) FROM riket WHERE riket.ar = a.ar AND riket.vardform = a.vardform)
            AS riket,
        (SELECT sum(l.kostnad_per_invanare * r.andel) FROM lan AS l JOIN riket AS r USING (ar, vardform, aldersgrupp, kon)
         WHERE l.ar = a.ar AND l.vardform = a.vardform) AS standardiserad
    FROM ar_med_bada AS a
)
SELECT
    ar::INTEGER AS ar, vardform,
    CASE WHEN ar IN (SELECT ar FROM lan_i_kpp_databasen) THEN 'kpp-databasen' ELSE 'eget-extrakt' END AS kostnadsunderlag_lan,
    lan::DOUBLE AS kostnad_per_invanare_lan_kr,
    riket::DOUBLE AS kostnad_per_invanare_riket_kr,
    standardiserad::DOUBLE AS standardiserad_kostnad_per_invanare_lan_kr,
    (lan - riket)::DOUBLE AS skillnad_mot_riket_kr,
    (lan - standardiserad)::DOUBLE AS varav_befolkningsstruktur_kr,
    (standardiserad - riket)::DOUBLE AS varav_kostnadsniva_kr,
    (standardiserad / riket - 1)::DOUBLE AS kostnadsniva_mot_riket_rel,
    (lan / riket - 1)::DOUBLE AS skillnad_mot_riket_rel,
    CASE WHEN lan > riket THEN 'hogre' WHEN lan < riket THEN 'lagre' ELSE 'lika' END AS riktning_mot_riket_kod,
    CASE WHEN standardiserad > riket THEN 'hogre' WHEN standardiserad < riket THEN 'lagre' ELSE 'lika' END
        AS riktning_kostnadsniva_kod,
    CASE WHEN lan > standardiserad THEN 'hogre' WHEN lan < standardiserad THEN 'lagre' ELSE 'lika' END
        AS riktning_befolkningsstruktur_kod
FROM matt
ORDER BY ar, vardform
