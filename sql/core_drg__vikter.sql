-- core_drg__vikter: NordDRG weight lists, one row per year × DRG.
-- Grain: (ar, drg). drg is upper case; a purely numeric code that Excel shortened ('14') gets its
-- leading zeros back ('014'); mdc is two digits ('5' → '05'). kostnadsgrans (SEK, the cost limit
-- between innerfall and ytterfall) is NULL where the list does not supply one.
-- When a later delivered file holds the same year × DRG (Socialstyrelsen corrects published lists),
-- the most recently ingested file wins; files ingested together are ordered by name, then row.
WITH normalised AS (
    SELECT
        ar::INTEGER AS ar,
        drg_kod(drg) AS drg,
        trim(drg_text) AS drg_text,
        lpad(trim(mdc), 2, '0') AS mdc,
        vardform,
        vikt::DOUBLE AS vikt,
        kostnadsgrans::DOUBLE AS kostnadsgrans,
        kalla_fil,
        kalla_rad::BIGINT AS kalla_rad,
        kalla_inlast
    FROM raw_drg__vikter
)
SELECT ar, drg, drg_text, mdc, vardform, vikt, kostnadsgrans, kalla_fil, kalla_rad
FROM normalised
QUALIFY row_number() OVER (
    PARTITION BY ar, drg ORDER BY kalla_inlast DESC, kalla_fil DESC, kalla_rad DESC
) = 1
ORDER BY ar, drg
