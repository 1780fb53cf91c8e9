-- out_kpp__sjukhus: KPP per hospital (uppdrag "KPP 2020", 000:265): contacts, DRG-poäng, cost, cost per
-- DRG-poäng for innerfall and the ytterfall share, beside the national group the hospital belongs to.
-- Grain: (ar, sjukhus, vardform, vardtyp); 'alla' in sjukhus = the county, in vardform/vardtyp = all.
--   sjukhustyp: the hospital's KPP comparison group (core_ref__sjukhus: Sunderby sjukhus is a
--   länssjukhus, the others länsdelssjukhus; primärvården has none) — the county row compares with riket.
--   kostnad_per_drg_poang_jamforelse: the national group's cost per DRG-poäng for innerfall
--   (out_kpp__kostnad_per_drg_poang, same år, vårdform and vårdtyp); skillnad_mot_jamforelse is relative.
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
        sum(kostnad) AS kostnad,
        sum(kostnad) FILTER (WHERE ytterfall) AS kostnad_ytterfall,
        sum(kostnad) FILTER (WHERE NOT ytterfall) / nullif(sum(drg_poang) FILTER (WHERE NOT ytterfall), 0)
            AS kostnad_per_drg_poang_innerfall
    FROM k
    GROUP BY CUBE (sjukhus, vardform, vardtyp), ar
),
typ AS (
    SELECT sjukhus, sjukhustyp FROM core_ref__sjukhus
)
SELECT
    a.ar::INTEGER AS ar, a.sjukhus,
    coalesce(t.sjukhustyp, CASE WHEN a.sjukhus = 'alla' THEN 'riket' END) AS sjukhustyp,
    a.vardform, a.vardtyp,
    a.antal_kontakter::BIGINT AS antal_kontakter,
    a.antal_ytterfall::BIGINT AS antal_ytterfall,
    (a.antal_ytterfall / a.antal_kontakter)::DOUBLE AS andel_ytterfall,
    a.drg_poang::DOUBLE AS drg_poang,
    a.kostnad::DOUBLE AS kostnad,
    (coalesce(a.kostnad_ytterfall, 0) / nullif(a.kostnad, 0))::DOUBLE AS andel_kostnad_ytterfall,
    a.kostnad_per_drg_poang_innerfall::DOUBLE AS kostnad_per_drg_poang_innerfall,
    j.kostnad_per_drg_poang::DOUBLE AS kostnad_per_drg_poang_jamforelse,
    (a.kostnad_per_drg_poang_innerfall / nullif(j.kostnad_per_drg_poang, 0) - 1)::DOUBLE AS skillnad_mot_jamforelse
FROM agg AS a
LEFT JOIN typ AS t USING (sjukhus)
LEFT JOIN out_kpp__kostnad_per_drg_poang AS j
    ON j.jamforelse = coalesce(t.sjukhustyp, CASE WHEN a.sjukhus = 'alla' THEN 'riket' END)
   AND j.ar = a.ar AND j.vardform = a.vardform AND j.vardtyp = a.vardtyp
ORDER BY ar, sjukhus, vardform, vardtyp
