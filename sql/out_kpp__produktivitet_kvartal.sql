-- out_kpp__produktivitet_kvartal: productivity by quarter against the same quarter a year earlier
-- (styrmått 62 "Produktivitet utifrån KPP": "Öka jmf motsvarande kvartal året innan").
-- Grain: (ar, kvartal, sjukhus, vardform); 'alla' = the county / both forms.
--   kostnad_per_drg_poang_kr: innerfall cost / innerfall DRG-poäng that quarter;
--   kostnad_per_drg_poang_foregaende_ar_kr: the same quarter a year earlier; forandring_rel =
--   kostnad_per_drg_poang_kr / kostnad_per_drg_poang_foregaende_ar_kr − 1 (negative = cheaper);
--   okad_produktivitet: true when the cost per DRG-poäng fell (more DRG-poäng per krona).
WITH q AS (
    SELECT
        ar, kvartal, coalesce(sjukhus, 'alla') AS sjukhus, coalesce(vardform, 'alla') AS vardform,
        sum(kostnad_kr) FILTER (WHERE NOT ytterfall) AS kostnad_innerfall,
        sum(drg_poang) FILTER (WHERE NOT ytterfall) AS drg_poang_innerfall
    FROM out_kpp__kontakter
    GROUP BY GROUPING SETS ((ar, kvartal, sjukhus, vardform), (ar, kvartal, sjukhus), (ar, kvartal, vardform),
                            (ar, kvartal))
),
kvot AS (
    SELECT *, kostnad_innerfall / nullif(drg_poang_innerfall, 0) AS kostnad_per_drg_poang FROM q
)
SELECT
    k.ar::INTEGER AS ar, k.kvartal::INTEGER AS kvartal, k.sjukhus, k.vardform,
    k.kostnad_innerfall::DOUBLE AS kostnad_innerfall_kr,
    k.drg_poang_innerfall::DOUBLE AS drg_poang_innerfall,
    k.kostnad_per_drg_poang::DOUBLE AS kostnad_per_drg_poang_kr,
    f.kostnad_per_drg_poang::DOUBLE AS kostnad_per_drg_poang_foregaende_ar_kr,
    (k.kostnad_per_drg_poang / f.kostnad_per_drg_poang - 1)::DOUBLE AS forandring_rel,
    (k.kostnad_per_drg_poang < f.kostnad_per_drg_poang) AS okad_produktivitet
FROM kvot AS k
LEFT JOIN kvot AS f
    ON f.ar = k.ar - 1 AND f.kvartal = k.kvartal AND f.sjukhus = k.sjukhus AND f.vardform = k.vardform
ORDER BY ar, kvartal, sjukhus, vardform
