-- core_svf__maxledtider: the maximum lead time per cancer SVF and treatment type, and the national
-- target share of patients to start treatment within it.
-- Grain: (svf, behandlingstyp). svf is the SVF's three-character KVÅ prefix (VC0 lungcancer, VG9
-- bröstcancer …); behandlingstyp follows the start event codes: kirurgi (xx50), lakemedel (xx52),
-- stralbehandling (xx54), palliativ (xx58), annan (xx59), expektans (xx60), ingen_behandling (xx65).
-- max_ledtid_dagar: calendar days from välgrundad misstanke (xx10) to start of first treatment, from
-- RCC Kunskapsbanken "Ledtider för nationell uppföljning". nationellt_mal: the share of patients that
-- should start within it (the government's target, 0.8). The most recently ingested file wins.
SELECT
    svf::VARCHAR AS svf,
    vardforlopp::VARCHAR AS svf_namn,
    behandlingstyp::VARCHAR AS behandlingstyp,
    max_ledtid_dagar::INTEGER AS max_ledtid_dagar,
    nationellt_mal::DOUBLE AS nationellt_mal
FROM raw_svf__maxledtider
QUALIFY row_number() OVER (PARTITION BY svf, behandlingstyp ORDER BY kalla_inlast DESC, kalla_sha256) = 1
ORDER BY svf, behandlingstyp
