-- core_kpp__riket: the national KPP database's comparison aggregates as delivered to the region.
-- Grain: (ar, drg, vardform, aldersgrupp, kon, region_kod, jamforelsegrupp). The delivered column
-- jamforelsegrupp ('riket', 'lanssjukhus', 'lansdelssjukhus' or a two-digit län code) is split in two:
-- region_kod is the area the cell covers ('00' riket, or the named region's län code, e.g. '24') and
-- jamforelsegrupp the hospitals it covers: 'alla', or KPP's groups 'lanssjukhus' / 'lansdelssjukhus'
-- (all of Sweden's hospitals of that type, region_kod '00').
-- Counts and costs are inner- plus ytterfall; antal_ytterfall/kostnad_ytterfall are the ytterfall
-- part. drg_poang = the summed DRG weights of the cell's contacts. drg as in core_drg__vikter.
-- A later delivery of the same cell (a corrected year) replaces the earlier one: the most recently
-- ingested file wins; files ingested together are ordered by name, then line.
WITH normalised AS (
    SELECT
        ar::INTEGER AS ar,
        drg_kod(drg) AS drg,
        vardform,
        aldersgrupp,
        kon,
        (CASE WHEN jamforelsegrupp IN ('riket', 'lanssjukhus', 'lansdelssjukhus') THEN '00'
              ELSE jamforelsegrupp END)::VARCHAR AS region_kod,
        (CASE WHEN jamforelsegrupp IN ('lanssjukhus', 'lansdelssjukhus') THEN jamforelsegrupp
              ELSE 'alla' END)::VARCHAR AS jamforelsegrupp,
        antal_kontakter::BIGINT AS antal_kontakter,
        antal_ytterfall::BIGINT AS antal_ytterfall,
        kostnad::DOUBLE AS kostnad,
        kostnad_ytterfall::DOUBLE AS kostnad_ytterfall,
        drg_poang::DOUBLE AS drg_poang,
        kalla_fil,
        kalla_rad::BIGINT AS kalla_rad,
        kalla_inlast
    FROM raw_kpp__riket
)
SELECT
    ar, drg, vardform, aldersgrupp, kon, region_kod, jamforelsegrupp, antal_kontakter, antal_ytterfall, kostnad,
    kostnad_ytterfall, drg_poang, kalla_fil, kalla_rad
FROM normalised
QUALIFY row_number() OVER (
    PARTITION BY ar, drg, vardform, aldersgrupp, kon, region_kod, jamforelsegrupp
    ORDER BY kalla_inlast DESC, kalla_fil DESC, kalla_rad DESC
) = 1
ORDER BY ar, drg, vardform, aldersgrupp, kon, region_kod, jamforelsegrupp
