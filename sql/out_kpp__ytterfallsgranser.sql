-- out_kpp__ytterfallsgranser: the ytterfall limits of the county's KPP contacts, one row per year, DRG and
-- vårdform present in core_kpp__kontakter; out_kpp__kontakter applies them to each contact.
-- Grain: (ar, drg, vardform).
--   antal_kontakter: the county's contacts in the cell (what the percentile rule counts).
--   drg_poang, mdc: the DRG's weight and MDC in that year (core_drg__vikter); null if absent.
--   ytterfallsgrans_kr / vardtidsgrans_dagar / ytterfallsgrans_metod: the limits that apply and how they
--   were set, by $ytterfall_regel (pipelines/parametrar.py):
--     kostnadsgrans  Socialstyrelsen's kostnadsgräns where the weight list has one ('socialstyrelsen');
--                    else a limit from riket's costs ('riket_kvot'): riket's mean cost of the DRG that
--                    year (core_kpp__riket, region_kod '00', jamforelsegrupp 'alla') × the median, over
--                    the DRGs of the same vårdform and year with a published limit, of kostnadsgräns /
--                    riket's mean cost — never the county's own contacts, whose percentile would make
--                    the county's ytterfall share what the rule assumes; else (riket has no contacts
--                    in the DRG, or no DRG of the vårdform has both) the percentile rule below —
--                    the plan's method (000:289);
--     percentil      the (1 − andel) quantile of kostnad per år × DRG × vårdform, andel =
--                    $ytterfall_andel_sluten / $ytterfall_andel_oppen ('percentil_drg'); a DRG with fewer
--                    than $ytterfall_minsta_antal contacts that year uses the quantile over its whole
--                    vårdform instead ('percentil_vardform');
--     helmaterial    the quantile over the whole vårdform and year ('percentil_vardform');
--     vardtid        slutenvård with vårdtid > Q3 + $ytterfall_vardtid_k × IQR of its DRG and year
--                    (vardtidsgrans_dagar; ytterfallsgrans_kr is then null, ytterfallsgrans_metod 'vardtid');
--     kombinerad     ytterfall by the kostnadsgrans rule or by the vårdtid rule (both limits set).
--   vardtidsgrans_dagar is null under the cost rules and outside slutenvård.
WITH riket_medel AS (
    SELECT ar, drg, sum(kostnad) / nullif(sum(antal_kontakter), 0) AS medelkostnad
    FROM core_kpp__riket WHERE region_kod = '00' AND jamforelsegrupp = 'alla' GROUP BY ALL
),
riket_kvot AS (
    SELECT v.ar, v.vardform, median(v.kostnadsgrans / r.medelkostnad) AS kvot
    FROM core_drg__vikter AS v JOIN riket_medel AS r USING (ar, drg)
    WHERE v.kostnadsgrans IS NOT NULL AND r.medelkostnad > 0
    GROUP BY ALL
),
per_drg AS (
    SELECT
        ar, drg, vardform,
        count(*) AS n,
        -- one sort gives both candidate quantiles; the vårdform picks its own
        quantile_cont(kostnad, [1 - $ytterfall_andel_sluten, 1 - $ytterfall_andel_oppen])
            [CASE WHEN vardform = 'sluten' THEN 1 ELSE 2 END] AS percentil_drg,
        quantile_cont(vardtid_dagar, [0.25, 0.75]) AS kvartiler
    FROM core_kpp__kontakter
    GROUP BY ar, drg, vardform
),
per_vardform AS (
    SELECT
        ar, vardform,
        quantile_cont(kostnad, [1 - $ytterfall_andel_sluten, 1 - $ytterfall_andel_oppen])
            [CASE WHEN vardform = 'sluten' THEN 1 ELSE 2 END] AS percentil_vardform
    FROM core_kpp__kontakter
    GROUP BY ar, vardform
),
-- every limit depends on (ar, drg, vardform) only: computed once per combination, not per contact
granser AS (
    SELECT
        d.ar, d.drg, d.vardform, d.n,
        v.vikt AS drg_poang,
        v.mdc,
        v.kostnadsgrans AS socialstyrelsens_grans,
        q.kvot * r.medelkostnad AS riket_grans,
        CASE WHEN d.n >= $ytterfall_minsta_antal THEN d.percentil_drg ELSE f.percentil_vardform END
            AS percentil_grans,
        CASE WHEN d.n >= $ytterfall_minsta_antal THEN 'percentil_drg' ELSE 'percentil_vardform' END
            AS percentil_kalla,
        f.percentil_vardform,
        CASE WHEN d.vardform = 'sluten' THEN d.kvartiler[2] + $ytterfall_vardtid_k * (d.kvartiler[2] - d.kvartiler[1])
        END AS vardtidsgrans
    FROM per_drg AS d
    JOIN per_vardform AS f USING (ar, vardform)
    LEFT JOIN core_drg__vikter AS v ON v.ar = d.ar AND v.drg = d.drg
    LEFT JOIN riket_medel AS r ON r.ar = d.ar AND r.drg = d.drg
    LEFT JOIN riket_kvot AS q ON q.ar = d.ar AND q.vardform = coalesce(v.vardform, d.vardform)
),
regel AS (
    SELECT
        ar, drg, vardform, n::BIGINT AS antal_kontakter, drg_poang, mdc,
        CASE $ytterfall_regel
            WHEN 'kostnadsgrans' THEN coalesce(socialstyrelsens_grans, riket_grans, percentil_grans)
            WHEN 'percentil' THEN percentil_grans
            WHEN 'helmaterial' THEN percentil_vardform
            WHEN 'kombinerad' THEN coalesce(socialstyrelsens_grans, riket_grans, percentil_grans)
        END::DOUBLE AS ytterfallsgrans_kr,
        CASE WHEN $ytterfall_regel IN ('vardtid', 'kombinerad') THEN vardtidsgrans END::DOUBLE AS vardtidsgrans_dagar,
        CASE $ytterfall_regel
            WHEN 'kostnadsgrans' THEN
                CASE WHEN socialstyrelsens_grans IS NOT NULL THEN 'socialstyrelsen'
                     WHEN riket_grans IS NOT NULL THEN 'riket_kvot' ELSE percentil_kalla END
            WHEN 'percentil' THEN percentil_kalla
            WHEN 'helmaterial' THEN 'percentil_vardform'
            WHEN 'vardtid' THEN 'vardtid'
            WHEN 'kombinerad' THEN
                CASE WHEN socialstyrelsens_grans IS NOT NULL THEN 'socialstyrelsen'
                     WHEN riket_grans IS NOT NULL THEN 'riket_kvot' ELSE percentil_kalla END
                || '+vardtid'
        END AS ytterfallsgrans_metod
    FROM granser
)
SELECT * FROM regel
ORDER BY ar, drg, vardform
