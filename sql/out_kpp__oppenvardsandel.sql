-- out_kpp__oppenvardsandel: öppenvård's share of total KPP cost, inner- and ytterfall together
-- (styrmått 63 "Kostnadsandel öppenvård av totalkostnad enligt KPP (inner- och ytterfall)").
-- Grain: (ar, region_kod, jamforelsegrupp, vardtyp).
--   region_kod $lan, jamforelsegrupp 'alla': the county's contacts; region_kod '00': riket
--   (core_kpp__riket), jamforelsegrupp 'alla', 'lanssjukhus' or 'lansdelssjukhus'.
--   vardtyp: 'somatisk', 'psykiatrisk', 'primarvard' or 'alla'; national DRGs get the vårdtyp they have
--   in the county's contacts (see out_kpp__kostnad_per_drg_poang), unmatched DRGs count under 'alla' only.
--   andel_oppenvard = kostnad_oppenvard_kr / kostnad_total_kr (fraction 0–1).
WITH drg_vardtyp AS (
    SELECT drg, mode(vardtyp) AS vardtyp FROM out_kpp__kontakter GROUP BY drg
),
lan AS (
    SELECT ar, region_kod, 'alla' AS jamforelsegrupp, coalesce(vardtyp, 'alla') AS vardtyp,
           sum(kostnad_kr) FILTER (WHERE vardform = 'oppen') AS kostnad_oppenvard,
           sum(kostnad_kr) AS kostnad_total
    FROM out_kpp__kontakter
    GROUP BY GROUPING SETS ((ar, region_kod, vardtyp), (ar, region_kod))
),
nationellt AS (
    SELECT r.ar, r.region_kod, r.jamforelsegrupp, t.vardtyp,
           sum(r.kostnad) FILTER (WHERE r.vardform = 'oppen') AS kostnad_oppenvard,
           sum(r.kostnad) AS kostnad_total,
           GROUPING(t.vardtyp) AS vardtyp_summerad
    FROM core_kpp__riket AS r
    LEFT JOIN drg_vardtyp AS t USING (drg)
    WHERE r.region_kod = '00'
    GROUP BY GROUPING SETS ((r.ar, r.region_kod, r.jamforelsegrupp, t.vardtyp), (r.ar, r.region_kod, r.jamforelsegrupp))
),
alla AS (
    SELECT * FROM lan
    UNION ALL
    SELECT ar, region_kod, jamforelsegrupp, coalesce(vardtyp, 'alla'), kostnad_oppenvard, kostnad_total
    FROM nationellt
    WHERE vardtyp IS NOT NULL OR vardtyp_summerad = 1
)
SELECT
    ar::INTEGER AS ar, region_kod, jamforelsegrupp, vardtyp,
    coalesce(kostnad_oppenvard, 0)::DOUBLE AS kostnad_oppenvard_kr,
    kostnad_total::DOUBLE AS kostnad_total_kr,
    (coalesce(kostnad_oppenvard, 0) / nullif(kostnad_total, 0))::DOUBLE AS andel_oppenvard
FROM alla
ORDER BY ar, region_kod, jamforelsegrupp, vardtyp
