-- out_kpp__cancer: KPP cost of cancer care (uppdrag "Cancerrapport", 000:273–283): contacts with a main
-- diagnosis in ICD-10 chapter II (Tumörer, C00–D48), per year, kön and where the care was given.
-- Grain: (ar, kon, sjukhus, vardform); 'alla' = all. antal_individer counts distinct patients (a patient
-- counts once per cell); vardtid_dagar sums slutenvård days; andel_av_total_kostnad: cancer's share of
-- all KPP cost in the same cell.
WITH k AS (
    SELECT *, diagnoskapitel = 'II' AS cancer FROM out_kpp__kontakter
)
SELECT
    ar::INTEGER AS ar, coalesce(kon, 'alla') AS kon, coalesce(sjukhus, 'alla') AS sjukhus,
    coalesce(vardform, 'alla') AS vardform,
    count(*) FILTER (WHERE cancer)::BIGINT AS antal_kontakter,
    count(DISTINCT patient_id) FILTER (WHERE cancer)::BIGINT AS antal_individer,
    coalesce(sum(vardtid_dagar) FILTER (WHERE cancer), 0)::BIGINT AS vardtid_dagar,
    coalesce(sum(kostnad_kr) FILTER (WHERE cancer), 0)::DOUBLE AS kostnad_kr,
    (coalesce(sum(kostnad_kr) FILTER (WHERE cancer), 0) / nullif(sum(kostnad_kr), 0))::DOUBLE AS andel_av_total_kostnad
FROM k
GROUP BY CUBE (kon, sjukhus, vardform), ar
ORDER BY ar, kon, sjukhus, vardform
