-- core_kpp__kontakter: the region's KPP contacts, one row per vårdkontakt.
-- Grain: (vardkontakt_id). region_kod is the configured county ($lan): an extract does not name
-- its region, the pipeline's configuration does. huvuddiagnos is stored without the dot and in
-- upper case (I21.4 → I214); drg as in core_drg__vikter (upper case, '14' → '014').
-- Re-deliveries: when a later file holds a vardkontakt_id again (a corrected or re-run extract),
-- the most recently ingested file wins; files ingested together are ordered by name, then line.
-- kalla_fil and kalla_rad trace each row to the delivered file and its line (record).
-- Row order: none is stored. The contract numbers rows (1-based, in its messages) by the suite's
-- meta.row_order: ar, manad, vardkontakt_id, then kalla_fil and kalla_rad. Sorting the stored table
-- instead cost the ingest 0,36 GB of its peak memory and a fifth of the core step (issue 11).
--
-- How (issue 11, speed): a file's ids are unique (the reader's rule, sources/kpp.py), so an id can
-- only repeat across files, and only inside the intersection of two files' id ranges (min..max).
-- Only those rows are ranked per id; the common case (one file, or files of disjoint ids) ranks
-- none, and a corrected month ranks that month's ids, instead of a window over every row.
WITH delivery AS (  -- one delivered file's rows in the raw table, and its range of ids
    SELECT kalla_fil, kalla_sha256, kalla_inlast, min(vardkontakt_id) AS forsta_id, max(vardkontakt_id) AS sista_id
    FROM raw_kpp__kontakter
    GROUP BY ALL
),
overlapping AS (  -- where a file's id range meets another file's: only ids in there can repeat
    SELECT a.kalla_fil, a.kalla_sha256, a.kalla_inlast,
        greatest(a.forsta_id, b.forsta_id) AS forsta_id, least(a.sista_id, b.sista_id) AS sista_id
    FROM delivery AS a
    JOIN delivery AS b ON a.forsta_id <= b.sista_id AND b.forsta_id <= a.sista_id
    WHERE (a.kalla_fil, a.kalla_sha256, a.kalla_inlast) IS DISTINCT FROM (b.kalla_fil, b.kalla_sha256, b.kalla_inlast)
),
superseded AS (  -- rows a later delivery of the same id replaces
    SELECT r.rowid AS rad_id
    FROM raw_kpp__kontakter AS r
    SEMI JOIN overlapping AS o
        ON r.kalla_fil IS NOT DISTINCT FROM o.kalla_fil
        AND r.kalla_sha256 IS NOT DISTINCT FROM o.kalla_sha256
        AND r.kalla_inlast IS NOT DISTINCT FROM o.kalla_inlast
        AND r.vardkontakt_id BETWEEN o.forsta_id AND o.sista_id
    QUALIFY row_number() OVER (
        PARTITION BY r.vardkontakt_id ORDER BY r.kalla_inlast DESC, r.kalla_fil DESC, r.kalla_rad DESC
    ) > 1
),
kept AS (
    SELECT * FROM raw_kpp__kontakter AS r ANTI JOIN superseded AS s ON r.rowid = s.rad_id
)
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
    kalla_rad::BIGINT AS kalla_rad
FROM kept
