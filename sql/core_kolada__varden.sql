-- core_kolada__varden: Kolada key figures (API v3) per nyckeltal × region × år × kön.
-- Grain: (kpi, region_kod, ar, kon). region_kod is SCB's code ('00' riket, two digits län, four
-- digits kommun), mapped from Kolada's unit id on ingest (pipelines/sources/kolada.py,
-- scb_region_kod: '0000' → '00', '0025' → '25'). kon: 'alla' totalt (Kolada's 'T'), 'K' kvinnor, 'M' män.
-- varde is NULL where Kolada publishes no value; status then says why.
-- When several files deliver the same value, the most recently ingested file wins — including when
-- it marks the value as deleted (isdeleted): then the value is dropped, even if an older file had it.
WITH senaste AS (
    SELECT *
    FROM raw_kolada__varden
    QUALIFY row_number() OVER (
        PARTITION BY kpi, region_kod, ar, kon ORDER BY kalla_inlast DESC, kalla_sha256
    ) = 1
)
SELECT
    kpi::VARCHAR AS kpi,
    region_kod::VARCHAR AS region_kod,
    ar::INTEGER AS ar,
    kon_kod(kon)::VARCHAR AS kon,
    varde::DOUBLE AS varde,
    status::VARCHAR AS status
FROM senaste
WHERE NOT borttagen
ORDER BY kpi, region_kod, ar, kon
