-- core_kpp__kontakter: the region's KPP contacts, one row per vårdkontakt.
-- Grain: (vardkontakt_id). region_kod is the configured county ($lan): an extract does not name
-- its region, the pipeline's configuration does. huvuddiagnos is stored without the dot and in
-- upper case (I21.4 → I214); drg as in core_drg__vikter (upper case, '14' → '014').
-- Re-deliveries: when a later file holds a vardkontakt_id again (a corrected or re-run extract),
-- the most recently ingested file wins; files ingested together are ordered by name, then line.
-- kalla_fil and kalla_rad trace each row to the delivered file and its line (record).
WITH normalised AS (
    SELECT
        $lan::VARCHAR AS region_kod,
        vardkontakt_id,
        patient_id,
        ar::INTEGER AS ar,
        manad::INTEGER AS manad,
        upper(sjukhus) AS sjukhus,
        klinik,
        vardform,
        vardtyp,
        kon,
        alder::INTEGER AS alder,
        upper(replace(huvuddiagnos, '.', '')) AS huvuddiagnos,
        drg_kod(drg) AS drg,
        vardtid_dagar::INTEGER AS vardtid_dagar,
        kostnad::DOUBLE AS kostnad,
        kalla_fil,
        kalla_rad::BIGINT AS kalla_rad,
        kalla_inlast
    FROM raw_kpp__kontakter
)
SELECT
    region_kod, vardkontakt_id, patient_id, ar, manad, sjukhus, klinik, vardform, vardtyp, kon, alder,
    huvuddiagnos, drg, vardtid_dagar, kostnad, kalla_fil, kalla_rad
FROM normalised
QUALIFY row_number() OVER (
    PARTITION BY vardkontakt_id ORDER BY kalla_inlast DESC, kalla_fil DESC, kalla_rad DESC
) = 1
ORDER BY ar, manad, vardkontakt_id
