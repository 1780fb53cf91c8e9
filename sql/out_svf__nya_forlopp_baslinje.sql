-- out_svf__nya_forlopp_baslinje: a baseline for each of the ten new vårdförlopp of 2020 (000:172–182)
-- from the Vården i siffror indicators that measure it, the county ($lan) against riket.
-- Grain: (forlopp_kod, titel, kon). A pathway with no indicator in the mapping has one row with
-- har_indikator false, titel NULL and kon 'alla'; an indicator named in the mapping but missing from the
-- catalogue has har_indikator false and its mapped title.
--   The pathway → NPO → indicator mapping is reference data (core_ref__vardforlopp,
--   core_ref__vardforlopp_indikator; pipelines/reference.py names its sources). npo: the pathway's
--   responsible NPO; indikator_npo: the NPO the catalogue files the indicator under (it can differ).
--   basar: the year the pathway started (core_ref__vardforlopp.startar) — the same year for the county
--   and riket; whole-year results only (periodtyp 'ar'). senaste_ar: the indicator's latest whole year
--   with a value for the county and kön.
--   varde_basar: share (0–1) or the indicator's value, with its 95 % interval varde_basar_ki_lag/_hog
--   (out_vis__jamforelse: Wilson for shares, else as delivered; none for medians); varde_riket_basar;
--   varde_skillnad_mot_riket_basar = varde_basar − riket's; battre_an_riket: that difference signed in
--   the desired direction is positive. antal_jamforelser: indicators with an interval compared at their
--   baseline, for that kön; signifikant: riket's value lies outside the county's interval at the
--   Bonferroni-corrected level 5 % / antal_jamforelser (shares: Wilson at that z; means: the delivered
--   half-width scaled by z / 1,96); NULL where there is no interval (medians: not tested).
--   varde_forandring_sedan_basar = varde_senaste − varde_basar, in the indicator's unit.
--   orsak_basar_kod: VIS reason code when the county's baseline value is not shown (MSK, NI, …).
--   antal_indikatorer per pathway; antal_forlopp and antal_forlopp_med_indikator over the table.
WITH forlopp AS (
    SELECT * FROM core_ref__vardforlopp
),
koppling AS (
    SELECT i.forlopp_kod, i.indikator_titel, k.matt_id
    FROM core_ref__vardforlopp_indikator AS i
    LEFT JOIN core_vis__katalog AS k ON k.huvudmatt_id IS NULL AND lower(k.titel) = lower(i.indikator_titel)
),
v AS (
    SELECT * FROM out_vis__jamforelse WHERE periodtyp = 'ar' AND region_kod = $lan
),
rad AS (
    SELECT
        f.forlopp_kod, f.forlopp_nr, f.forlopp_namn, f.omgang, f.lokal_gruppering, f.npo, f.startar AS basar,
        k.indikator_titel, k.matt_id
    FROM forlopp AS f
    LEFT JOIN koppling AS k USING (forlopp_kod)
),
senaste AS (
    SELECT matt_id, kon, max(ar) AS senaste_ar FROM v WHERE varde IS NOT NULL GROUP BY ALL
),
bas AS (
    SELECT
        r.*, b.kon, b.titel, b.npo AS indikator_npo, b.enhetstyp, b.onskad_riktning,
        b.namnare, b.taljare, b.varde, b.ki_lag, b.ki_hog, b.varde_riket, b.varde_skillnad_mot_riket,
        b.varde_skillnad_onskad_riktning, b.orsak_kod,
        count(b.varde) FILTER (WHERE b.ki_lag IS NOT NULL) OVER (PARTITION BY b.kon) AS antal_jamforelser
    FROM rad AS r
    LEFT JOIN v AS b ON b.matt_id = r.matt_id AND b.ar = r.basar
),
korr AS (
    SELECT *, z_ovre(0.025 / greatest(antal_jamforelser, 1)) AS z FROM bas
)
SELECT
    b.forlopp_kod, b.forlopp_nr::INTEGER AS forlopp_nr, b.forlopp_namn, b.omgang::INTEGER AS omgang,
    b.lokal_gruppering AS lokal_gruppering_namn, b.npo, b.basar::INTEGER AS basar,
    (b.matt_id IS NOT NULL) AS har_indikator,
    b.matt_id, coalesce(b.titel, b.indikator_titel) AS titel, b.indikator_npo, b.enhetstyp, b.onskad_riktning,
    coalesce(b.kon, 'alla') AS kon,
    b.namnare::BIGINT AS antal_fall_basar,
    b.varde::DOUBLE AS varde_basar, b.ki_lag::DOUBLE AS varde_basar_ki_lag, b.ki_hog::DOUBLE AS varde_basar_ki_hog,
    b.varde_riket::DOUBLE AS varde_riket_basar,
    b.varde_skillnad_mot_riket::DOUBLE AS varde_skillnad_mot_riket_basar,
    (b.varde_skillnad_onskad_riktning > 0) AS battre_an_riket,
    CASE WHEN b.ki_lag IS NOT NULL THEN b.antal_jamforelser END::INTEGER AS antal_jamforelser,
    CASE
        WHEN b.enhetstyp = 'andel' AND b.namnare > 0 THEN
            b.varde_riket NOT BETWEEN wilson_lag_z(b.taljare, b.namnare, b.z) AND wilson_hog_z(b.taljare, b.namnare, b.z)
        WHEN b.ki_lag IS NOT NULL THEN
            abs(b.varde_riket - b.varde) > (b.ki_hog - b.ki_lag) / 2 * b.z / 1.96
    END AS signifikant,
    s.senaste_ar::INTEGER AS senaste_ar,
    l.varde::DOUBLE AS varde_senaste, l.ki_lag::DOUBLE AS varde_senaste_ki_lag,
    l.ki_hog::DOUBLE AS varde_senaste_ki_hog,
    l.varde_riket::DOUBLE AS varde_riket_senaste,
    (l.varde - b.varde)::DOUBLE AS varde_forandring_sedan_basar,
    b.orsak_kod AS orsak_basar_kod,
    count(DISTINCT b.matt_id) OVER (PARTITION BY b.forlopp_kod)::INTEGER AS antal_indikatorer,
    (SELECT count(*) FROM forlopp)::INTEGER AS antal_forlopp,
    (SELECT count(DISTINCT forlopp_kod) FROM koppling WHERE matt_id IS NOT NULL)::INTEGER
        AS antal_forlopp_med_indikator
FROM korr AS b
LEFT JOIN senaste AS s ON s.matt_id = b.matt_id AND s.kon = b.kon
LEFT JOIN v AS l ON l.matt_id = b.matt_id AND l.kon = b.kon AND l.ar = s.senaste_ar
ORDER BY b.forlopp_nr, titel, kon
