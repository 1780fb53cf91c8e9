-- core_vis__resultat: Vården i siffror results, one row per mått × period × region × enhet.
-- Grain: (matt_id, period_start, period_slut, region_kod, enhetsniva, enhet, enhet_hsaid, kommun_kod).
--   region_kod '00' is riket (VIS: the one row per mått × period without RegionOrganisationId);
--   enhetsniva 'riket' | 'region' | 'sjukhus' | 'enhet' | 'kommun'; enhet, enhet_hsaid and kommun_kod
--   are NULL on riket and region rows.
-- matt_id is the delivered MeasureID, which for a result by sex or age group is the sub-measure's
-- id; huvudmatt_id, kon ('alla', 'K', 'M') and aldersgrupp are looked up in core_vis__katalog.
-- Rows of the older CSV export carry no MeasureID: their Titel (or Diagramrubrik) is matched to a
-- main measure's title (case-insensitively) and Kön/Totalt Kvinnor/Män to its sex sub-measure.
-- andel is a fraction 0–1: the upload's Rate, or the export's Procent value / 100. varde is the value
-- of median, medelvärde, dagar and antal indicators; for those the export's "Nämnare/antal fall" is
-- matpopulation. periodtyp: ar | halvar | kvartal | manad | annan (from the period's length).
-- orsakskod MSK (too few cases), NI, INV or UNK marks a result VIS does not show: andel, varde and the
-- confidence interval are then NULL, never imputed.
-- kalla_format/kalla_fil/kalla_rad trace each row to its delivered file and line. When several files
-- hold the same cell (a re-delivery, or a year in both formats) the most recently ingested one wins.
WITH rader AS (
    SELECT
        r.*,
        CASE
            WHEN r.format = 'vis-upload' THEN r.matt_id
            WHEN r.kon_text IN ('Kvinnor', 'Män') THEN delmatt.matt_id
            ELSE huvud.matt_id
        END AS id,
        r.format = 'vis-export' AND r.mattenhet = 'Procent' AS export_procent,
        r.format = 'vis-export' AND r.mattenhet <> 'Procent' AS export_varde
    FROM raw_vis__indikatorer AS r
    LEFT JOIN core_vis__katalog AS huvud
        ON r.format = 'vis-export'
        AND huvud.huvudmatt_id IS NULL
        AND lower(huvud.titel) = lower(trim(r.titel))
    LEFT JOIN core_vis__katalog AS delmatt
        ON delmatt.huvudmatt_id = huvud.matt_id
        AND delmatt.aldersgrupp = 'alla'
        AND delmatt.kon = kon_kod(r.kon_text)
)
SELECT
    rader.id::VARCHAR AS matt_id,
    coalesce(k.huvudmatt_id, k.matt_id)::VARCHAR AS huvudmatt_id,
    k.kon::VARCHAR AS kon,
    k.aldersgrupp::VARCHAR AS aldersgrupp,
    rader.period_start::DATE AS period_start,
    rader.period_slut::DATE AS period_slut,
    periodtyp(rader.period_start, rader.period_slut)::VARCHAR AS periodtyp,
    year(rader.period_start)::INTEGER AS ar,
    coalesce(rader.region_kod, '00')::VARCHAR AS region_kod,
    rader.enhetsniva::VARCHAR AS enhetsniva,
    rader.enhet::VARCHAR AS enhet,
    rader.enhet_hsaid::VARCHAR AS enhet_hsaid,
    rader.kommun_kod::VARCHAR AS kommun_kod,
    (CASE WHEN export_varde THEN NULL ELSE rader.taljare END)::BIGINT AS taljare,
    (CASE WHEN export_varde THEN NULL ELSE rader.namnare END)::BIGINT AS namnare,
    (CASE WHEN export_procent THEN round(rader.varde / 100, 4) ELSE rader.andel END)::DOUBLE AS andel,
    (CASE WHEN export_procent THEN NULL ELSE rader.varde END)::DOUBLE AS varde,
    rader.ki_lag::DOUBLE AS ki_lag,
    rader.ki_hog::DOUBLE AS ki_hog,
    (CASE WHEN export_varde THEN rader.namnare ELSE rader.matpopulation END)::BIGINT AS matpopulation,
    rader.orsakskod::VARCHAR AS orsakskod,
    rader.format::VARCHAR AS kalla_format,
    rader.kalla_fil::VARCHAR AS kalla_fil,
    rader.kalla_rad::BIGINT AS kalla_rad
FROM rader
LEFT JOIN core_vis__katalog AS k ON k.matt_id = rader.id
QUALIFY row_number() OVER (
    PARTITION BY
        rader.id, rader.period_start, rader.period_slut, rader.region_kod, rader.enhetsniva, rader.enhet,
        rader.enhet_hsaid, rader.kommun_kod
    ORDER BY rader.kalla_inlast DESC, rader.kalla_sha256, rader.kalla_rad
) = 1
ORDER BY huvudmatt_id, matt_id, period_start, period_slut, region_kod, enhetsniva, enhet
