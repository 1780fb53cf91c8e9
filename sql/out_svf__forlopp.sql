-- out_svf__forlopp: one row per SVF pathway of the county's patients, built from the events.
-- Grain: (patient_id, svf, forlopp_nr). A pathway starts at a "välgrundad misstanke" (xx10); the
-- patient's later events of the same SVF belong to it until the next xx10 (forlopp_nr counts them;
-- events before any xx10 are ignored). behandling_datum: the first start of treatment (xx50–xx59,
-- xx60 expektans, xx65 ingen behandling) on or after the start; avslut_datum: the first end before
-- treatment (xx70–xx78). utfall: 'behandling', 'avslutat_fore_behandling' or 'pagaende'.
-- ledtid_dagar: calendar days start → treatment (RCC's definition); max_ledtid_dagar from
-- core_svf__maxledtider for the SVF and treatment type; inom_maxledtid: ledtid ≤ max.
-- ar: the year of välgrundad misstanke — the year the pathway started, the basis the delivered aggregates
-- of the other regions and riket use too (a pathway started in December and treated in January counts
-- in the year it started). ar_komplett: that year is complete in the delivery (out_svf__leveransar).
WITH h AS (
    SELECT * FROM core_svf__handelser WHERE region_kod = $lan
),
numrerad AS (
    SELECT
        *,
        sum(CASE WHEN handelsetyp = 'valgrundad_misstanke' THEN 1 ELSE 0 END)
            OVER (PARTITION BY patient_id, svf ORDER BY datum, handelsekod ROWS UNBOUNDED PRECEDING) AS forlopp_nr
    FROM h
),
forlopp AS (
    SELECT
        patient_id, svf, forlopp_nr,
        min(datum) FILTER (WHERE handelsetyp = 'valgrundad_misstanke') AS start_datum,
        min(datum) FILTER (WHERE handelsetyp = 'behandlingsstart') AS behandling_datum,
        arg_min(behandlingstyp, datum) FILTER (WHERE handelsetyp = 'behandlingsstart') AS behandlingstyp,
        min(datum) FILTER (WHERE handelsetyp = 'avslut') AS avslut_datum,
        arg_min(kon, datum) AS kon,
        arg_min(alder, datum) AS alder,
        arg_min(kommun_kod, datum) AS kommun_kod,
        arg_min(sjukhus, datum) FILTER (WHERE handelsetyp = 'valgrundad_misstanke') AS sjukhus
    FROM numrerad
    WHERE forlopp_nr >= 1
    GROUP BY patient_id, svf, forlopp_nr
),
klassad AS (
    SELECT
        f.*,
        CASE
            WHEN behandling_datum IS NOT NULL AND (avslut_datum IS NULL OR behandling_datum <= avslut_datum)
                THEN 'behandling'
            WHEN avslut_datum IS NOT NULL THEN 'avslutat_fore_behandling'
            ELSE 'pagaende'
        END AS utfall
    FROM forlopp AS f
)
SELECT
    k.patient_id, k.svf, k.forlopp_nr::INTEGER AS forlopp_nr, k.kon, k.alder::INTEGER AS alder, k.kommun_kod,
    k.sjukhus, k.start_datum, k.behandling_datum, k.behandlingstyp, k.avslut_datum, k.utfall,
    CASE WHEN k.utfall = 'behandling' THEN date_diff('day', k.start_datum, k.behandling_datum) END::INTEGER
        AS ledtid_dagar,
    m.max_ledtid_dagar::INTEGER AS max_ledtid_dagar,
    CASE WHEN k.utfall = 'behandling' THEN date_diff('day', k.start_datum, k.behandling_datum) <= m.max_ledtid_dagar
    END AS inom_maxledtid,
    year(k.start_datum)::INTEGER AS ar,
    coalesce(a.ar_komplett, false) AS ar_komplett
FROM klassad AS k
LEFT JOIN out_svf__leveransar AS a ON a.ar = year(k.start_datum)
LEFT JOIN core_svf__maxledtider AS m
    ON m.svf = k.svf AND m.behandlingstyp = k.behandlingstyp AND k.utfall = 'behandling'
WHERE k.start_datum IS NOT NULL
ORDER BY k.svf, k.patient_id, k.forlopp_nr
