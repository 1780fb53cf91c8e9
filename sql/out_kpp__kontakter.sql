-- out_kpp__kontakter: every KPP contact with what the analyses need, and whether it is an ytterfall.
-- Grain: vardkontakt_id (one row per contact in core_kpp__kontakter).
--   drg_poang, mdc: the DRG's weight and MDC in the contact's year (core_drg__vikter); null if absent.
--   diagnoskapitel: ICD-10 chapter of huvuddiagnos; aldersgrupp 0-64/65+; aldersband 0-9 … 90+;
--   kpp_aldersgrupp: the national KPP database's bands (0-17, 18-44, 45-64, 65-79, 80+).
--   ytterfallsgrans_kr / vardtidsgrans_dagar / ytterfallsgrans_metod / ytterfall: the limits that apply, how
--   they were set and the flag, by
--   $ytterfall_regel (pipelines/parametrar.py):
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
--   A contact is an ytterfall when its kostnad_kr (vårdtid) is strictly above the limit.
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
k AS (
    SELECT
        k.*,
        v.vikt AS drg_poang,
        v.mdc,
        v.kostnadsgrans AS socialstyrelsens_grans,
        q.kvot * r.medelkostnad AS riket_grans
    FROM core_kpp__kontakter AS k
    LEFT JOIN core_drg__vikter AS v USING (ar, drg)
    LEFT JOIN riket_medel AS r USING (ar, drg)
    LEFT JOIN riket_kvot AS q ON q.ar = k.ar AND q.vardform = coalesce(v.vardform, k.vardform)
),
per_drg AS (
    SELECT
        ar, drg, vardform,
        count(*) AS n,
        -- one sort gives both candidate quantiles; the vårdform picks its own
        quantile_cont(kostnad, [1 - $ytterfall_andel_sluten, 1 - $ytterfall_andel_oppen])
            [CASE WHEN vardform = 'sluten' THEN 1 ELSE 2 END] AS percentil_drg,
        quantile_cont(vardtid_dagar, [0.25, 0.75]) AS kvartiler
    FROM k
    GROUP BY ar, drg, vardform
),
per_vardform AS (
    SELECT
        ar, vardform,
        quantile_cont(kostnad, [1 - $ytterfall_andel_sluten, 1 - $ytterfall_andel_oppen])
            [CASE WHEN vardform = 'sluten' THEN 1 ELSE 2 END] AS percentil_vardform
    FROM k
    GROUP BY ar, vardform
),
granser AS (
    SELECT
        k.*,
        CASE WHEN d.n >= $ytterfall_minsta_antal THEN d.percentil_drg ELSE f.percentil_vardform END
            AS percentil_grans,
        CASE WHEN d.n >= $ytterfall_minsta_antal THEN 'percentil_drg' ELSE 'percentil_vardform' END
            AS percentil_kalla,
        f.percentil_vardform,
        CASE WHEN k.vardform = 'sluten' THEN d.kvartiler[2] + $ytterfall_vardtid_k * (d.kvartiler[2] - d.kvartiler[1])
        END AS vardtidsgrans
    FROM k
    JOIN per_drg AS d USING (ar, drg, vardform)
    JOIN per_vardform AS f USING (ar, vardform)
),
regel AS (
    SELECT
        *,
        CASE $ytterfall_regel
            WHEN 'kostnadsgrans' THEN coalesce(socialstyrelsens_grans, riket_grans, percentil_grans)
            WHEN 'percentil' THEN percentil_grans
            WHEN 'helmaterial' THEN percentil_vardform
            WHEN 'vardtid' THEN vardtidsgrans
            WHEN 'kombinerad' THEN coalesce(socialstyrelsens_grans, riket_grans, percentil_grans)
        END AS ytterfallsgrans,
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
        END AS grans_kalla,
        coalesce(vardtid_dagar > vardtidsgrans, false) AS vardtidsytterfall,
        coalesce(kostnad > coalesce(socialstyrelsens_grans, riket_grans, percentil_grans), false) AS kostnadsytterfall
    FROM granser
)
SELECT
    vardkontakt_id,
    region_kod,
    patient_id,
    ar,
    manad,
    ((manad - 1) // 3 + 1)::INTEGER AS kvartal,
    sjukhus,
    klinik,
    vardform,
    vardtyp,
    kon,
    alder,
    aldersgrupp_65(alder) AS aldersgrupp,
    aldersband_10(alder) AS aldersband,
    kpp_aldersgrupp(alder) AS kpp_aldersgrupp,
    huvuddiagnos,
    icd10_kapitel(huvuddiagnos) AS diagnoskapitel,
    drg,
    mdc,
    drg_poang,
    vardtid_dagar,
    kostnad AS kostnad_kr,
    CASE WHEN $ytterfall_regel <> 'vardtid' THEN ytterfallsgrans END::DOUBLE AS ytterfallsgrans_kr,
    CASE WHEN $ytterfall_regel IN ('vardtid', 'kombinerad') THEN vardtidsgrans END::DOUBLE AS vardtidsgrans_dagar,
    grans_kalla AS ytterfallsgrans_metod,
    CASE $ytterfall_regel
        WHEN 'vardtid' THEN vardtidsytterfall
        WHEN 'kombinerad' THEN kostnadsytterfall OR vardtidsytterfall
        WHEN 'kostnadsgrans' THEN kostnadsytterfall
        ELSE coalesce(kostnad > ytterfallsgrans, false)
    END AS ytterfall
FROM regel
