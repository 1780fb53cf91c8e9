-- out_kpp__ytterfall_andelar: how the ytterfall are shared between age groups and kön, Norrbotten and
-- riket ("Hur stor andel av ytterfallen finns i de äldre åldersgrupperna (65 år och äldre), i
-- Norrbotten, i riket? Hur stor andel av ytterfallen omfattar män respektive kvinnor, i Norrbotten, i
-- riket?", 000:301) — from the national KPP database for both (same source, same classification)
-- and, for the county, also from its own KPP extract.
-- Grain: (ar, kostnadsunderlag_lan, region_kod, vardform, dimension, grupp).
--   kostnadsunderlag_lan 'kpp-databasen': core_kpp__riket (jamforelsegrupp 'alla'), region_kod '00'
--         (riket) and $lan (the county's own rows, where the database has them); 'eget-extrakt':
--         out_kpp__kontakter (region_kod $lan, ytterfall by $ytterfall_regel).
--   vardform 'sluten' / 'oppen' / 'alla'. dimension / grupp: total 'alla'; aldersgrupp '0-64' / '65+';
--   kpp_aldersgrupp '0-17' … '80+'; kon 'K' / 'M'; aldersgrupp_kon '0-64 K' … '65+ M'.
--   andel_ytterfall, andel_kostnad_ytterfall: the rate within the group (ytterfall / contacts,
--   ytterfall cost / cost). andel_av_ytterfallen, andel_av_ytterfallskostnaden, andel_av_kontakterna:
--   the group's share of all ytterfall, ytterfall cost and contacts of its underlag, region, year and
--   vårdform (1 on the total row). andel_av_ytterfallen_ki_lag/_hog: Wilson 95 % interval
--   (n = all ytterfall of the region that year) — the year-to-year random variation of the share.
--   riktning_mot_kontaktandel: andel_av_ytterfallen against andel_av_kontakterna ('hogre' = the group
--   has more than its share of the contacts).
--   *_riket, skillnad_*_pe (fraction points) and riktning_andel_av_ytterfallen /
--   riktning_andel_ytterfall ('hogre' / 'lagre' / 'lika'): on the county's rows, riket's value
--   (kpp-databasen, region '00') for the same year, vårdform, dimension and group; null on riket's.
WITH kontakter AS (
    SELECT 'kpp-databasen' AS kostnadsunderlag_lan, ar, region_kod, vardform, aldersgrupp AS kpp_aldersgrupp,
           CASE WHEN aldersgrupp IN ('0-17', '18-44', '45-64') THEN '0-64' ELSE '65+' END AS aldersgrupp,
           kon, antal_kontakter::DOUBLE AS n, antal_ytterfall::DOUBLE AS yf, kostnad::DOUBLE AS k,
           kostnad_ytterfall::DOUBLE AS ky
    FROM core_kpp__riket
    WHERE jamforelsegrupp = 'alla' AND region_kod IN ('00', $lan)
    UNION ALL
    SELECT 'eget-extrakt', ar, region_kod, vardform, kpp_aldersgrupp, aldersgrupp, kon, count(*),
           count(*) FILTER (WHERE ytterfall), sum(kostnad_kr), coalesce(sum(kostnad_kr) FILTER (WHERE ytterfall), 0)
    FROM out_kpp__kontakter
    GROUP BY ALL
),
dim AS (
    SELECT kostnadsunderlag_lan, ar, region_kod, vardform, 'total' AS dimension, 'alla' AS grupp, n, yf, k, ky
    FROM kontakter
    UNION ALL SELECT kostnadsunderlag_lan, ar, region_kod, vardform, 'aldersgrupp', aldersgrupp, n, yf, k, ky
              FROM kontakter
    UNION ALL SELECT kostnadsunderlag_lan, ar, region_kod, vardform, 'kpp_aldersgrupp', kpp_aldersgrupp, n, yf, k, ky
              FROM kontakter
    UNION ALL SELECT kostnadsunderlag_lan, ar, region_kod, vardform, 'kon', kon, n, yf, k, ky FROM kontakter
    UNION ALL SELECT kostnadsunderlag_lan, ar, region_kod, vardform, 'aldersgrupp_kon', aldersgrupp || ' ' || kon,
                     n, yf, k, ky FROM kontakter
),
agg AS (
    SELECT kostnadsunderlag_lan, ar, region_kod, coalesce(vardform, 'alla') AS vardform, dimension, grupp,
           sum(n) AS n, sum(yf) AS yf, sum(k) AS k, sum(ky) AS ky
    FROM dim
    GROUP BY GROUPING SETS ((kostnadsunderlag_lan, ar, region_kod, vardform, dimension, grupp),
                            (kostnadsunderlag_lan, ar, region_kod, dimension, grupp))
),
andelar AS (
    SELECT *,
           yf / nullif(n, 0) AS andel_ytterfall,
           ky / nullif(k, 0) AS andel_kostnad_ytterfall,
           sum(yf) OVER hela AS yf_hela,
           yf / nullif(sum(yf) OVER hela, 0) AS andel_av_ytterfallen,
           ky / nullif(sum(ky) OVER hela, 0) AS andel_av_ytterfallskostnaden,
           n / nullif(sum(n) OVER hela, 0) AS andel_av_kontakterna
    FROM agg
    WINDOW hela AS (PARTITION BY kostnadsunderlag_lan, ar, region_kod, vardform, dimension)
)
SELECT
    l.ar::INTEGER AS ar, l.kostnadsunderlag_lan, l.region_kod, l.vardform, l.dimension, l.grupp,
    l.n::BIGINT AS antal_kontakter,
    l.yf::BIGINT AS antal_ytterfall,
    l.k::DOUBLE AS kostnad_kr,
    l.ky::DOUBLE AS kostnad_ytterfall_kr,
    l.andel_ytterfall::DOUBLE AS andel_ytterfall,
    l.andel_kostnad_ytterfall::DOUBLE AS andel_kostnad_ytterfall,
    l.andel_av_ytterfallen::DOUBLE AS andel_av_ytterfallen,
    greatest(wilson_lag(l.yf, l.yf_hela), 0)::DOUBLE AS andel_av_ytterfallen_ki_lag,  -- 0 and 1 exactly, not ±1e-17
    least(wilson_hog(l.yf, l.yf_hela), 1)::DOUBLE AS andel_av_ytterfallen_ki_hog,
    l.andel_av_ytterfallskostnaden::DOUBLE AS andel_av_ytterfallskostnaden,
    l.andel_av_kontakterna::DOUBLE AS andel_av_kontakterna,
    riktning(l.andel_av_ytterfallen, l.andel_av_kontakterna) AS riktning_mot_kontaktandel,
    r.andel_av_ytterfallen::DOUBLE AS andel_av_ytterfallen_riket,
    (l.andel_av_ytterfallen - r.andel_av_ytterfallen)::DOUBLE AS skillnad_andel_av_ytterfallen_pe,
    riktning(l.andel_av_ytterfallen, r.andel_av_ytterfallen) AS riktning_andel_av_ytterfallen,
    r.andel_av_ytterfallskostnaden::DOUBLE AS andel_av_ytterfallskostnaden_riket,
    r.andel_ytterfall::DOUBLE AS andel_ytterfall_riket,
    (l.andel_ytterfall - r.andel_ytterfall)::DOUBLE AS skillnad_andel_ytterfall_pe,
    riktning(l.andel_ytterfall, r.andel_ytterfall) AS riktning_andel_ytterfall,
    r.andel_kostnad_ytterfall::DOUBLE AS andel_kostnad_ytterfall_riket
FROM andelar AS l
LEFT JOIN andelar AS r
    ON l.region_kod <> '00' AND r.kostnadsunderlag_lan = 'kpp-databasen' AND r.region_kod = '00'
   AND r.ar = l.ar AND r.vardform = l.vardform AND r.dimension = l.dimension AND r.grupp = l.grupp
ORDER BY ar, kostnadsunderlag_lan, region_kod, vardform, dimension, grupp
