-- out_kpp__ytterfall: the share of contacts and of cost that are ytterfall, Norrbotten and riket side by side.
-- Grain: (ar, region_kod, vardform, dimension, grupp).
--   region_kod: $lan (the county, from out_kpp__kontakter: the flag follows pipelines/parametrar.py)
--               or '00' (riket: jamforelsegrupp 'riket' in core_kpp__riket, ytterfall as the national
--               KPP database classified them).
--   vardform: 'sluten', 'oppen' or 'alla'.
--   dimension / grupp:
--     total          'alla'
--     aldersgrupp    '0-64' / '65+' (both regions) and '0-9' … '90+' (the county only: the national
--                    data come in the bands 0-17, 18-44, 45-64, 65-79, 80+, which nest in 0-64/65+)
--     kon            'K' / 'M'
--     sjukhus        the hospital code (county only)
--     mdc            the DRG's MDC (riket: via the weight list of the same year)
--     diagnoskapitel ICD-10 chapter I–XXII (county only)
--     drg            the DRG code
--   andel_ytterfall = antal_ytterfall / antal_kontakter; andel_kostnad_ytterfall = kostnad_ytterfall /
--   kostnad (fractions 0–1, null when the denominator is 0).
WITH lan AS (
    SELECT ar, region_kod, vardform, ytterfall, kostnad, aldersgrupp, aldersband, kon, sjukhus, mdc,
           diagnoskapitel, drg
    FROM out_kpp__kontakter
),
lan_dim AS (
    SELECT ar, region_kod, vardform, 'total' AS dimension, 'alla' AS grupp, ytterfall, kostnad FROM lan
    UNION ALL SELECT ar, region_kod, vardform, 'aldersgrupp', aldersgrupp, ytterfall, kostnad FROM lan
    UNION ALL SELECT ar, region_kod, vardform, 'aldersgrupp', aldersband, ytterfall, kostnad FROM lan
    UNION ALL SELECT ar, region_kod, vardform, 'kon', kon, ytterfall, kostnad FROM lan
    UNION ALL SELECT ar, region_kod, vardform, 'sjukhus', sjukhus, ytterfall, kostnad FROM lan
    UNION ALL SELECT ar, region_kod, vardform, 'mdc', coalesce(mdc, 'okand'), ytterfall, kostnad FROM lan
    UNION ALL SELECT ar, region_kod, vardform, 'diagnoskapitel', coalesce(diagnoskapitel, 'okant'), ytterfall,
                     kostnad FROM lan
    UNION ALL SELECT ar, region_kod, vardform, 'drg', drg, ytterfall, kostnad FROM lan
),
lan_agg AS (
    SELECT
        ar, region_kod, coalesce(vardform, 'alla') AS vardform, dimension, grupp,
        count(*)::BIGINT AS antal_kontakter,
        count(*) FILTER (WHERE ytterfall)::BIGINT AS antal_ytterfall,
        sum(kostnad) AS kostnad,
        coalesce(sum(kostnad) FILTER (WHERE ytterfall), 0) AS kostnad_ytterfall
    FROM lan_dim
    GROUP BY GROUPING SETS ((ar, region_kod, vardform, dimension, grupp), (ar, region_kod, dimension, grupp))
),
riket AS (
    SELECT r.*, v.mdc,
           CASE WHEN r.aldersgrupp IN ('0-17', '18-44', '45-64') THEN '0-64' ELSE '65+' END AS aldersgrupp_65
    FROM core_kpp__riket AS r
    LEFT JOIN core_drg__vikter AS v USING (ar, drg)
    WHERE r.jamforelsegrupp = 'riket'
),
riket_dim AS (
    SELECT ar, vardform, 'total' AS dimension, 'alla' AS grupp, antal_kontakter, antal_ytterfall, kostnad,
           kostnad_ytterfall FROM riket
    UNION ALL SELECT ar, vardform, 'aldersgrupp', aldersgrupp_65, antal_kontakter, antal_ytterfall, kostnad,
                     kostnad_ytterfall FROM riket
    UNION ALL SELECT ar, vardform, 'kon', kon, antal_kontakter, antal_ytterfall, kostnad, kostnad_ytterfall
              FROM riket
    UNION ALL SELECT ar, vardform, 'mdc', coalesce(mdc, 'okand'), antal_kontakter, antal_ytterfall, kostnad,
                     kostnad_ytterfall FROM riket
    UNION ALL SELECT ar, vardform, 'drg', drg, antal_kontakter, antal_ytterfall, kostnad, kostnad_ytterfall
              FROM riket
),
riket_agg AS (
    SELECT
        ar, '00' AS region_kod, coalesce(vardform, 'alla') AS vardform, dimension, grupp,
        sum(antal_kontakter)::BIGINT AS antal_kontakter,
        sum(antal_ytterfall)::BIGINT AS antal_ytterfall,
        sum(kostnad) AS kostnad,
        sum(kostnad_ytterfall) AS kostnad_ytterfall
    FROM riket_dim
    GROUP BY GROUPING SETS ((ar, vardform, dimension, grupp), (ar, dimension, grupp))
),
alla AS (
    SELECT * FROM lan_agg
    UNION ALL
    SELECT * FROM riket_agg
)
SELECT
    ar::INTEGER AS ar, region_kod, vardform, dimension, grupp,
    antal_kontakter, antal_ytterfall,
    antal_ytterfall / nullif(antal_kontakter, 0) AS andel_ytterfall,
    kostnad::DOUBLE AS kostnad,
    kostnad_ytterfall::DOUBLE AS kostnad_ytterfall,
    kostnad_ytterfall / nullif(kostnad, 0) AS andel_kostnad_ytterfall
FROM alla
ORDER BY ar, region_kod, vardform, dimension, grupp
