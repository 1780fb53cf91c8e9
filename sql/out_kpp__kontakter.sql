-- out_kpp__kontakter: every KPP contact with what the analyses need, and whether it is an ytterfall.
-- materialisering: vy
-- A view, not a stored copy of every contact: the per-contact columns come from core_kpp__kontakter,
-- the limits from out_kpp__ytterfallsgranser (one row per år × DRG × vårdform), the code columns from
-- the few distinct ages and diagnoses; each table that reads it aggregates as it reads.
-- Grain: vardkontakt_id (one row per contact in core_kpp__kontakter).
--   drg_poang, mdc: the DRG's weight and MDC in the contact's year (core_drg__vikter); null if absent.
--   diagnoskapitel: ICD-10 chapter of huvuddiagnos; aldersgrupp 0-64/65+; aldersband 0-9 … 90+;
--   kpp_aldersgrupp: the national KPP database's bands (0-17, 18-44, 45-64, 65-79, 80+).
--   ytterfallsgrans_kr / vardtidsgrans_dagar / ytterfallsgrans_metod: the limits of the contact's year, DRG
--   and vårdform by $ytterfall_regel (out_kpp__ytterfallsgranser, where the rules are described).
--   A contact is an ytterfall when its kostnad_kr (vårdtid) is strictly above the limit.
-- The code columns from the few distinct ages and diagnoses, not evaluated per contact.
WITH alder_kod AS (
    SELECT alder, aldersgrupp_65(alder) AS aldersgrupp, aldersband_10(alder) AS aldersband,
           kpp_aldersgrupp(alder) AS kpp_aldersgrupp
    FROM (SELECT DISTINCT alder FROM core_kpp__kontakter)
),
diagnos_kod AS (
    SELECT huvuddiagnos, icd10_kapitel(huvuddiagnos) AS diagnoskapitel
    FROM (SELECT DISTINCT huvuddiagnos FROM core_kpp__kontakter)
)
SELECT
    k.vardkontakt_id,
    k.region_kod,
    k.patient_id,
    k.ar,
    k.manad,
    ((k.manad - 1) // 3 + 1)::INTEGER AS kvartal,
    k.sjukhus,
    k.klinik,
    k.vardform,
    k.vardtyp,
    k.kon,
    k.alder,
    a.aldersgrupp,
    a.aldersband,
    a.kpp_aldersgrupp,
    k.huvuddiagnos,
    d.diagnoskapitel,
    k.drg,
    g.mdc,
    g.drg_poang,
    k.vardtid_dagar,
    k.kostnad AS kostnad_kr,
    g.ytterfallsgrans_kr,
    g.vardtidsgrans_dagar,
    g.ytterfallsgrans_metod,
    -- the cost rules leave vardtidsgrans_dagar null, the vårdtid rule ytterfallsgrans_kr: one test for all five
    coalesce(k.kostnad > g.ytterfallsgrans_kr, false) OR coalesce(k.vardtid_dagar > g.vardtidsgrans_dagar, false)
        AS ytterfall
FROM core_kpp__kontakter AS k
JOIN out_kpp__ytterfallsgranser AS g ON g.ar = k.ar AND g.drg = k.drg AND g.vardform = k.vardform
JOIN alder_kod AS a ON a.alder IS NOT DISTINCT FROM k.alder
LEFT JOIN diagnos_kod AS d ON d.huvuddiagnos = k.huvuddiagnos
