-- out_kpp__ytterfall: the share of contacts and of cost that are ytterfall, Norrbotten and riket side by side.
-- Grain: (ar, region_kod, vardform, dimension, grupp).
--   region_kod: $lan (the county, from out_kpp__kontakter: the flag follows pipelines/parametrar.py)
--               or '00' (riket: region_kod '00', jamforelsegrupp 'alla' in core_kpp__riket, ytterfall as the national
--               KPP database classified them).
--   vardform: 'sluten', 'oppen' or 'alla'.
--   dimension / grupp:
--     total          'alla'
--     aldersgrupp    '0-64' / '65+' (both regions) and '0-9' … '90+' (the county only: the national
--                    data come in the bands 0-17, 18-44, 45-64, 65-79, 80+, which nest in 0-64/65+)
--     kpp_aldersgrupp the national KPP database's bands '0-17' … '80+' (both regions)
--     kon            'K' / 'M'
--     sjukhus        the hospital code (county only)
--     mdc            the DRG's MDC (riket: via the weight list of the same year)
--     diagnoskapitel ICD-10 chapter I–XXII (county only)
--     drg            the DRG code
--   andel_ytterfall = antal_ytterfall / antal_kontakter; andel_kostnad_ytterfall = kostnad_ytterfall_kr /
--   kostnad_kr (the rate within the group; fractions 0–1, null when the denominator is 0).
--   andel_av_ytterfallen / andel_av_ytterfallskostnaden / andel_av_kontakterna: the group's share of
--   all ytterfall / ytterfall cost / contacts of its region, year and vårdform ("hur stor andel av
--   ytterfallen finns i …", 000:301); 1 on the total row; the 0-64/65+ split and the ten-year bands
--   of dimension aldersgrupp are each a whole of their own. andel_av_ytterfallen_ki_lag/_hog:
--   Wilson 95 % interval of andel_av_ytterfallen (n = the region's ytterfall).
-- Two passes over the contacts, to a few thousand cells each (the person dimensions, the clinical
-- ones); the grouping sets, a set per dimension with and without vårdform, then run on those cells.
WITH lan_person AS (
    SELECT ar, region_kod, vardform, aldersgrupp, aldersband, kpp_aldersgrupp, kon, sjukhus,
           count(*) AS n, count(*) FILTER (WHERE ytterfall) AS ny, sum(kostnad_kr) AS kr,
           coalesce(sum(kostnad_kr) FILTER (WHERE ytterfall), 0) AS kr_y
    FROM out_kpp__kontakter GROUP BY ALL
),
lan_klinisk AS (
    SELECT ar, region_kod, vardform, coalesce(mdc, 'okand') AS mdc,
           coalesce(diagnoskapitel, 'okant') AS diagnoskapitel, drg,
           count(*) AS n, count(*) FILTER (WHERE ytterfall) AS ny, sum(kostnad_kr) AS kr,
           coalesce(sum(kostnad_kr) FILTER (WHERE ytterfall), 0) AS kr_y
    FROM out_kpp__kontakter GROUP BY ALL
),
lan_sets AS (
    SELECT
        ar, region_kod, vardform, aldersgrupp, aldersband, kpp_aldersgrupp, kon, sjukhus,
        GROUPING(vardform) AS alla_vardformer,
        CASE
            WHEN GROUPING(aldersgrupp) = 0 THEN 'aldersgrupp'
            WHEN GROUPING(aldersband) = 0 THEN 'aldersband'
            WHEN GROUPING(kpp_aldersgrupp) = 0 THEN 'kpp_aldersgrupp'
            WHEN GROUPING(kon) = 0 THEN 'kon'
            WHEN GROUPING(sjukhus) = 0 THEN 'sjukhus'
            ELSE 'total'
        END AS mangd,
        sum(n) AS antal_kontakter, sum(ny) AS antal_ytterfall, sum(kr) AS kostnad, sum(kr_y) AS kostnad_ytterfall
    FROM lan_person
    GROUP BY GROUPING SETS (
        (ar, region_kod, vardform), (ar, region_kod),
        (ar, region_kod, vardform, aldersgrupp), (ar, region_kod, aldersgrupp),
        (ar, region_kod, vardform, aldersband), (ar, region_kod, aldersband),
        (ar, region_kod, vardform, kpp_aldersgrupp), (ar, region_kod, kpp_aldersgrupp),
        (ar, region_kod, vardform, kon), (ar, region_kod, kon),
        (ar, region_kod, vardform, sjukhus), (ar, region_kod, sjukhus)
    )
    UNION ALL BY NAME
    SELECT
        ar, region_kod, vardform, mdc, diagnoskapitel, drg,
        GROUPING(vardform) AS alla_vardformer,
        CASE
            WHEN GROUPING(mdc) = 0 THEN 'mdc'
            WHEN GROUPING(diagnoskapitel) = 0 THEN 'diagnoskapitel'
            ELSE 'drg'
        END AS mangd,
        sum(n) AS antal_kontakter, sum(ny) AS antal_ytterfall, sum(kr) AS kostnad, sum(kr_y) AS kostnad_ytterfall
    FROM lan_klinisk
    GROUP BY GROUPING SETS (
        (ar, region_kod, vardform, mdc), (ar, region_kod, mdc),
        (ar, region_kod, vardform, diagnoskapitel), (ar, region_kod, diagnoskapitel),
        (ar, region_kod, vardform, drg), (ar, region_kod, drg)
    )
),
lan_agg AS (
    SELECT
        ar, region_kod,
        CASE WHEN alla_vardformer = 1 THEN 'alla' ELSE vardform END AS vardform,
        CASE mangd WHEN 'aldersband' THEN 'aldersgrupp' ELSE mangd END AS dimension,
        CASE mangd
            WHEN 'total' THEN 'alla'
            WHEN 'aldersgrupp' THEN aldersgrupp
            WHEN 'aldersband' THEN aldersband
            WHEN 'kpp_aldersgrupp' THEN kpp_aldersgrupp
            WHEN 'kon' THEN kon
            WHEN 'sjukhus' THEN sjukhus
            WHEN 'mdc' THEN mdc
            WHEN 'diagnoskapitel' THEN diagnoskapitel
            ELSE drg
        END AS grupp,
        antal_kontakter::BIGINT AS antal_kontakter,
        antal_ytterfall::BIGINT AS antal_ytterfall,
        kostnad,
        kostnad_ytterfall
    FROM lan_sets
),
riket AS (
    SELECT r.*, v.mdc,
           CASE WHEN r.aldersgrupp IN ('0-17', '18-44', '45-64') THEN '0-64' ELSE '65+' END AS aldersgrupp_65
    FROM core_kpp__riket AS r
    LEFT JOIN core_drg__vikter AS v USING (ar, drg)
    WHERE r.region_kod = '00' AND r.jamforelsegrupp = 'alla'
),
riket_dim AS (
    SELECT ar, vardform, 'total' AS dimension, 'alla' AS grupp, antal_kontakter, antal_ytterfall, kostnad,
           kostnad_ytterfall FROM riket
    UNION ALL SELECT ar, vardform, 'aldersgrupp', aldersgrupp_65, antal_kontakter, antal_ytterfall, kostnad,
                     kostnad_ytterfall FROM riket
    UNION ALL SELECT ar, vardform, 'kpp_aldersgrupp', aldersgrupp, antal_kontakter, antal_ytterfall, kostnad,
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
),
andelar AS (
    SELECT
        *,
        sum(antal_ytterfall) OVER hela AS ytterfall_hela,
        antal_ytterfall / nullif(sum(antal_ytterfall) OVER hela, 0) AS andel_av_ytterfallen,
        kostnad_ytterfall / nullif(sum(kostnad_ytterfall) OVER hela, 0) AS andel_av_ytterfallskostnaden,
        antal_kontakter / nullif(sum(antal_kontakter) OVER hela, 0) AS andel_av_kontakterna
    FROM alla
    WINDOW hela AS (PARTITION BY ar, region_kod, vardform, dimension,
                    dimension = 'aldersgrupp' AND grupp IN ('0-64', '65+'))
)
SELECT
    ar::INTEGER AS ar, region_kod, vardform, dimension, grupp,
    antal_kontakter, antal_ytterfall,
    antal_ytterfall / nullif(antal_kontakter, 0) AS andel_ytterfall,
    kostnad::DOUBLE AS kostnad_kr,
    kostnad_ytterfall::DOUBLE AS kostnad_ytterfall_kr,
    kostnad_ytterfall / nullif(kostnad, 0) AS andel_kostnad_ytterfall,
    andel_av_ytterfallen::DOUBLE AS andel_av_ytterfallen,
    greatest(wilson_lag(antal_ytterfall, ytterfall_hela), 0)::DOUBLE AS andel_av_ytterfallen_ki_lag,
    least(wilson_hog(antal_ytterfall, ytterfall_hela), 1)::DOUBLE AS andel_av_ytterfallen_ki_hog,
    andel_av_ytterfallskostnaden::DOUBLE AS andel_av_ytterfallskostnaden,
    andel_av_kontakterna::DOUBLE AS andel_av_kontakterna
FROM andelar
ORDER BY ar, region_kod, vardform, dimension, grupp
