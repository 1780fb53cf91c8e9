-- out_svf__leveransar: which years of välgrundad misstanke the county's patient-level SVF delivery
-- covers in full. Grain: ar (a year with at least one välgrundad misstanke, xx10, of a $lan patient).
--   forsta_start_datum / sista_start_datum: the year's first and last välgrundad misstanke;
--   sista_handelse_datum: the last event of any kind the delivery holds; uppfoljning_till_datum:
--   31 December of the year plus the longest maximum lead time (core_svf__maxledtider) — by then every
--   pathway started that year has had its full maximum lead time to reach a treatment start.
--   ar_komplett: the year has starts in January and in December and the delivery reaches
--   uppfoljning_till_datum. An incomplete year is not published (out_svf__ledtider): its share within
--   the maximum lead time would count only the pathways quick enough to have been seen.
WITH h AS (
    SELECT * FROM core_svf__handelser WHERE region_kod = $lan
),
starter AS (
    SELECT year(datum) AS ar, min(datum) AS forsta_start, max(datum) AS sista_start
    FROM h WHERE handelsetyp = 'valgrundad_misstanke'
    GROUP BY ALL
),
langst AS (
    SELECT coalesce(max(max_ledtid_dagar), 0) AS dagar FROM core_svf__maxledtider
),
slut AS (
    SELECT max(datum) AS sista_handelse FROM h
)
SELECT
    s.ar::INTEGER AS ar,
    s.forsta_start AS forsta_start_datum,
    s.sista_start AS sista_start_datum,
    e.sista_handelse AS sista_handelse_datum,
    (make_date(s.ar, 12, 31) + l.dagar)::DATE AS uppfoljning_till_datum,
    (month(s.forsta_start) = 1 AND month(s.sista_start) = 12
        AND e.sista_handelse >= make_date(s.ar, 12, 31) + l.dagar) AS ar_komplett
FROM starter AS s
CROSS JOIN langst AS l
CROSS JOIN slut AS e
ORDER BY s.ar
