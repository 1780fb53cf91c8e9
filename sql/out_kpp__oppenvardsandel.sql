-- out_kpp__oppenvardsandel: öppenvård's share of total KPP cost, inner- and ytterfall together
-- (styrmått 63 "Kostnadsandel öppenvård av totalkostnad enligt KPP (inner- och ytterfall)").
-- Grain: (ar, region_kod, jamforelsegrupp, vardtyp).
--   region_kod $lan, jamforelsegrupp 'alla': the county — from its own rows in the national KPP database
--   (core_kpp__riket) when the database holds them for the year (dataniva 'kpp-databasen', the same
--   source as riket), else from its own extract (dataniva 'eget-extrakt');
--   region_kod '00': riket (core_kpp__riket), jamforelsegrupp 'alla', 'lanssjukhus' or 'lansdelssjukhus'.
--   vardtyp: 'somatisk', 'psykiatrisk', 'primarvard' or 'alla'; national DRGs get the vårdtyp they have
--   in the county's contacts (see out_kpp__kostnad_per_drg_poang), unmatched DRGs count under 'alla' only.
--   andel_oppenvard = kostnad_oppenvard_kr / kostnad_total_kr (fraction 0–1); andel_oppenvard_riket: riket's
--   (region '00', jamforelsegrupp 'alla') for the same år and vårdtyp; skillnad_mot_riket_pe = the difference
--   (0,05 = 5 procentenheter); riktning 'hogre' / 'lagre' / 'lika' than riket.
WITH drg_vardtyp AS (
    SELECT drg, mode(vardtyp) AS vardtyp FROM out_kpp__kontakter GROUP BY drg
),
lan_i_databasen AS (
    SELECT DISTINCT ar FROM core_kpp__riket WHERE region_kod = $lan AND jamforelsegrupp = 'alla'
),
eget AS (
    SELECT ar, region_kod, 'alla' AS jamforelsegrupp, 'eget-extrakt' AS dataniva, vardtyp,
           count(*) FILTER (WHERE vardform = 'oppen') AS antal_kontakter_oppenvard,
           count(*) AS antal_kontakter,
           sum(kostnad_kr) FILTER (WHERE vardform = 'oppen') AS kostnad_oppenvard,
           sum(kostnad_kr) AS kostnad_total,
           GROUPING(vardtyp) AS vardtyp_summerad
    FROM out_kpp__kontakter
    WHERE ar NOT IN (SELECT ar FROM lan_i_databasen)
    GROUP BY GROUPING SETS ((ar, region_kod, vardtyp), (ar, region_kod))
),
databasen AS (
    SELECT r.ar, r.region_kod, r.jamforelsegrupp, 'kpp-databasen' AS dataniva, t.vardtyp,
           sum(r.antal_kontakter) FILTER (WHERE r.vardform = 'oppen') AS antal_kontakter_oppenvard,
           sum(r.antal_kontakter) AS antal_kontakter,
           sum(r.kostnad) FILTER (WHERE r.vardform = 'oppen') AS kostnad_oppenvard,
           sum(r.kostnad) AS kostnad_total,
           GROUPING(t.vardtyp) AS vardtyp_summerad
    FROM core_kpp__riket AS r
    LEFT JOIN drg_vardtyp AS t USING (drg)
    WHERE r.region_kod = '00' OR (r.region_kod = $lan AND r.jamforelsegrupp = 'alla')
    GROUP BY GROUPING SETS ((r.ar, r.region_kod, r.jamforelsegrupp, t.vardtyp), (r.ar, r.region_kod, r.jamforelsegrupp))
),
andelar AS (
    SELECT *, coalesce(kostnad_oppenvard, 0) / nullif(kostnad_total, 0) AS andel
    FROM (SELECT * FROM eget UNION ALL BY NAME SELECT * FROM databasen)
    WHERE vardtyp IS NOT NULL OR vardtyp_summerad = 1
)
SELECT
    a.ar::INTEGER AS ar, a.region_kod, a.jamforelsegrupp, coalesce(a.vardtyp, 'alla') AS vardtyp, a.dataniva,
    coalesce(a.antal_kontakter_oppenvard, 0)::BIGINT AS antal_kontakter_oppenvard,
    a.antal_kontakter::BIGINT AS antal_kontakter,
    coalesce(a.kostnad_oppenvard, 0)::DOUBLE AS kostnad_oppenvard_kr,
    a.kostnad_total::DOUBLE AS kostnad_total_kr,
    a.andel::DOUBLE AS andel_oppenvard,
    r.andel::DOUBLE AS andel_oppenvard_riket,
    (a.andel - r.andel)::DOUBLE AS skillnad_mot_riket_pe,
    riktning(a.andel, r.andel) AS riktning
FROM andelar AS a
LEFT JOIN andelar AS r
    ON r.region_kod = '00' AND r.jamforelsegrupp = 'alla' AND r.ar = a.ar
   AND coalesce(r.vardtyp, 'alla') = coalesce(a.vardtyp, 'alla')
ORDER BY ar, region_kod, jamforelsegrupp, vardtyp
