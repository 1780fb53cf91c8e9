-- out_kpp__demografi_klinik: the plan's demographic cost method (000:311–315), per klinik × diagnoskapitel.
-- Grain: (vardtyp, sjukhus, klinik, diagnoskapitel); 'alla' in diagnoskapitel = the klinik's total, and
-- 'alla' in every key column = the whole county (rows the method's sums, never re-classified).
-- Between $demografi_basar and $demografi_malar, contacts (vårdkontakter) aged 65+ and 0–64 are compared:
--   fall 'bada_okar'        both groups have more contacts: the cost change counts as demographic —
--                           the klinik's total change, or only 65+'s, by $demografi_bada_okar ('total'|'65+');
--   fall '65_okar_064_minskar' 65+ rises, 0–64 falls: the 0–64 cost decrease is netted from 65+'s change,
--                           demografisk = Δkostnad 65+ − |Δkostnad 0–64| when 0–64's cost fell (else Δ 65+);
--   fall 'ovrigt'           anything else (the plan says nothing): $demografi_ovriga_fall = 'noll' → 0.
-- rang_kostnadsforandring: 1 = the largest absolute total cost change among the klinik × kapitel rows
-- (the plan summarises "huvuddiagnoskapitlen med störst kostnadsförändring").
WITH k AS (
    SELECT vardtyp, sjukhus, klinik, coalesce(diagnoskapitel, 'okant') AS diagnoskapitel, ar, aldersgrupp,
           kostnad_kr AS kostnad
    FROM out_kpp__kontakter
    WHERE ar IN ($demografi_basar, $demografi_malar)
),
celler AS (
    SELECT
        vardtyp, sjukhus, klinik, diagnoskapitel,
        count(*) FILTER (WHERE ar = $demografi_basar AND aldersgrupp = '0-64') AS kontakter_0_64_bas,
        count(*) FILTER (WHERE ar = $demografi_malar AND aldersgrupp = '0-64') AS kontakter_0_64_mal,
        count(*) FILTER (WHERE ar = $demografi_basar AND aldersgrupp = '65+') AS kontakter_65_bas,
        count(*) FILTER (WHERE ar = $demografi_malar AND aldersgrupp = '65+') AS kontakter_65_mal,
        coalesce(sum(kostnad) FILTER (WHERE ar = $demografi_basar AND aldersgrupp = '0-64'), 0) AS kostnad_0_64_bas,
        coalesce(sum(kostnad) FILTER (WHERE ar = $demografi_malar AND aldersgrupp = '0-64'), 0) AS kostnad_0_64_mal,
        coalesce(sum(kostnad) FILTER (WHERE ar = $demografi_basar AND aldersgrupp = '65+'), 0) AS kostnad_65_bas,
        coalesce(sum(kostnad) FILTER (WHERE ar = $demografi_malar AND aldersgrupp = '65+'), 0) AS kostnad_65_mal
    FROM k
    GROUP BY ALL
),
klassad AS (
    SELECT
        *,
        kostnad_0_64_mal - kostnad_0_64_bas AS forandring_kostnad_0_64,
        kostnad_65_mal - kostnad_65_bas AS forandring_kostnad_65,
        CASE
            WHEN kontakter_65_mal > kontakter_65_bas AND kontakter_0_64_mal > kontakter_0_64_bas THEN 'bada_okar'
            WHEN kontakter_65_mal > kontakter_65_bas AND kontakter_0_64_mal < kontakter_0_64_bas
                THEN '65_okar_064_minskar'
            ELSE 'ovrigt'
        END AS fall
    FROM celler
),
demografisk AS (
    SELECT
        *,
        forandring_kostnad_0_64 + forandring_kostnad_65 AS forandring_kostnad_total,
        CASE fall
            WHEN 'bada_okar' THEN
                CASE $demografi_bada_okar WHEN '65+' THEN forandring_kostnad_65
                     ELSE forandring_kostnad_0_64 + forandring_kostnad_65 END
            WHEN '65_okar_064_minskar' THEN forandring_kostnad_65 + least(forandring_kostnad_0_64, 0)
            ELSE CASE $demografi_ovriga_fall WHEN 'noll' THEN 0 END
        END AS demografisk_kostnad
    FROM klassad
),
summerad AS (
    SELECT
        coalesce(vardtyp, 'alla') AS vardtyp, coalesce(sjukhus, 'alla') AS sjukhus,
        coalesce(klinik, 'alla') AS klinik, coalesce(diagnoskapitel, 'alla') AS diagnoskapitel,
        sum(kontakter_0_64_bas) AS kontakter_0_64_bas, sum(kontakter_0_64_mal) AS kontakter_0_64_mal,
        sum(kontakter_65_bas) AS kontakter_65_bas, sum(kontakter_65_mal) AS kontakter_65_mal,
        sum(kostnad_0_64_bas + kostnad_65_bas) AS kostnad_bas,
        sum(kostnad_0_64_mal + kostnad_65_mal) AS kostnad_mal,
        sum(forandring_kostnad_0_64) AS forandring_kostnad_0_64,
        sum(forandring_kostnad_65) AS forandring_kostnad_65,
        sum(forandring_kostnad_total) AS forandring_kostnad_total,
        sum(demografisk_kostnad) AS demografisk_kostnad,
        CASE WHEN GROUPING(diagnoskapitel) = 0 THEN any_value(fall) END AS fall
    FROM demografisk
    GROUP BY GROUPING SETS ((vardtyp, sjukhus, klinik, diagnoskapitel), (vardtyp, sjukhus, klinik), ())
)
SELECT
    $demografi_basar::INTEGER AS basar,
    $demografi_malar::INTEGER AS malar,
    vardtyp, sjukhus, klinik, diagnoskapitel,
    kontakter_0_64_bas::BIGINT AS antal_kontakter_0_64_bas, kontakter_0_64_mal::BIGINT AS antal_kontakter_0_64_mal,
    kontakter_65_bas::BIGINT AS antal_kontakter_65_bas, kontakter_65_mal::BIGINT AS antal_kontakter_65_mal,
    kostnad_bas::DOUBLE AS kostnad_bas_kr, kostnad_mal::DOUBLE AS kostnad_mal_kr,
    forandring_kostnad_0_64::DOUBLE AS forandring_kostnad_0_64_kr,
    forandring_kostnad_65::DOUBLE AS forandring_kostnad_65_kr,
    forandring_kostnad_total::DOUBLE AS forandring_kostnad_total_kr,
    fall,
    demografisk_kostnad::DOUBLE AS demografisk_kostnad_kr,
    CASE WHEN diagnoskapitel <> 'alla' THEN
        row_number() OVER (PARTITION BY diagnoskapitel = 'alla' ORDER BY abs(forandring_kostnad_total) DESC,
                           vardtyp, sjukhus, klinik, diagnoskapitel)
    END::INTEGER AS rang_kostnadsforandring
FROM summerad
ORDER BY vardtyp, sjukhus, klinik, diagnoskapitel
