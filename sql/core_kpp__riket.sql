-- core_kpp__riket: the national KPP database's comparison aggregates as delivered to the region.
-- Grain: (ar, drg, vardform, aldersgrupp, kon, jamforelsegrupp). jamforelsegrupp is 'riket',
-- 'lanssjukhus', 'lansdelssjukhus' or a two-digit län code (a named region, e.g. '24').
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
        jamforelsegrupp,
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
    ar, drg, vardform, aldersgrupp, kon, jamforelsegrupp, antal_kontakter, antal_ytterfall, kostnad,
    kostnad_ytterfall, drg_poang, kalla_fil, kalla_rad
FROM normalised
QUALIFY row_number() OVER (
    PARTITION BY ar, drg, vardform, aldersgrupp, kon, jamforelsegrupp
    ORDER BY kalla_inlast DESC, kalla_fil DESC, kalla_rad DESC
) = 1
ORDER BY ar, drg, vardform, aldersgrupp, kon, jamforelsegrupp
