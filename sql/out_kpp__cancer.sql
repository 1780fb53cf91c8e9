-- out_kpp__cancer: KPP cost of cancer care (uppdrag "Cancerrapport", 000:273–283) per year, tumour group, kön,
-- åldersgrupp and where the care was given (sjukhus), from the county's own KPP extract.
-- Grain: (ar, grupp, kon, aldersgrupp, sjukhus, vardform); 'alla' = all.
--   grupp (macro tumorgrupp on huvuddiagnos): 'cancer' = malignant and in situ, ICD-10 C00–C97 and D00–D09
--   (the report's total); its parts 'malign' (C00–C97) and 'in_situ' (D00–D09); and 'benign_osaker'
--   (D10–D48, benign and of uncertain behaviour), shown apart and never inside 'cancer'.
--   Care given outside the region (NUS, rikssjukhus) is not in the extract and so not in the table.
--   antal_individer counts distinct patients in each cell, totals included: a patient treated at two
--   hospitals (or in both vårdformer, or in two age groups in a year) counts once in the 'alla' row, so
--   individuals do not add up across rows. antal_kontakter, vardtid_dagar and kostnad_kr do add up.
--   vardtid_dagar: slutenvård days; kostnad_per_individ_kr = kostnad_kr / antal_individer;
--   andel_av_total_kostnad: the group's share of all KPP cost in the same ar, kön, åldersgrupp, sjukhus, vårdform.
--   antal_individer_tva_ar_tidigare / kostnad_tva_ar_tidigare_kr: the same cell two years earlier (2017 for 2019: the plan's 2017–2019);
--   forandring_kostnad_tva_ar_rel = kostnad_kr / kostnad_tva_ar_tidigare_kr − 1; riktning_kostnad 'hogre' /
--   'lagre' / 'lika' than two years earlier. andel_av_lanets_kostnad: the cell's share of the county's cost
--   (sjukhus 'alla') in the same ar, grupp, kön, åldersgrupp, vårdform; rang_kostnad: the hospital's rank by
--   cost among the county's hospitals there (1 = highest; NULL for the county row). Costs are in current prices (no price index in the warehouse).
WITH k AS (
    SELECT *, tumorgrupp(huvuddiagnos) AS tg FROM out_kpp__kontakter
),
grupper AS (
    SELECT * FROM (VALUES ('malign', 'malign'), ('in_situ', 'in_situ'), ('benign_osaker', 'benign_osaker'),
                          ('malign', 'cancer'), ('in_situ', 'cancer')) AS g(tg, grupp)
),
t AS (
    SELECT k.*, g.grupp FROM k JOIN grupper AS g USING (tg)
),
agg AS (
    SELECT ar, grupp, coalesce(kon, 'alla') AS kon, coalesce(aldersgrupp, 'alla') AS aldersgrupp,
           coalesce(sjukhus, 'alla') AS sjukhus, coalesce(vardform, 'alla') AS vardform,
           count(*) AS antal_kontakter,
           count(DISTINCT patient_id) AS antal_individer,
           coalesce(sum(vardtid_dagar) FILTER (WHERE vardform = 'sluten'), 0) AS vardtid,
           sum(kostnad_kr) AS kostnad
    FROM t
    GROUP BY ar, grupp, CUBE (kon, aldersgrupp, sjukhus, vardform)
),
alla_kpp AS (
    SELECT ar, coalesce(kon, 'alla') AS kon, coalesce(aldersgrupp, 'alla') AS aldersgrupp,
           coalesce(sjukhus, 'alla') AS sjukhus, coalesce(vardform, 'alla') AS vardform,
           sum(kostnad_kr) AS kostnad
    FROM k
    GROUP BY ar, CUBE (kon, aldersgrupp, sjukhus, vardform)
)
SELECT
    a.ar::INTEGER AS ar, a.grupp, a.kon, a.aldersgrupp, a.sjukhus,
    coalesce(s.sjukhus_namn, CASE WHEN a.sjukhus = 'alla' THEN 'Länet' ELSE a.sjukhus END) AS sjukhus_namn,
    a.vardform,
    a.antal_kontakter::BIGINT AS antal_kontakter,
    a.antal_individer::BIGINT AS antal_individer,
    a.vardtid::BIGINT AS vardtid_dagar,
    a.kostnad::DOUBLE AS kostnad_kr,
    (a.kostnad / nullif(a.antal_individer, 0))::DOUBLE AS kostnad_per_individ_kr,
    (a.kostnad / nullif(tot.kostnad, 0))::DOUBLE AS andel_av_total_kostnad,
    f.antal_individer::BIGINT AS antal_individer_tva_ar_tidigare,
    f.kostnad::DOUBLE AS kostnad_tva_ar_tidigare_kr,
    (a.kostnad / nullif(f.kostnad, 0) - 1)::DOUBLE AS forandring_kostnad_tva_ar_rel,
    riktning(a.kostnad, f.kostnad) AS riktning_kostnad,
    (a.kostnad / nullif(l.kostnad, 0))::DOUBLE AS andel_av_lanets_kostnad,
    (CASE WHEN a.sjukhus <> 'alla' THEN rank() OVER (
        PARTITION BY a.ar, a.grupp, a.kon, a.aldersgrupp, a.vardform, a.sjukhus = 'alla' ORDER BY a.kostnad DESC)
     END)::INTEGER AS rang_kostnad
FROM agg AS a
LEFT JOIN alla_kpp AS tot USING (ar, kon, aldersgrupp, sjukhus, vardform)
LEFT JOIN agg AS f
    ON f.ar = a.ar - 2 AND f.grupp = a.grupp AND f.kon = a.kon AND f.aldersgrupp = a.aldersgrupp
   AND f.sjukhus = a.sjukhus AND f.vardform = a.vardform
LEFT JOIN agg AS l
    ON l.sjukhus = 'alla' AND l.ar = a.ar AND l.grupp = a.grupp AND l.kon = a.kon AND l.aldersgrupp = a.aldersgrupp
   AND l.vardform = a.vardform
LEFT JOIN core_ref__sjukhus AS s ON s.sjukhus = a.sjukhus
ORDER BY ar, grupp, kon, aldersgrupp, sjukhus, vardform
