-- out_vis__npo_oversikt: how many of the county's indicators per NPO (latest period, kön 'alla') are
-- better, worse or not significantly different from the rest of riket, differ between kvinnor and
-- män, improved or worsened since the previous period, and how many of the county's unit comparisons
-- (hospitals against the rest of the county) are significant — the counts the reports' sentences cite.
-- Grain: (npo); npo 'Utan NPO' for indicators the catalog gives no NPO, 'Alla' for the total row.
-- Every count is of indicators or comparisons, never of patients. Tests and their Benjamini–Hochberg
-- families as in out_vis__prioritering (riket, kön, change) and out_vis__gap_geografi (units).
WITH ind AS (
    SELECT coalesce(npo, 'Utan NPO') AS npo, *  EXCLUDE (npo) FROM out_vis__prioritering
),
enh AS (
    SELECT coalesce(npo, 'Utan NPO') AS npo, jamforelse_lan_kod
    FROM out_vis__gap_geografi
    WHERE senaste_period AND kon = 'alla' AND enhetsniva <> 'region'
),
per_npo AS (
    SELECT
        npo,
        count(*) AS antal_indikatorer,
        count(*) FILTER (WHERE jamforelse_riket_kod <> 'ej_testad') AS antal_testade,
        count(*) FILTER (WHERE jamforelse_riket_kod = 'battre') AS antal_battre,
        count(*) FILTER (WHERE jamforelse_riket_kod = 'samre') AS antal_samre,
        count(*) FILTER (WHERE jamforelse_riket_kod = 'ingen_skillnad') AS antal_ingen_skillnad,
        count(*) FILTER (WHERE jamforelse_riket_kod = 'ej_testad') AS antal_ej_testade,
        count(q_varde_kon) AS antal_kon_testade,
        count(*) FILTER (WHERE signifikant_kon) AS antal_kon_signifikanta,
        count(*) FILTER (WHERE forandring_kod = 'forbattrad') AS antal_forbattrade,
        count(*) FILTER (WHERE forandring_kod = 'forsamrad') AS antal_forsamrade,
        count(*) FILTER (WHERE forandring_kod = 'oforandrad') AS antal_oforandrade,
        count(*) FILTER (WHERE forandring_kod = 'ej_testad') AS antal_forandring_ej_testade
    FROM ind
    GROUP BY GROUPING SETS ((npo), ())
),
enheter AS (
    SELECT
        npo,
        count(*) FILTER (WHERE jamforelse_lan_kod <> 'ej_testad') AS antal_enhetsjamforelser,
        count(*) FILTER (WHERE jamforelse_lan_kod = 'battre') AS antal_enheter_battre,
        count(*) FILTER (WHERE jamforelse_lan_kod = 'samre') AS antal_enheter_samre
    FROM enh
    GROUP BY GROUPING SETS ((npo), ())
)
SELECT
    coalesce(p.npo, 'Alla')::VARCHAR AS npo,
    p.antal_indikatorer::BIGINT AS antal_indikatorer,
    p.antal_testade::BIGINT AS antal_testade,
    p.antal_battre::BIGINT AS antal_battre,
    p.antal_samre::BIGINT AS antal_samre,
    p.antal_ingen_skillnad::BIGINT AS antal_ingen_skillnad,
    p.antal_ej_testade::BIGINT AS antal_ej_testade,
    p.antal_kon_testade::BIGINT AS antal_kon_testade,
    p.antal_kon_signifikanta::BIGINT AS antal_kon_signifikanta,
    p.antal_forbattrade::BIGINT AS antal_forbattrade,
    p.antal_forsamrade::BIGINT AS antal_forsamrade,
    p.antal_oforandrade::BIGINT AS antal_oforandrade,
    p.antal_forandring_ej_testade::BIGINT AS antal_forandring_ej_testade,
    coalesce(e.antal_enhetsjamforelser, 0)::BIGINT AS antal_enhetsjamforelser,
    coalesce(e.antal_enheter_battre, 0)::BIGINT AS antal_enheter_battre,
    coalesce(e.antal_enheter_samre, 0)::BIGINT AS antal_enheter_samre
FROM per_npo AS p
LEFT JOIN enheter AS e ON e.npo IS NOT DISTINCT FROM p.npo
ORDER BY p.npo IS NULL, p.npo
