-- core_svf__handelser: patient-level SVF events (KVÅ chapter V codes), one row per event.
-- Grain: (patient_id, kva_kod, datum). patient_id is the delivered pseudonym. svf is the code's
-- three-character prefix (V + area letter + SVF digit, e.g. VC0 lungcancer) and handelsekod its last
-- two digits; handelsetyp: valgrundad_misstanke (xx10, the pathway's start), behandlingsstart
-- (xx50–xx59, and xx60 expektans / xx65 ingen behandling, which count as a start of treatment),
-- avslut (xx70–xx78, ended before treatment), remissbeslut, diagnostik, forsta_besok, mdk,
-- diagnosbesked, behandlingsbeslut, overflyttad (xx90), mottagen (xx91). behandlingstyp is set on
-- starts only and matches core_svf__maxledtider. region_kod is the patient's county; sjukhus the
-- Norrbotten unit that registered the event (NULL: outside the county or not delivered).
-- A per-pathway lead time (xx10 → first start) is an analysis table, not core.
-- When several delivered files hold the same event, the most recently ingested one wins.
SELECT
    patient_id::VARCHAR AS patient_id,
    kon::VARCHAR AS kon,
    alder::INTEGER AS alder,
    kommun_kod::VARCHAR AS kommun_kod,
    region_kod::VARCHAR AS region_kod,
    sjukhus::VARCHAR AS sjukhus,
    left(kva_kod, 3)::VARCHAR AS svf,
    right(kva_kod, 2)::VARCHAR AS handelsekod,
    kva_kod::VARCHAR AS kva_kod,
    datum::DATE AS datum,
    year(datum)::INTEGER AS ar,
    (CASE right(kva_kod, 2)
        WHEN '05' THEN 'remissbeslut'
        WHEN '10' THEN 'valgrundad_misstanke'
        WHEN '22' THEN 'diagnostik'
        WHEN '25' THEN 'forsta_besok'
        WHEN '35' THEN 'mdk'
        WHEN '40' THEN 'diagnosbesked'
        WHEN '44' THEN 'behandlingsbeslut'
        WHEN '90' THEN 'overflyttad'
        WHEN '91' THEN 'mottagen'
        ELSE CASE
            WHEN right(kva_kod, 2) IN ('50', '52', '54', '58', '59', '60', '65') THEN 'behandlingsstart'
            WHEN right(kva_kod, 2) IN ('70', '72', '73', '74', '76', '78') THEN 'avslut'
        END
    END)::VARCHAR AS handelsetyp,
    (CASE right(kva_kod, 2)
        WHEN '50' THEN 'kirurgi'
        WHEN '52' THEN 'lakemedel'
        WHEN '54' THEN 'stralbehandling'
        WHEN '58' THEN 'palliativ'
        WHEN '59' THEN 'annan'
        WHEN '60' THEN 'expektans'
        WHEN '65' THEN 'ingen_behandling'
    END)::VARCHAR AS behandlingstyp
FROM raw_svf__handelser
QUALIFY row_number() OVER (
    PARTITION BY patient_id, kva_kod, datum ORDER BY kalla_inlast DESC, kalla_sha256, kalla_rad
) = 1
ORDER BY patient_id, datum, kva_kod
