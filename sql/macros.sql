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
