-- out_demografi__behov: demographic need — what the county's care would cost each year if only its
-- population changed: cost per inhabitant by 5-year age band × kön in one reference year
-- ($demografi_kostnadsar, default the latest KPP year) applied to the population of every year,
-- actual (core_scb__befolkning) and projected (core_scb__prognos, latest vintage, years after the last
-- actual year). The plan's "0,6 procent per år" (000:311) is this kind of figure.
-- Grain: (ar, vardtyp) with vardtyp 'somatisk', 'psykiatrisk', 'primarvard' or 'alla'.
--   befolkningsserie: 'befolkning' or 'prognos'; demografiskt_behov_kr: kronor at the reference year's cost
--   level; forandring_rel: against the previous year; arlig_forandring_sedan_kostnadsar_rel: average yearly
--   change since the reference year ((behov / behov_ref)^(1 / years) − 1; null in and before that year).
--   Age bands 0-4 … 85-89, 90+ × kön (K/M, as in every core table).
WITH ref AS (
    SELECT coalesce($demografi_kostnadsar, (SELECT max(ar) FROM out_kpp__kontakter)) AS kostnadsar
),
kostnad AS (
    SELECT vardtyp, least(alder // 5 * 5, 90) AS band, kon, sum(kostnad_kr) AS kostnad
    FROM out_kpp__kontakter, ref
    WHERE ar = ref.kostnadsar
    GROUP BY GROUPING SETS ((vardtyp, band, kon), (band, kon))
),
befolkning AS (
    SELECT ar, least(alder // 5 * 5, 90) AS band, kon,
           sum(folkmangd) AS folkmangd, 'befolkning' AS kalla
    FROM core_scb__befolkning
    WHERE region_kod = $lan
    GROUP BY ALL
    UNION ALL
    SELECT ar, least(alder // 5 * 5, 90), kon, sum(folkmangd), 'prognos'
    FROM core_scb__prognos
    WHERE region_kod = $lan
      AND prognosar = (SELECT max(prognosar) FROM core_scb__prognos WHERE region_kod = $lan)
      AND ar > (SELECT max(ar) FROM core_scb__befolkning WHERE region_kod = $lan)
    GROUP BY ALL
),
per_invanare AS (
    SELECT coalesce(k.vardtyp, 'alla') AS vardtyp, k.band, k.kon, k.kostnad / b.folkmangd AS kostnad_per_invanare
    FROM kostnad AS k
    JOIN befolkning AS b ON b.ar = (SELECT kostnadsar FROM ref) AND b.band = k.band AND b.kon = k.kon
),
behov AS (
    SELECT b.ar, p.vardtyp, any_value(b.kalla) AS kalla, sum(b.folkmangd) AS folkmangd,
           sum(p.kostnad_per_invanare * b.folkmangd) AS demografiskt_behov
    FROM befolkning AS b
    JOIN per_invanare AS p USING (band, kon)
    GROUP BY b.ar, p.vardtyp
),
total_befolkning AS (
    SELECT ar, sum(folkmangd) AS folkmangd FROM befolkning GROUP BY ar
)
SELECT
    b.ar::INTEGER AS ar,
    b.vardtyp,
    b.kalla AS befolkningsserie,
    t.folkmangd::BIGINT AS folkmangd,
    (SELECT kostnadsar FROM ref)::INTEGER AS kostnadsar,
    b.demografiskt_behov::DOUBLE AS demografiskt_behov_kr,
    (b.demografiskt_behov / lag(b.demografiskt_behov) OVER (PARTITION BY b.vardtyp ORDER BY b.ar) - 1)::DOUBLE
        AS forandring_rel,
    CASE WHEN b.ar > (SELECT kostnadsar FROM ref) THEN
        pow(b.demografiskt_behov / r.demografiskt_behov, 1.0 / (b.ar - (SELECT kostnadsar FROM ref))) - 1
    END::DOUBLE AS arlig_forandring_sedan_kostnadsar_rel
FROM behov AS b
JOIN total_befolkning AS t USING (ar)
LEFT JOIN behov AS r ON r.vardtyp = b.vardtyp AND r.ar = (SELECT kostnadsar FROM ref)
ORDER BY b.vardtyp, b.ar
