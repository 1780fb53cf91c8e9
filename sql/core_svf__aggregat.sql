-- core_svf__aggregat: SVF lead times per SVF × region × period, as delivered in aggregate.
-- Grain: (svf, region_kod, period_start, period_slut). region_kod '00' is riket. antal: patients who
-- started a first treatment; antal_inom_maxledtid: of those, started within the SVF's maximum lead
-- time; andel_inom_maxledtid = antal_inom_maxledtid / antal (the national target is 0.8);
-- median_ledtid in calendar days from välgrundad misstanke. Cells with fewer than five patients are
-- delivered suppressed ("<5"): undertryckt = true and the counts, share and median are NULL — never
-- imputed. periodtyp: ar | halvar | kvartal | manad. The most recently ingested file wins.
SELECT
    svf::VARCHAR AS svf,
    region_kod::VARCHAR AS region_kod,
    period::VARCHAR AS period,
    period_start::DATE AS period_start,
    period_slut::DATE AS period_slut,
    periodtyp(period_start, period_slut)::VARCHAR AS periodtyp,
    year(period_start)::INTEGER AS ar,
    antal::INTEGER AS antal,
    antal_inom_maxledtid::INTEGER AS antal_inom_maxledtid,
    (CASE WHEN antal > 0 THEN antal_inom_maxledtid / antal END)::DOUBLE AS andel_inom_maxledtid,
    median_ledtid::DOUBLE AS median_ledtid,
    undertryckt::BOOLEAN AS undertryckt
FROM raw_svf__aggregat
QUALIFY row_number() OVER (
    PARTITION BY svf, region_kod, period_start, period_slut ORDER BY kalla_inlast DESC, kalla_sha256
) = 1
ORDER BY svf, region_kod, period_start, period_slut
