-- out_kpp__ytterfall_trend: the county's and riket's ytterfall cost year by year, from the national KPP
-- database and from the county's local extract side by side ("ökar ytterfallskostnader … från en
-- redan hög nivå i förhållande till riket", 000:289).
-- Grain: (ar, kostnadsunderlag_lan, region_kod).
--   kostnadsunderlag_lan 'kpp-databasen': core_kpp__riket (jamforelsegrupp 'alla'), region_kod $lan and
--         '00' (riket); 'eget-extrakt': out_kpp__kontakter (region_kod $lan; ytterfall by $ytterfall_regel).
--   ytterfallskostnad_per_kontakt_kr = kostnad_ytterfall_kr / antal_kontakter (löpande priser).
--   prisindex: riket's KPP cost per DRG-poäng that year / the same in prisar (the latest year in
--   core_kpp__riket) — the deflator; *_fast_kr = löpande / prisindex, i.e. prisar's price level.
--   skillnad_mot_riket_rel: the row's ytterfallskostnad_per_kontakt_kr / riket's (KPP database) the
--   same year − 1 (0,43 = 43 % higher); riktning_mot_riket 'hogre' / 'lagre' / 'lika'.
--   forandring_sedan_basar_rel: fixed-price cost per contact vs basar ($ytterfall_basar, or the first
--   year of that underlag and region when it is missing); forandring_fran_foregaende_ar_rel: vs the
--   year before (null in the first year). riktning_sedan_basar / riktning_fran_foregaende_ar: 'okade' /
--   'minskade' / 'oforandrad'.
--   On the eget-extrakt rows, where the extract and the database's county rows disagree the same year:
--   skillnad_andel_mot_kpp_databasen_pe (andel_ytterfall, fraction points), riktning_mot_kpp_databasen
--   ('hogre' / 'lagre' / 'lika') and skillnad_per_kontakt_mot_kpp_databasen_rel (cost per contact).
WITH riket_rader AS (
    SELECT ar, region_kod,
           sum(antal_kontakter) AS antal_kontakter, sum(antal_ytterfall) AS antal_ytterfall,
           sum(kostnad) AS kostnad, sum(kostnad_ytterfall) AS kostnad_ytterfall, sum(drg_poang) AS drg_poang
    FROM core_kpp__riket
    WHERE jamforelsegrupp = 'alla' AND region_kod IN ('00', $lan)
    GROUP BY ALL
),
pris AS (
    SELECT ar, kostnad / nullif(drg_poang, 0) AS kr_per_poang FROM riket_rader WHERE region_kod = '00'
),
prisar AS (SELECT max(ar) AS prisar FROM pris),
rader AS (
    SELECT 'kpp-databasen' AS kostnadsunderlag_lan, * FROM riket_rader
    UNION ALL
    SELECT 'eget-extrakt', ar, region_kod, count(*), count(*) FILTER (WHERE ytterfall), sum(kostnad_kr),
           coalesce(sum(kostnad_kr) FILTER (WHERE ytterfall), 0), sum(drg_poang)
    FROM out_kpp__kontakter GROUP BY ALL
),
matt AS (
    SELECT
        r.*,
        r.kostnad_ytterfall / nullif(r.antal_kontakter, 0) AS per_kontakt,
        p.kr_per_poang / (SELECT kr_per_poang FROM pris WHERE ar = (SELECT prisar FROM prisar)) AS prisindex,
        (SELECT prisar FROM prisar) AS prisar
    FROM rader AS r
    LEFT JOIN pris AS p USING (ar)
),
med_fast AS (
    SELECT *, per_kontakt / prisindex AS per_kontakt_fast,
           coalesce(
               min(ar) FILTER (WHERE ar = $ytterfall_basar) OVER (PARTITION BY kostnadsunderlag_lan, region_kod),
               min(ar) OVER (PARTITION BY kostnadsunderlag_lan, region_kod)
           ) AS basar
    FROM matt
),
jamford AS (
    SELECT
        m.*,
        m.per_kontakt / nullif(rk.per_kontakt, 0) - 1 AS skillnad_mot_riket_rel,
        m.per_kontakt_fast / nullif(b.per_kontakt_fast, 0) - 1 AS forandring_sedan_basar_rel,
        m.per_kontakt_fast / nullif(lag(m.per_kontakt_fast) OVER (PARTITION BY m.kostnadsunderlag_lan, m.region_kod ORDER BY m.ar), 0)
            - 1 AS forandring_fran_foregaende_ar_rel,
        CASE WHEN m.kostnadsunderlag_lan = 'eget-extrakt'
             THEN m.antal_ytterfall / nullif(m.antal_kontakter, 0) - db.antal_ytterfall / nullif(db.antal_kontakter, 0)
        END AS skillnad_andel,
        CASE WHEN m.kostnadsunderlag_lan = 'eget-extrakt' THEN m.per_kontakt / nullif(db.per_kontakt, 0) - 1 END
            AS skillnad_per_kontakt_rel
    FROM med_fast AS m
    LEFT JOIN matt AS rk ON rk.kostnadsunderlag_lan = 'kpp-databasen' AND rk.region_kod = '00' AND rk.ar = m.ar
    LEFT JOIN med_fast AS b ON b.kostnadsunderlag_lan = m.kostnadsunderlag_lan AND b.region_kod = m.region_kod AND b.ar = m.basar
    LEFT JOIN matt AS db ON db.kostnadsunderlag_lan = 'kpp-databasen' AND db.region_kod = m.region_kod AND db.ar = m.ar
)
SELECT
    ar::INTEGER AS ar, kostnadsunderlag_lan, region_kod,
    antal_kontakter::BIGINT AS antal_kontakter,
    antal_ytterfall::BIGINT AS antal_ytterfall,
    (antal_ytterfall / nullif(antal_kontakter, 0))::DOUBLE AS andel_ytterfall,
    kostnad::DOUBLE AS kostnad_kr,
    kostnad_ytterfall::DOUBLE AS kostnad_ytterfall_kr,
    (kostnad_ytterfall / nullif(kostnad, 0))::DOUBLE AS andel_kostnad_ytterfall,
    per_kontakt::DOUBLE AS ytterfallskostnad_per_kontakt_kr,
    prisar::INTEGER AS prisar,
    prisindex::DOUBLE AS prisindex,
    per_kontakt_fast::DOUBLE AS ytterfallskostnad_per_kontakt_fast_kr,
    skillnad_mot_riket_rel::DOUBLE AS skillnad_mot_riket_rel,
    riktning(skillnad_mot_riket_rel, 0) AS riktning_mot_riket,
    basar::INTEGER AS basar,
    forandring_sedan_basar_rel::DOUBLE AS forandring_sedan_basar_rel,
    riktning_forandring(forandring_sedan_basar_rel) AS riktning_sedan_basar,
    forandring_fran_foregaende_ar_rel::DOUBLE AS forandring_fran_foregaende_ar_rel,
    riktning_forandring(forandring_fran_foregaende_ar_rel) AS riktning_fran_foregaende_ar,
    skillnad_andel::DOUBLE AS skillnad_andel_mot_kpp_databasen_pe,
    riktning(skillnad_andel, 0) AS riktning_mot_kpp_databasen,
    skillnad_per_kontakt_rel::DOUBLE AS skillnad_per_kontakt_mot_kpp_databasen_rel
FROM jamford
ORDER BY kostnadsunderlag_lan, region_kod, ar
