-- Shared SQL macros: one definition of each code rule that more than one SQL file needs.
-- Installed on every warehouse connection (pipelines.warehouse.install_macros). Each macro is one
-- `CREATE OR REPLACE TEMP MACRO name(...) AS ...;` statement; a table's fingerprint includes the
-- definitions of the macros its SQL uses (directly or through another macro).
CREATE OR REPLACE TEMP MACRO aldersgrupp_65(alder) AS CASE WHEN alder < 65 THEN '0-64' ELSE '65+' END;
CREATE OR REPLACE TEMP MACRO aldersband_10(alder) AS
    CASE WHEN alder >= 90 THEN '90+'
         ELSE (floor(alder / 10) * 10)::INTEGER::VARCHAR || '-'
              || (floor(alder / 10) * 10 + 9)::INTEGER::VARCHAR END;
CREATE OR REPLACE TEMP MACRO icd10_kapitel(kod) AS
    CASE
        WHEN kod IS NULL OR NOT regexp_full_match(upper(kod), '[A-Z][0-9]{2}.*') THEN NULL
        WHEN upper(left(kod, 1)) IN ('A', 'B') THEN 'I'
        WHEN upper(left(kod, 1)) = 'C' OR upper(left(kod, 3)) BETWEEN 'D00' AND 'D48' THEN 'II'
        WHEN upper(left(kod, 1)) = 'D' THEN 'III'
        WHEN upper(left(kod, 1)) = 'E' THEN 'IV'
        WHEN upper(left(kod, 1)) = 'F' THEN 'V'
        WHEN upper(left(kod, 1)) = 'G' THEN 'VI'
        WHEN upper(left(kod, 3)) BETWEEN 'H00' AND 'H59' THEN 'VII'
        WHEN upper(left(kod, 1)) = 'H' THEN 'VIII'
        WHEN upper(left(kod, 1)) = 'I' THEN 'IX'
        WHEN upper(left(kod, 1)) = 'J' THEN 'X'
        WHEN upper(left(kod, 1)) = 'K' THEN 'XI'
        WHEN upper(left(kod, 1)) = 'L' THEN 'XII'
        WHEN upper(left(kod, 1)) = 'M' THEN 'XIII'
        WHEN upper(left(kod, 1)) = 'N' THEN 'XIV'
        WHEN upper(left(kod, 1)) = 'O' THEN 'XV'
        WHEN upper(left(kod, 1)) = 'P' THEN 'XVI'
        WHEN upper(left(kod, 1)) = 'Q' THEN 'XVII'
        WHEN upper(left(kod, 1)) = 'R' THEN 'XVIII'
        WHEN upper(left(kod, 1)) IN ('S', 'T') THEN 'XIX'
        WHEN upper(left(kod, 1)) IN ('V', 'W', 'X', 'Y') THEN 'XX'
        WHEN upper(left(kod, 1)) = 'Z' THEN 'XXI'
        WHEN upper(left(kod, 1)) = 'U' THEN 'XXII'
    END;
-- kön in the one vocabulary: 'K' kvinnor, 'M' män, 'alla' totalt. Maps every delivered coding: SCB and
-- VIS (gender.codeValue) 2 = kvinnor, 1 = män, 'tot'/'TotSa' totalt; Kolada 'K'/'M'/'T'; the VIS export's
-- Kvinnor/Män/Totalt. NULL (no sex given, e.g. a VIS main measure) is 'alla'; an unknown code is kept as delivered, so
-- that the table's contract (value set K/M/alla) names it.
CREATE OR REPLACE TEMP MACRO kon_kod(kod) AS
    CASE
        WHEN kod IS NULL THEN 'alla'
        WHEN trim(kod) IN ('2', 'K', 'Kvinnor') THEN 'K'
        WHEN trim(kod) IN ('1', 'M', 'Män') THEN 'M'
        WHEN trim(kod) IN ('T', 'tot', 'TotSa', 'Totalt', 'alla') THEN 'alla'
        ELSE kod
    END;
-- A DRG code as in the weight lists: upper case, and a purely numeric code that Excel shortened ('14')
-- gets its leading zeros back ('014').
CREATE OR REPLACE TEMP MACRO drg_kod(drg) AS
    CASE
        WHEN regexp_full_match(trim(drg), '[0-9]{1,2}') THEN lpad(trim(drg), 3, '0')
        ELSE upper(trim(drg))
    END;
-- The national KPP database's age bands: 0-17, 18-44, 45-64, 65-79, 80+.
CREATE OR REPLACE TEMP MACRO kpp_aldersgrupp(alder) AS
    CASE WHEN alder <= 17 THEN '0-17' WHEN alder <= 44 THEN '18-44' WHEN alder <= 64 THEN '45-64'
         WHEN alder <= 79 THEN '65-79' ELSE '80+' END;
-- A period's type from its first and last day: ar | halvar | kvartal | manad, else annan.
CREATE OR REPLACE TEMP MACRO periodtyp(period_start, period_slut) AS
    CASE date_diff('month', period_start::DATE, period_slut::DATE + 1)
        WHEN 12 THEN 'ar'
        WHEN 6 THEN 'halvar'
        WHEN 3 THEN 'kvartal'
        WHEN 1 THEN 'manad'
        ELSE 'annan'
    END;
-- Wilson score interval for the proportion taljare / namnare at a given z (e.g. a Bonferroni-corrected z_ovre(0.025 / m)); NULL when namnare ≤ 0.
CREATE OR REPLACE TEMP MACRO wilson_lag_z(taljare, namnare, z) AS
    CASE WHEN namnare > 0 THEN
        (taljare / namnare + z ^ 2 / (2 * namnare)
         - z * sqrt((taljare / namnare) * (1 - taljare / namnare) / namnare + z ^ 2 / (4 * namnare ^ 2)))
        / (1 + z ^ 2 / namnare)
    END;
CREATE OR REPLACE TEMP MACRO wilson_hog_z(taljare, namnare, z) AS
    CASE WHEN namnare > 0 THEN
        (taljare / namnare + z ^ 2 / (2 * namnare)
         + z * sqrt((taljare / namnare) * (1 - taljare / namnare) / namnare + z ^ 2 / (4 * namnare ^ 2)))
        / (1 + z ^ 2 / namnare)
    END;
-- The 95 % Wilson interval (z = 1,96), the one every proportion in the reports gets unless stated.
CREATE OR REPLACE TEMP MACRO wilson_lag(taljare, namnare) AS wilson_lag_z(taljare, namnare, 1.96);
CREATE OR REPLACE TEMP MACRO wilson_hog(taljare, namnare) AS wilson_hog_z(taljare, namnare, 1.96);
-- Direction of a change, a code the reports word ("ökade"/"minskade", reportlib.riktningsord):
-- 'okade' when forandring > 0, 'minskade' when below 0, 'oforandrad' at 0, NULL when it is NULL.
CREATE OR REPLACE TEMP MACRO riktning_forandring(forandring) AS
    CASE WHEN forandring > 0 THEN 'okade' WHEN forandring < 0 THEN 'minskade' WHEN forandring = 0 THEN 'oforandrad' END;
-- Direction of a comparison, a code the reports word ("högre"/"lägre", "ökade"/"minskade"): 'hogre' when
-- varde > jamforelse, 'lagre' when below, 'lika' when equal, NULL when either is missing.
CREATE OR REPLACE TEMP MACRO riktning(varde, jamforelse) AS
    CASE WHEN varde IS NULL OR jamforelse IS NULL THEN NULL
         WHEN varde > jamforelse THEN 'hogre' WHEN varde < jamforelse THEN 'lagre' ELSE 'lika' END;
-- Tumour group of an ICD-10 code (Cancerrapport): 'malign' C00–C97, 'in_situ' D00–D09 (together: cancer),
-- 'benign_osaker' D10–D48 (benign and of uncertain behaviour, shown apart); NULL for every other code.
CREATE OR REPLACE TEMP MACRO tumorgrupp(kod) AS
    CASE WHEN NOT coalesce(regexp_full_match(upper(kod), '[A-Z][0-9]{2}.*'), false) THEN NULL
         WHEN upper(left(kod, 3)) BETWEEN 'C00' AND 'C97' THEN 'malign'
         WHEN upper(left(kod, 3)) BETWEEN 'D00' AND 'D09' THEN 'in_situ'
         WHEN upper(left(kod, 3)) BETWEEN 'D10' AND 'D48' THEN 'benign_osaker' END;
-- Two-sided p-value of a standard normal test statistic z: erfc(|z| / √2) by Abramowitz & Stegun
-- 7.1.26 (absolute error below 1,5e-7); NULL when z is NULL.
CREATE OR REPLACE TEMP MACRO p_tvasidig(z) AS
    (1 / (1 + 0.3275911 * abs(z) / sqrt(2))) * (0.254829592 + (1 / (1 + 0.3275911 * abs(z) / sqrt(2)))
        * (-0.284496736 + (1 / (1 + 0.3275911 * abs(z) / sqrt(2))) * (1.421413741
        + (1 / (1 + 0.3275911 * abs(z) / sqrt(2))) * (-1.453152027 + (1 / (1 + 0.3275911 * abs(z) / sqrt(2)))
        * 1.061405429)))) * exp(-(z * z) / 2);
-- Two-sided p-value of the difference a − b of two independent estimates with standard errors se_a and
-- se_b (normal test); NULL when either value or both errors are missing or the errors are both 0.
CREATE OR REPLACE TEMP MACRO p_skillnad(a, b, se_a, se_b) AS
    p_tvasidig((a - b) / nullif(sqrt(se_a ^ 2 + se_b ^ 2), 0));
-- How a Vården i siffror indicator gets its 95 % interval and test (from the catalog's unit type and
-- title): 'wilson' simple proportions (taljare/namnare); 'poisson' rates per 1 000 invånare
-- (count = value × matpopulation / 1 000); 'levererat' everything else — relative survival, means,
-- medians, days, counts — which is tested only where the delivered interval exists.
CREATE OR REPLACE TEMP MACRO vis_testmetod(enhetstyp, titel, definition) AS
    CASE
        WHEN enhetstyp = 'andel' AND (lower(titel) LIKE '%relativ%överlevnad%'
                                      OR lower(coalesce(definition, '')) LIKE '%relativ överlevnad%') THEN 'levererat'
        WHEN enhetstyp = 'andel' THEN 'wilson'
        WHEN enhetstyp = 'antal' AND lower(titel) LIKE '%per 1 000 invånare%' THEN 'poisson'
        ELSE 'levererat'
    END;
-- What a Vården i siffror test needs per cell, by vis_testmetod (one definition for out_vis__jamforelse
-- and out_vis__gap_geografi): the weight n, the count x (wilson: taljare; poisson: varde × population /
-- 1 000), the 95 % interval (Wilson; Poisson normal approximation; the delivered one) and the standard
-- error (binomial; Poisson; the delivered interval's half-width / 1,96).
CREATE OR REPLACE TEMP MACRO vis_n(testmetod, namnare, matpopulation) AS
    (CASE WHEN testmetod = 'wilson' THEN namnare WHEN testmetod = 'poisson' THEN matpopulation
          ELSE coalesce(namnare, matpopulation) END)::DOUBLE;
CREATE OR REPLACE TEMP MACRO vis_x(testmetod, taljare, varde, matpopulation) AS
    (CASE WHEN testmetod = 'wilson' THEN taljare WHEN testmetod = 'poisson' THEN varde * matpopulation / 1000 END)::DOUBLE;
CREATE OR REPLACE TEMP MACRO vis_ki_lag(testmetod, varde, taljare, namnare, matpopulation, levererad) AS
    CASE
        WHEN testmetod = 'wilson' AND varde IS NOT NULL AND namnare > 0 THEN wilson_lag(taljare, namnare)
        WHEN testmetod = 'poisson' AND matpopulation > 0 THEN varde - 1.96 * sqrt(1000 * varde / matpopulation)
        WHEN testmetod = 'levererat' THEN levererad
    END;
CREATE OR REPLACE TEMP MACRO vis_ki_hog(testmetod, varde, taljare, namnare, matpopulation, levererad) AS
    CASE
        WHEN testmetod = 'wilson' AND varde IS NOT NULL AND namnare > 0 THEN wilson_hog(taljare, namnare)
        WHEN testmetod = 'poisson' AND matpopulation > 0 THEN varde + 1.96 * sqrt(1000 * varde / matpopulation)
        WHEN testmetod = 'levererat' THEN levererad
    END;
CREATE OR REPLACE TEMP MACRO vis_se(testmetod, andel, varde, namnare, matpopulation, ki_lag, ki_hog) AS
    CASE
        WHEN testmetod = 'wilson' AND namnare > 0 THEN sqrt(andel * (1 - andel) / namnare)
        WHEN testmetod = 'poisson' AND matpopulation > 0 THEN sqrt(1000 * varde / matpopulation)
        WHEN testmetod = 'levererat' THEN (ki_hog - ki_lag) / (2 * 1.96)
    END;
-- z_ovre(p): the standard normal quantile with upper-tail probability p (0 < p ≤ 0,5), by Abramowitz &
-- Stegun 26.2.23 (absolute error < 4,5e-4): z_ovre(0.025) ≈ 1,96; z_ovre(0.025 / m) is the two-sided
-- Bonferroni-corrected critical value for m comparisons at 5 %.
CREATE OR REPLACE TEMP MACRO z_ovre(p) AS
    sqrt(-2 * ln(p)) - (2.515517 + 0.802853 * sqrt(-2 * ln(p)) + 0.010328 * (-2 * ln(p)))
        / (1 + 1.432788 * sqrt(-2 * ln(p)) + 0.189269 * (-2 * ln(p)) + 0.001308 * pow(sqrt(-2 * ln(p)), 3));
