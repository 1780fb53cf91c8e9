-- core_scb__befolkning_manad: SCB population at the end of each month (BefolkManadCKM, from 2025),
-- one row per region × år × månad × ålder × kön.
-- Grain: (region_kod, ar, manad, alder, kon). manad 1–12; alder 100 means "100 år eller äldre";
-- kon 'K' kvinnor, 'M' män (SCB's 2 and 1, mapped by kon_kod).
-- The table is perturbed by SCB's cell-key method. Its totals (age 'tot'/'TOT1', kön 'tot') were
-- checked against their parts on ingest within the CKM tolerance and are dropped here, as are the
-- five- and ten-year age bands; nothing is summed. When two delivered files hold the same cell,
-- the most recently ingested file wins. This table is never added to core_scb__befolkning: the
-- yearly table takes 31 December from TAB638/BefolkningCKM only.
SELECT
    region_kod::VARCHAR AS region_kod,
    ar::INTEGER AS ar,
    manad::INTEGER AS manad,
    (CASE WHEN alder_kod = '100+' THEN 100 ELSE alder_kod::INTEGER END)::INTEGER AS alder,
    kon_kod(kon)::VARCHAR AS kon,
    folkmangd::BIGINT AS folkmangd
FROM raw_scb__befolkning_manad
WHERE kon IN ('1', '2')
  AND (alder_kod = '100+' OR regexp_full_match(alder_kod, '[0-9]{1,2}'))
QUALIFY row_number() OVER (
    PARTITION BY region_kod, ar, manad, alder_kod, kon ORDER BY kalla_inlast DESC, kalla_sha256
) = 1
ORDER BY region_kod, ar, manad, alder, kon
