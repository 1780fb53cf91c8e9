-- out_demografi__behov: demographic need — what the county's care would cost each year if only its
-- population changed: cost per inhabitant by 5-year age band × kön in one reference year
-- ($demografi_kostnadsar, default the latest KPP year) applied to the population of every year. The
-- plan's "0,6 procent per år" (000:311) is this kind of figure (see out_demografi__behovstakt).
-- Population: actual (core_scb__befolkning) up to its last year L; after L SCB's projection
-- (core_scb__prognos), SPLICED onto L by rebasing: per band × kön,
--   folkmangd(ar) = actual(L) · projection(ar) / projection(L),
-- so only the projection's change from L counts, never the step between the projection's own L and
-- the actual L (a projection made years earlier misses by thousands). The vintage is the latest
-- one (prognosar) that contains L; with none, there are no projected years.
-- Grain: (ar, vardtyp, kon, aldersgrupp); vardtyp 'somatisk', 'psykiatrisk', 'primarvard' or 'alla';
-- kon 'K', 'M' or 'alla'; aldersgrupp '0-64', '65+' or 'alla' (the bands summed).
--   befolkningsserie: 'befolkning' or 'prognos'; folkmangd: actual or spliced (rounded);
--   antal_invanare_scb: as SCB gives it (actual, or the projection unspliced);
--   demografiskt_behov_kr: kronor at the reference year's cost per inhabitant and prices;
--   forandring_rel: against the previous year; forandring_sedan_kostnadsar_rel: behov / behov in the
--   reference year − 1; arlig_forandring_sedan_kostnadsar_rel: average yearly change since the reference
--   year ((behov / behov_ref)^(1 / years) − 1; NULL in and before that year).
--   Age bands 0-4 … 85-89, 90+ × kön (K/M, as in every core table).
WITH ref AS (
    SELECT coalesce($demografi_kostnadsar, (SELECT max(ar) FROM out_kpp__kontakter)) AS kostnadsar
),
sista AS (
    SELECT max(ar) AS sista_ar FROM core_scb__befolkning WHERE region_kod = $lan
),
omgang AS (
    SELECT max(prognosar) AS prognosar
    FROM core_scb__prognos
    WHERE region_kod = $lan AND ar = (SELECT sista_ar FROM sista)
),
kostnad AS (
    SELECT vardtyp, least(alder // 5 * 5, 90) AS band, kon, sum(kostnad_kr) AS kostnad
    FROM out_kpp__kontakter, ref
    WHERE ar = ref.kostnadsar
    GROUP BY GROUPING SETS ((vardtyp, band, kon), (band, kon))
),
faktisk AS (
    SELECT ar, least(alder // 5 * 5, 90) AS band, kon, sum(folkmangd) AS folkmangd
    FROM core_scb__befolkning
    WHERE region_kod = $lan
    GROUP BY ALL
),
prognos AS (
    SELECT ar, least(alder // 5 * 5, 90) AS band, kon, sum(folkmangd) AS folkmangd
    FROM core_scb__prognos
    WHERE region_kod = $lan AND prognosar = (SELECT prognosar FROM omgang)
      AND ar >= (SELECT sista_ar FROM sista)
    GROUP BY ALL
),
befolkning AS (
    SELECT ar, band, kon, folkmangd, folkmangd AS folkmangd_scb, 'befolkning' AS kalla FROM faktisk
    UNION ALL
    SELECT p.ar, p.band, p.kon, f.folkmangd * p.folkmangd / nullif(l.folkmangd, 0), p.folkmangd, 'prognos'
    FROM prognos AS p
    JOIN prognos AS l ON l.ar = (SELECT sista_ar FROM sista) AND l.band = p.band AND l.kon = p.kon
    JOIN faktisk AS f ON f.ar = (SELECT sista_ar FROM sista) AND f.band = p.band AND f.kon = p.kon
    WHERE p.ar > (SELECT sista_ar FROM sista)
),
per_invanare AS (
    SELECT coalesce(k.vardtyp, 'alla') AS vardtyp, k.band, k.kon,
           k.kostnad / nullif(b.folkmangd, 0) AS kostnad_per_invanare
    FROM kostnad AS k
    JOIN befolkning AS b ON b.ar = (SELECT kostnadsar FROM ref) AND b.band = k.band AND b.kon = k.kon
),
celler AS (  -- every year × vårdtyp × band × kön, with the band's cost per inhabitant (0 if none)
    SELECT b.ar, v.vardtyp, b.band, b.kon, b.kalla, b.folkmangd, b.folkmangd_scb,
           coalesce(p.kostnad_per_invanare, 0) * b.folkmangd AS behov
    FROM befolkning AS b
    CROSS JOIN (SELECT DISTINCT vardtyp FROM per_invanare) AS v
    LEFT JOIN per_invanare AS p ON p.vardtyp = v.vardtyp AND p.band = b.band AND p.kon = b.kon
),
behov AS (
    SELECT ar, vardtyp, coalesce(kon, 'alla') AS kon,
           coalesce(CASE WHEN band >= 65 THEN '65+' ELSE '0-64' END, 'alla') AS aldersgrupp,
           any_value(kalla) AS kalla, sum(folkmangd) AS folkmangd, sum(folkmangd_scb) AS folkmangd_scb,
           sum(behov) AS demografiskt_behov
    FROM celler
    GROUP BY GROUPING SETS (
        (ar, vardtyp, kon, CASE WHEN band >= 65 THEN '65+' ELSE '0-64' END), (ar, vardtyp, kon),
        (ar, vardtyp, CASE WHEN band >= 65 THEN '65+' ELSE '0-64' END), (ar, vardtyp)
    )
)
SELECT
    b.ar::INTEGER AS ar,
    b.vardtyp, b.kon, b.aldersgrupp,
    b.kalla AS befolkningsserie,
    round(b.folkmangd)::BIGINT AS folkmangd,
    b.folkmangd_scb::BIGINT AS antal_invanare_scb,
    (SELECT kostnadsar FROM ref)::INTEGER AS kostnadsar,
    b.demografiskt_behov::DOUBLE AS demografiskt_behov_kr,
    (b.demografiskt_behov / lag(b.demografiskt_behov) OVER (
        PARTITION BY b.vardtyp, b.kon, b.aldersgrupp ORDER BY b.ar) - 1)::DOUBLE AS forandring_rel,
    (b.demografiskt_behov / r.demografiskt_behov - 1)::DOUBLE AS forandring_sedan_kostnadsar_rel,
    CASE WHEN b.ar > (SELECT kostnadsar FROM ref) THEN
        pow(b.demografiskt_behov / r.demografiskt_behov, 1.0 / (b.ar - (SELECT kostnadsar FROM ref))) - 1
    END::DOUBLE AS arlig_forandring_sedan_kostnadsar_rel
FROM behov AS b
LEFT JOIN behov AS r
    ON r.vardtyp = b.vardtyp AND r.kon = b.kon AND r.aldersgrupp = b.aldersgrupp
   AND r.ar = (SELECT kostnadsar FROM ref)
ORDER BY b.vardtyp, b.kon, b.aldersgrupp, b.ar
