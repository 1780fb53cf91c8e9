-- core_vis__katalog: Vården i siffror's indicator catalog (Kvalitetsindikatorkatalogen fields plus NPO
-- and target value), one row per measure and per sub-measure.
-- Grain: matt_id. The main measure has huvudmatt_id NULL, kon 'alla' and aldersgrupp 'alla'. A
-- sub-measure is the same indicator for one sex (kon 'K'/'M' from gender.codeValue 2/1) and/or one
-- age group (aldersgrupp such as '18-64', '65-79', '80+'; a delivered '80-' is read as '80+'); VIS
-- carries sex only through these sub-measure MeasureIDs. Sub-measures inherit their main measure's
-- title, NPO, unit type, direction and target.
-- enhetstyp: andel | dagar | median | antal | medelvarde (unitType, ASCII-folded);
-- onskad_riktning: 'hogt' (högt värde är bra) | 'lagt'; malvarde in the indicator's unit, shares as
-- fractions 0–1; matfrekvens/organisationsniva as delivered, comma-separated.
-- When several delivered catalog files describe the same matt_id, the most recently ingested wins.
SELECT
    matt_id::VARCHAR AS matt_id,
    huvudmatt_id::VARCHAR AS huvudmatt_id,
    kon_kod(kon_kod)::VARCHAR AS kon,
    (CASE
        WHEN alder_kod IS NULL THEN 'alla'
        WHEN alder_kod LIKE '%-' THEN rtrim(alder_kod, '-') || '+'
        ELSE alder_kod
    END)::VARCHAR AS aldersgrupp,
    titel::VARCHAR AS titel,
    definition::VARCHAR AS definition,
    npo::VARCHAR AS npo,
    (CASE enhetstyp
        WHEN 'Andel' THEN 'andel'
        WHEN 'Dagar' THEN 'dagar'
        WHEN 'Median' THEN 'median'
        WHEN 'Antal' THEN 'antal'
        WHEN 'Medelvärde' THEN 'medelvarde'
    END)::VARCHAR AS enhetstyp,
    (CASE onskat_varde WHEN 'Högt' THEN 'hogt' WHEN 'Lågt' THEN 'lagt' END)::VARCHAR AS onskad_riktning,
    malvarde::DOUBLE AS malvarde,
    matttyp::VARCHAR AS matttyp,
    matfrekvens::VARCHAR AS matfrekvens,
    organisationsniva::VARCHAR AS organisationsniva,
    matkalla::VARCHAR AS kalla,
    status::VARCHAR AS status,
    giltig_fran::DATE AS giltig_fran,
    version::INTEGER AS version
FROM raw_vis__katalog
QUALIFY row_number() OVER (PARTITION BY matt_id ORDER BY kalla_inlast DESC, kalla_sha256) = 1
ORDER BY coalesce(huvudmatt_id, matt_id), huvudmatt_id NULLS FIRST, kon, aldersgrupp
