-- core_ref__vardforlopp_indikator: the Vården i siffror indicators that measure each new vårdförlopp.
-- Grain: (forlopp_kod, indikator_titel). indikator_titel: the main measure's title in the catalogue
-- (core_vis__katalog, matched case-insensitively). A pathway without a row has no such indicator.
-- Loaded from pipelines/reference.py (VARDFORLOPP_INDIKATORER, with the rule for choosing them).
SELECT forlopp_kod, indikator_titel FROM ref_vardforlopp_indikator ORDER BY forlopp_kod, indikator_titel
