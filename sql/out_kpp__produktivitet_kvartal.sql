-- out_kpp__produktivitet_kvartal: productivity by quarter against the same quarter a year earlier
-- (styrmått 62 "Produktivitet utifrån KPP": "Öka jmf motsvarande kvartal året innan").
-- Grain: (ar, kvartal, sjukhus, vardform); 'alla' = the county / both forms. Source: the county's own extract
-- (out_kpp__kontakter; the national KPP database has no quarters), innerfall by the ytterfall rule in
-- pipelines/parametrar.py, each contact flagged by the limits of its own year.
-- Like for like: both quarters are valued with the same DRG-weight version, the weight list of year ar
-- (core_drg__vikter): the year-earlier quarter's contacts get this year's weight for their DRG, so a change
-- of weights between the lists is not read as a change in productivity. Contacts whose DRG has no weight in
-- year ar's list are left out of both quarters (cost and points alike). Costs are in current prices: the
-- warehouse holds no price index, so the change includes the year's price and wage increases.
--   antal_kontakter / antal_kontakter_foregaende_ar: the quarter's contacts (all, before the ytterfall cut);
--   kostnad_per_drg_poang_kr = kostnad_innerfall_kr / drg_poang_innerfall;
--   kostnad_per_drg_poang_foregaende_ar_kr: the same quarter a year earlier, at year ar's weights;
--   forandring_rel = kostnad_per_drg_poang_kr / kostnad_per_drg_poang_foregaende_ar_kr − 1 (negative = cheaper);
--   okad_produktivitet: true when the cost per DRG-poäng fell (more DRG-poäng per krona).
WITH varderade AS (
    -- each contact valued with the weight list of its own year (period 0) and of the year after (period 1)
    SELECT v.ar AS viktar, (v.ar - k.ar) AS period, k.kvartal, k.sjukhus, k.vardform, k.kostnad_kr,
           k.ytterfall, v.vikt
    FROM out_kpp__kontakter AS k
    JOIN core_drg__vikter AS v ON v.drg = k.drg AND v.ar IN (k.ar, k.ar + 1)
),
q AS (
    SELECT
        viktar AS ar, kvartal, coalesce(sjukhus, 'alla') AS sjukhus, coalesce(vardform, 'alla') AS vardform,
        count(*) FILTER (WHERE period = 0) AS antal_kontakter,
        sum(kostnad_kr) FILTER (WHERE period = 0 AND NOT ytterfall) AS kostnad_innerfall,
        sum(vikt) FILTER (WHERE period = 0 AND NOT ytterfall) AS drg_poang_innerfall,
        count(*) FILTER (WHERE period = 1) AS antal_kontakter_foregaende_ar,
        sum(kostnad_kr) FILTER (WHERE period = 1 AND NOT ytterfall) AS kostnad_innerfall_foregaende_ar,
        sum(vikt) FILTER (WHERE period = 1 AND NOT ytterfall) AS drg_poang_innerfall_foregaende_ar
    FROM varderade
    GROUP BY GROUPING SETS ((viktar, kvartal, sjukhus, vardform), (viktar, kvartal, sjukhus),
                            (viktar, kvartal, vardform), (viktar, kvartal))
),
kvot AS (
    SELECT *,
           kostnad_innerfall / nullif(drg_poang_innerfall, 0) AS kostnad_per_drg_poang,
           kostnad_innerfall_foregaende_ar / nullif(drg_poang_innerfall_foregaende_ar, 0) AS foregaende
    FROM q
    WHERE antal_kontakter > 0
)
SELECT
    ar::INTEGER AS ar, kvartal::INTEGER AS kvartal, sjukhus, vardform,
    antal_kontakter::BIGINT AS antal_kontakter,
    kostnad_innerfall::DOUBLE AS kostnad_innerfall_kr,
    drg_poang_innerfall::DOUBLE AS drg_poang_innerfall,
    kostnad_per_drg_poang::DOUBLE AS kostnad_per_drg_poang_kr,
    antal_kontakter_foregaende_ar::BIGINT AS antal_kontakter_foregaende_ar,
    kostnad_innerfall_foregaende_ar::DOUBLE AS kostnad_innerfall_foregaende_ar_kr,
    drg_poang_innerfall_foregaende_ar::DOUBLE AS drg_poang_innerfall_foregaende_ar,
    foregaende::DOUBLE AS kostnad_per_drg_poang_foregaende_ar_kr,
    (kostnad_per_drg_poang / foregaende - 1)::DOUBLE AS forandring_rel,
    (kostnad_per_drg_poang < foregaende) AS okad_produktivitet
FROM kvot
ORDER BY ar, kvartal, sjukhus, vardform
