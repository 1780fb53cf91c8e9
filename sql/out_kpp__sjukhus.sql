-- out_kpp__sjukhus: KPP per hospital (uppdrag "KPP 2020", 000:265): contacts, DRG-poäng, cost, cost per
-- DRG-poäng for innerfall and the ytterfall share, beside the national group the hospital belongs to.
-- Grain: (ar, sjukhus, vardform, vardtyp); 'alla' in sjukhus = the county, in vardform/vardtyp = all.
--   The hospital figures come from the county's own extract (out_kpp__kontakter, ytterfall by the rule in
--   pipelines/parametrar.py): the national KPP database has no hospital level. The comparison columns come
--   from the national database (out_kpp__kostnad_per_drg_poang, region '00', same år, vårdform, vårdtyp).
--   jamforelsegrupp: the national group the hospital is compared with (core_ref__sjukhus: Sunderby sjukhus
--   is a länssjukhus, the others länsdelssjukhus); primärvården (sjukhustyp 'primarvard') and the county row
--   ('alla') compare with riket ('alla') — primärvården with riket's primärvård (vårdtyp 'primarvard').
--   kostnad_per_drg_poang_jamforelse_kr / andel_ytterfall_jamforelse: that group's innerfall cost per
--   DRG-poäng and ytterfall share in riket;
--   skillnad_mot_jamforelse_rel = kostnad_per_drg_poang_innerfall_kr / kostnad_per_drg_poang_jamforelse_kr − 1;
--   skillnad_andel_ytterfall_pe = andel_ytterfall − andel_ytterfall_jamforelse; riktning / riktning_ytterfall:
--   'hogre' / 'lagre' / 'lika' than the group (cost per DRG-poäng / ytterfall share);
--   andel_av_lanets_kostnad: the hospital's share of the county's KPP cost in the same år, vårdform, vårdtyp.
--   Contacts whose DRG has no weight that year are left out of the innerfall cost and points alike.
--   ki_lag / ki_hog: Wilson 95 % interval of andel_ytterfall (the contacts of a year as a sample of the
--   hospital's care; one interval per row, no correction for the many rows — read them one at a time).
--   sjukhus_namn: the name in core_ref__sjukhus ('Länet' for the county row).
--   Divisions are not in the extract, so the analysis stops at hospital level.
WITH k AS (
    SELECT * FROM out_kpp__kontakter
),
agg AS (
    SELECT
        ar, coalesce(sjukhus, 'alla') AS sjukhus, coalesce(vardform, 'alla') AS vardform,
        coalesce(vardtyp, 'alla') AS vardtyp,
        count(*) AS antal_kontakter,
        count(*) FILTER (WHERE ytterfall) AS antal_ytterfall,
        sum(drg_poang) AS drg_poang,
        sum(kostnad_kr) AS kostnad,
        sum(kostnad_kr) FILTER (WHERE ytterfall) AS kostnad_ytterfall,
        sum(kostnad_kr) FILTER (WHERE NOT ytterfall AND drg_poang IS NOT NULL)
            / nullif(sum(drg_poang) FILTER (WHERE NOT ytterfall), 0) AS kostnad_per_drg_poang_innerfall
    FROM k
    GROUP BY CUBE (sjukhus, vardform, vardtyp), ar
),
typ AS (
    SELECT sjukhus, sjukhus_namn, sjukhustyp FROM core_ref__sjukhus
),
med_grupp AS (
    SELECT a.*, coalesce(t.sjukhus_namn, CASE WHEN a.sjukhus = 'alla' THEN 'Länet' ELSE a.sjukhus END) AS sjukhus_namn,
           CASE WHEN t.sjukhustyp IN ('lanssjukhus', 'lansdelssjukhus') THEN t.sjukhustyp
                WHEN a.sjukhus = 'alla' OR t.sjukhustyp = 'primarvard' THEN 'alla' END AS jamforelsegrupp,
           CASE WHEN t.sjukhustyp = 'primarvard' THEN 'primarvard' ELSE a.vardtyp END AS jamforelse_vardtyp
    FROM agg AS a
    LEFT JOIN typ AS t USING (sjukhus)
)
SELECT
    a.ar::INTEGER AS ar, a.sjukhus, a.sjukhus_namn, a.jamforelsegrupp, a.vardform, a.vardtyp,
    a.antal_kontakter::BIGINT AS antal_kontakter,
    a.antal_ytterfall::BIGINT AS antal_ytterfall,
    (a.antal_ytterfall / a.antal_kontakter)::DOUBLE AS andel_ytterfall,
    wilson_lag(a.antal_ytterfall, a.antal_kontakter)::DOUBLE AS ki_lag,
    wilson_hog(a.antal_ytterfall, a.antal_kontakter)::DOUBLE AS ki_hog,
    a.drg_poang::DOUBLE AS drg_poang,
    a.kostnad::DOUBLE AS kostnad_kr,
    (coalesce(a.kostnad_ytterfall, 0) / nullif(a.kostnad, 0))::DOUBLE AS andel_kostnad_ytterfall,
    a.kostnad_per_drg_poang_innerfall::DOUBLE AS kostnad_per_drg_poang_innerfall_kr,
    j.kostnad_per_drg_poang_kr::DOUBLE AS kostnad_per_drg_poang_jamforelse_kr,
    (a.kostnad_per_drg_poang_innerfall / nullif(j.kostnad_per_drg_poang_kr, 0) - 1)::DOUBLE
        AS skillnad_mot_jamforelse_rel,
    j.andel_ytterfall::DOUBLE AS andel_ytterfall_jamforelse,
    (a.antal_ytterfall / a.antal_kontakter - j.andel_ytterfall)::DOUBLE AS skillnad_andel_ytterfall_pe,
    riktning(a.kostnad_per_drg_poang_innerfall, j.kostnad_per_drg_poang_kr) AS riktning,
    riktning(a.antal_ytterfall / a.antal_kontakter, j.andel_ytterfall) AS riktning_ytterfall,
    (a.kostnad / nullif(l.kostnad, 0))::DOUBLE AS andel_av_lanets_kostnad
FROM med_grupp AS a
LEFT JOIN out_kpp__kostnad_per_drg_poang AS j
    ON j.region_kod = '00' AND j.jamforelsegrupp = a.jamforelsegrupp
   AND j.ar = a.ar AND j.vardform = a.vardform AND j.vardtyp = a.jamforelse_vardtyp
LEFT JOIN agg AS l
    ON l.sjukhus = 'alla' AND l.ar = a.ar AND l.vardform = a.vardform AND l.vardtyp = a.vardtyp
ORDER BY ar, sjukhus, vardform, vardtyp
