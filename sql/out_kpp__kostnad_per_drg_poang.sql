-- out_kpp__kostnad_per_drg_poang: productivity = cost per produced DRG-poäng, innerfall only
-- (styrmått 61 "Kostnad per producerad DRG-poäng exkl ytterfall enligt nationella KPP-databasen"), the
-- county against riket and the national hospital groups, with the ytterfall share beside it.
-- Grain: (ar, region_kod, jamforelsegrupp, vardform, vardtyp).
--   region_kod $lan, jamforelsegrupp 'alla': the county. Like for like with riket: when the national KPP
--     database (core_kpp__riket) holds the county's own rows for the year, the county's figures are computed
--     from them — the same source and the same ytterfall flags as riket (dataniva 'kpp-databasen'); only for
--     a year the database lacks the county are they computed from the county's own extract, with ytterfall by
--     pipelines/parametrar.py (dataniva 'eget-extrakt').
--   region_kod '00': riket from core_kpp__riket (always 'kpp-databasen'), jamforelsegrupp 'alla' (every
--     hospital and primärvården) or KPP's groups 'lanssjukhus' / 'lansdelssjukhus' (specialised care only).
--   vardform: 'sluten', 'oppen', 'alla'; vardtyp: 'somatisk', 'psykiatrisk', 'primarvard', 'alla'.
--     The national data have no vårdtyp: a DRG's vårdtyp is the one it has in the county's contacts
--     (a DRG belongs to one vårdtyp); DRGs the county never used count only under 'alla'.
--   drg_poang_innerfall: national rows carry total DRG-poäng per DRG; every contact of a DRG has the
--     DRG's weight, so the innerfall part is drg_poang × (antal_kontakter − antal_ytterfall) / antal_kontakter.
--     In the extract, contacts whose DRG has no weight that year are left out of cost and points alike.
--   andel_ytterfall = antal_ytterfall / antal_kontakter; andel_kostnad_ytterfall = ytterfall cost / kostnad_kr.
--   skillnad_mot_riket_rel: kostnad_per_drg_poang_kr / riket's (region '00', jamforelsegrupp 'alla') for
--     the same år, vårdform and vårdtyp − 1 (0,07 = 7 % dyrare); riket includes the county. riktning: 'hogre' /
--     'lagre' / 'lika' than riket (macro riktning).
WITH drg_vardtyp AS (
    SELECT drg, mode(vardtyp) AS vardtyp FROM out_kpp__kontakter GROUP BY drg
),
lan_i_databasen AS (
    SELECT DISTINCT ar FROM core_kpp__riket WHERE region_kod = $lan AND jamforelsegrupp = 'alla'
),
eget AS (
    SELECT ar, region_kod, 'alla' AS jamforelsegrupp, 'eget-extrakt' AS dataniva, vardform, vardtyp,
           count(*) AS antal_kontakter,
           count(*) FILTER (WHERE ytterfall) AS antal_ytterfall,
           sum(kostnad_kr) AS kostnad,
           sum(kostnad_kr) FILTER (WHERE ytterfall) AS kostnad_ytterfall,
           count(*) FILTER (WHERE NOT ytterfall) AS antal_innerfall,
           sum(kostnad_kr) FILTER (WHERE NOT ytterfall AND drg_poang IS NOT NULL) AS kostnad_innerfall,
           sum(drg_poang) FILTER (WHERE NOT ytterfall) AS drg_poang_innerfall,
           GROUPING(vardtyp) AS vardtyp_summerad
    FROM out_kpp__kontakter
    WHERE ar NOT IN (SELECT ar FROM lan_i_databasen)
    GROUP BY GROUPING SETS ((ar, region_kod, vardform, vardtyp), (ar, region_kod, vardform),
                            (ar, region_kod, vardtyp), (ar, region_kod))
),
databasen AS (
    SELECT r.ar, r.region_kod, r.jamforelsegrupp, 'kpp-databasen' AS dataniva, r.vardform, t.vardtyp,
           sum(r.antal_kontakter) AS antal_kontakter,
           sum(r.antal_ytterfall) AS antal_ytterfall,
           sum(r.kostnad) AS kostnad,
           sum(r.kostnad_ytterfall) AS kostnad_ytterfall,
           sum(r.antal_kontakter - r.antal_ytterfall) AS antal_innerfall,
           sum(r.kostnad - r.kostnad_ytterfall) AS kostnad_innerfall,
           sum(r.drg_poang * (r.antal_kontakter - r.antal_ytterfall) / nullif(r.antal_kontakter, 0))
               AS drg_poang_innerfall,
           GROUPING(t.vardtyp) AS vardtyp_summerad
    FROM core_kpp__riket AS r
    LEFT JOIN drg_vardtyp AS t USING (drg)
    WHERE r.region_kod = '00' OR (r.region_kod = $lan AND r.jamforelsegrupp = 'alla')
    GROUP BY GROUPING SETS ((r.ar, r.region_kod, r.jamforelsegrupp, r.vardform, t.vardtyp),
                            (r.ar, r.region_kod, r.jamforelsegrupp, r.vardform),
                            (r.ar, r.region_kod, r.jamforelsegrupp, t.vardtyp),
                            (r.ar, r.region_kod, r.jamforelsegrupp))
),
alla AS (
    SELECT ar, region_kod, jamforelsegrupp, dataniva, coalesce(vardform, 'alla') AS vardform,
           coalesce(vardtyp, 'alla') AS vardtyp, antal_kontakter, antal_ytterfall, kostnad, kostnad_ytterfall,
           antal_innerfall, kostnad_innerfall, drg_poang_innerfall
    FROM (SELECT * FROM eget UNION ALL BY NAME SELECT * FROM databasen)
    WHERE vardtyp IS NOT NULL OR vardtyp_summerad = 1  -- national DRGs without a vårdtyp count under 'alla' only
),
med_kvot AS (
    SELECT *, kostnad_innerfall / nullif(drg_poang_innerfall, 0) AS kostnad_per_drg_poang FROM alla
)
SELECT
    m.ar::INTEGER AS ar, m.region_kod, m.jamforelsegrupp, m.vardform, m.vardtyp, m.dataniva,
    m.antal_kontakter::BIGINT AS antal_kontakter,
    m.antal_ytterfall::BIGINT AS antal_ytterfall,
    (m.antal_ytterfall / nullif(m.antal_kontakter, 0))::DOUBLE AS andel_ytterfall,
    m.kostnad::DOUBLE AS kostnad_kr,
    (coalesce(m.kostnad_ytterfall, 0) / nullif(m.kostnad, 0))::DOUBLE AS andel_kostnad_ytterfall,
    m.antal_innerfall::BIGINT AS antal_innerfall,
    m.kostnad_innerfall::DOUBLE AS kostnad_innerfall_kr,
    m.drg_poang_innerfall::DOUBLE AS drg_poang_innerfall,
    m.kostnad_per_drg_poang::DOUBLE AS kostnad_per_drg_poang_kr,
    r.kostnad_per_drg_poang::DOUBLE AS kostnad_per_drg_poang_riket_kr,
    (m.kostnad_per_drg_poang / nullif(r.kostnad_per_drg_poang, 0) - 1)::DOUBLE AS skillnad_mot_riket_rel,
    riktning(m.kostnad_per_drg_poang, r.kostnad_per_drg_poang) AS riktning
FROM med_kvot AS m
LEFT JOIN med_kvot AS r
    ON r.region_kod = '00' AND r.jamforelsegrupp = 'alla' AND r.ar = m.ar AND r.vardform = m.vardform
   AND r.vardtyp = m.vardtyp
ORDER BY ar, region_kod, jamforelsegrupp, vardform, vardtyp
