-- out_kpp__kostnad_per_drg_poang: productivity = cost per produced DRG-poäng, innerfall only
-- (styrmått 61 "Kostnad per producerad DRG-poäng exkl ytterfall"), the county against the national groups.
-- Grain: (ar, region_kod, jamforelsegrupp, vardform, vardtyp).
--   region_kod $lan, jamforelsegrupp 'alla': the county's own contacts (ytterfall by pipelines/parametrar.py);
--   region_kod '00': riket (core_kpp__riket, ytterfall as the KPP database flags them), jamforelsegrupp
--   'alla' (every hospital) or KPP's groups 'lanssjukhus' / 'lansdelssjukhus'.
--   vardform: 'sluten', 'oppen', 'alla'; vardtyp: 'somatisk', 'psykiatrisk', 'primarvard', 'alla'.
--     The national data have no vårdtyp: a DRG's vårdtyp is the one it has in the county's contacts
--     (a DRG belongs to one vårdtyp); DRGs the county never used count only under 'alla'.
--   drg_poang_innerfall: national rows carry total DRG-poäng per DRG; every contact of a DRG has the
--     DRG's weight, so the innerfall part is drg_poang × (antal_kontakter − antal_ytterfall) / antal_kontakter.
--   skillnad_mot_riket_rel: kostnad_per_drg_poang_kr / riket's (region '00', jamforelsegrupp 'alla') for
--     the same år, vårdform and vårdtyp − 1 (0,07 = 7 % dyrare).
WITH drg_vardtyp AS (
    SELECT drg, mode(vardtyp) AS vardtyp FROM out_kpp__kontakter GROUP BY drg
),
lan AS (
    SELECT ar, region_kod, 'alla' AS jamforelsegrupp, vardform, vardtyp,
           count(*) AS antal_kontakter,
           count(*) FILTER (WHERE NOT ytterfall) AS antal_innerfall,
           sum(kostnad_kr) FILTER (WHERE NOT ytterfall) AS kostnad_innerfall,
           sum(drg_poang) FILTER (WHERE NOT ytterfall) AS drg_poang_innerfall
    FROM out_kpp__kontakter
    GROUP BY GROUPING SETS ((ar, region_kod, vardform, vardtyp), (ar, region_kod, vardform),
                            (ar, region_kod, vardtyp), (ar, region_kod))
),
nationellt AS (
    SELECT r.ar, r.region_kod, r.jamforelsegrupp, r.vardform, t.vardtyp,
           sum(r.antal_kontakter) AS antal_kontakter,
           sum(r.antal_kontakter - r.antal_ytterfall) AS antal_innerfall,
           sum(r.kostnad - r.kostnad_ytterfall) AS kostnad_innerfall,
           sum(r.drg_poang * (r.antal_kontakter - r.antal_ytterfall) / nullif(r.antal_kontakter, 0))
               AS drg_poang_innerfall,
           GROUPING(t.vardtyp) AS vardtyp_summerad
    FROM core_kpp__riket AS r
    LEFT JOIN drg_vardtyp AS t USING (drg)
    WHERE r.region_kod = '00'
    GROUP BY GROUPING SETS ((r.ar, r.region_kod, r.jamforelsegrupp, r.vardform, t.vardtyp),
                            (r.ar, r.region_kod, r.jamforelsegrupp, r.vardform),
                            (r.ar, r.region_kod, r.jamforelsegrupp, t.vardtyp),
                            (r.ar, r.region_kod, r.jamforelsegrupp))
),
alla AS (
    SELECT ar, region_kod, jamforelsegrupp, coalesce(vardform, 'alla') AS vardform,
           coalesce(vardtyp, 'alla') AS vardtyp, antal_kontakter, antal_innerfall, kostnad_innerfall,
           drg_poang_innerfall
    FROM lan
    UNION ALL
    SELECT ar, region_kod, jamforelsegrupp, coalesce(vardform, 'alla'), coalesce(vardtyp, 'alla'),
           antal_kontakter, antal_innerfall, kostnad_innerfall, drg_poang_innerfall
    FROM nationellt
    WHERE vardtyp IS NOT NULL OR vardtyp_summerad = 1  -- DRGs without a vårdtyp count under 'alla' only
),
med_kvot AS (
    SELECT *, kostnad_innerfall / nullif(drg_poang_innerfall, 0) AS kostnad_per_drg_poang FROM alla
)
SELECT
    m.ar::INTEGER AS ar, m.region_kod, m.jamforelsegrupp, m.vardform, m.vardtyp,
    m.antal_kontakter::BIGINT AS antal_kontakter,
    m.antal_innerfall::BIGINT AS antal_innerfall,
    m.kostnad_innerfall::DOUBLE AS kostnad_innerfall_kr,
    m.drg_poang_innerfall::DOUBLE AS drg_poang_innerfall,
    m.kostnad_per_drg_poang::DOUBLE AS kostnad_per_drg_poang_kr,
    r.kostnad_per_drg_poang::DOUBLE AS kostnad_per_drg_poang_riket_kr,
    (m.kostnad_per_drg_poang / nullif(r.kostnad_per_drg_poang, 0) - 1)::DOUBLE AS skillnad_mot_riket_rel
FROM med_kvot AS m
LEFT JOIN med_kvot AS r
    ON r.region_kod = '00' AND r.jamforelsegrupp = 'alla' AND r.ar = m.ar AND r.vardform = m.vardform
   AND r.vardtyp = m.vardtyp
ORDER BY ar, region_kod, jamforelsegrupp, vardform, vardtyp
