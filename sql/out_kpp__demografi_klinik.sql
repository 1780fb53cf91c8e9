-- out_kpp__demografi_klinik: the plan's demographic cost method (000:311–315), per klinik, with the
-- huvuddiagnoskapitel as detail below it; costs in fixed prices (the målår's prices).
-- "För att bedöma om klinikerna haft en ökad belastning jämförs vårdkontakter +65 år och 0-64 år":
-- the KLINIK (vardtyp × sjukhus × klinik) is the unit that is classified, on its contacts 65+ and
-- 0–64 in $demografi_basar and $demografi_malar:
--   fall 'bada_okar'           both groups have more contacts: the cost change counts as demographic —
--                              the klinik's total change, or only 65+'s, by $demografi_bada_okar;
--   fall '65_okar_064_minskar' 65+ rises, 0–64 falls: "avräknas kostnadsminskningen från 65+":
--                              demografisk = Δkostnad 65+ − |Δkostnad 0–64| when 0–64's cost fell
--                              (else Δkostnad 65+);
--   fall 'ovrigt'              anything else (the plan says nothing): $demografi_ovriga_fall 'noll' → 0.
-- Fixed prices: the basår's costs are multiplied by prisomrakning = indexvarde(målår) /
-- indexvarde(basår) of price index $prisindex (core_skr__prisindex, SKR's LPIK), so every kr column
-- is in the målår's prices except kostnad_bas_lopande_kr; prisforandring_rel = prisomrakning − 1 (the
-- price change between the years). A missing index year leaves every fixed-price column NULL (and
-- prisforandring_rel NULL): costs are never compared in current prices.
-- niva_kod / grain (niva_kod, vardtyp, sjukhus, klinik, diagnoskapitel, kon), 'alla' where summed; sjukhus_namn
-- and kapitel_namn from the reference tables:
--   'klinik'          a klinik: classified (fall) and its demografisk_kostnad;
--   'klinik_kapitel'  a chapter within a klinik: contacts and cost change only (not classified;
--                     fall and demografisk_kostnad NULL); rang_kostnadsforandring within the klinik;
--   'vardtyp', 'lan'  sums over the kliniker of a vårdtyp / of the county, with the number of
--                     kliniker in each fall;
--   'lan_kon'         the county per kön (kon 'K'/'M'; 'alla' on every other row): contacts and cost
--                     change only — the plan's method does not use kön;
--   'lan_kapitel'     the county's cost change per chapter (vardtyp, sjukhus, klinik 'alla'),
--                     rang_kostnadsforandring over the chapters — "de huvuddiagnoskapitlen med störst
--                     kostnadsförändring".
-- For 'klinik', rang_kostnadsforandring ranks the kliniker by absolute cost change (1 = largest).
-- forandring_kostnad_total_rel = forandring_kostnad_total_kr / kostnad_bas_kr (fixed prices).
-- antal_kontakter_bas / _mal: all contacts of the row in the basår / målår (the base of small-cell
-- protection, with the four age-group counts).
WITH pris AS (
    SELECT
        max(indexvarde) FILTER (WHERE ar = $demografi_malar)
            / max(indexvarde) FILTER (WHERE ar = $demografi_basar) AS prisomrakning,
        max(typ) FILTER (WHERE ar = $demografi_malar) AS prisindex_typ
    FROM core_skr__prisindex
    WHERE prisindex = $prisindex
),
k AS (
    SELECT vardtyp, sjukhus, klinik, coalesce(diagnoskapitel, 'okant') AS diagnoskapitel, kon, ar, aldersgrupp,
           kostnad_kr AS kostnad
    FROM out_kpp__kontakter
    WHERE ar IN ($demografi_basar, $demografi_malar)
),
kapitel AS (
    SELECT
        vardtyp, sjukhus, klinik, diagnoskapitel, kon,
        count(*) FILTER (WHERE ar = $demografi_basar) AS kontakter_bas,
        count(*) FILTER (WHERE ar = $demografi_malar) AS kontakter_mal,
        count(*) FILTER (WHERE ar = $demografi_basar AND aldersgrupp = '0-64') AS kontakter_0_64_bas,
        count(*) FILTER (WHERE ar = $demografi_malar AND aldersgrupp = '0-64') AS kontakter_0_64_mal,
        count(*) FILTER (WHERE ar = $demografi_basar AND aldersgrupp = '65+') AS kontakter_65_bas,
        count(*) FILTER (WHERE ar = $demografi_malar AND aldersgrupp = '65+') AS kontakter_65_mal,
        coalesce(sum(kostnad) FILTER (WHERE ar = $demografi_basar), 0) AS kostnad_bas_lopande,
        -- fixed prices: the basår's sums × prisomrakning (NULL without the index, and it stays NULL)
        coalesce(sum(kostnad) FILTER (WHERE ar = $demografi_basar AND aldersgrupp = '0-64'), 0)
            * (SELECT prisomrakning FROM pris) AS k064_bas,
        coalesce(sum(kostnad) FILTER (WHERE ar = $demografi_malar AND aldersgrupp = '0-64'), 0) AS k064_mal,
        coalesce(sum(kostnad) FILTER (WHERE ar = $demografi_basar AND aldersgrupp = '65+'), 0)
            * (SELECT prisomrakning FROM pris) AS k65_bas,
        coalesce(sum(kostnad) FILTER (WHERE ar = $demografi_malar AND aldersgrupp = '65+'), 0) AS k65_mal
    FROM k
    GROUP BY ALL
),
summor AS (  -- chapters, kliniker (all chapters), the county's chapters
    SELECT
        CASE WHEN GROUPING(kon) = 0 THEN 'lan_kon' WHEN GROUPING(diagnoskapitel) = 1 THEN 'klinik'
             WHEN GROUPING(vardtyp) = 1 THEN 'lan_kapitel' ELSE 'klinik_kapitel' END AS niva,
        coalesce(vardtyp, 'alla') AS vardtyp, coalesce(sjukhus, 'alla') AS sjukhus,
        coalesce(klinik, 'alla') AS klinik, coalesce(diagnoskapitel, 'alla') AS diagnoskapitel,
        coalesce(kon, 'alla') AS kon,
        sum(kontakter_bas) AS kontakter_bas, sum(kontakter_mal) AS kontakter_mal,
        sum(kontakter_0_64_bas) AS kontakter_0_64_bas, sum(kontakter_0_64_mal) AS kontakter_0_64_mal,
        sum(kontakter_65_bas) AS kontakter_65_bas, sum(kontakter_65_mal) AS kontakter_65_mal,
        sum(kostnad_bas_lopande) AS kostnad_bas_lopande,
        sum(k064_bas) AS k064_bas, sum(k064_mal) AS k064_mal, sum(k65_bas) AS k65_bas, sum(k65_mal) AS k65_mal
    FROM kapitel
    GROUP BY GROUPING SETS (
        (vardtyp, sjukhus, klinik, diagnoskapitel), (vardtyp, sjukhus, klinik), (diagnoskapitel), (kon)
    )
),
klassad AS (
    SELECT
        *,
        k064_mal - k064_bas AS forandring_kostnad_0_64,
        k65_mal - k65_bas AS forandring_kostnad_65,
        CASE WHEN niva = 'klinik' THEN
            CASE
                WHEN kontakter_65_mal > kontakter_65_bas AND kontakter_0_64_mal > kontakter_0_64_bas THEN 'bada_okar'
                WHEN kontakter_65_mal > kontakter_65_bas AND kontakter_0_64_mal < kontakter_0_64_bas
                    THEN '65_okar_064_minskar'
                ELSE 'ovrigt'
            END
        END AS fall
    FROM summor
),
demografisk AS (
    SELECT
        *,
        CASE fall
            WHEN 'bada_okar' THEN
                CASE $demografi_bada_okar WHEN '65+' THEN forandring_kostnad_65
                     ELSE forandring_kostnad_0_64 + forandring_kostnad_65 END
            WHEN '65_okar_064_minskar' THEN forandring_kostnad_65 + least(forandring_kostnad_0_64, 0)
            WHEN 'ovrigt' THEN CASE WHEN $demografi_ovriga_fall = 'noll' AND k65_bas IS NOT NULL THEN 0 END
        END AS demografisk_kostnad
    FROM klassad
),
alla AS (
    SELECT * FROM demografisk
    UNION ALL BY NAME
    SELECT
        CASE WHEN GROUPING(vardtyp) = 1 THEN 'lan' ELSE 'vardtyp' END AS niva,
        coalesce(vardtyp, 'alla') AS vardtyp, 'alla' AS sjukhus, 'alla' AS klinik, 'alla' AS diagnoskapitel,
        'alla' AS kon,
        sum(kontakter_bas) AS kontakter_bas, sum(kontakter_mal) AS kontakter_mal,
        sum(kontakter_0_64_bas) AS kontakter_0_64_bas, sum(kontakter_0_64_mal) AS kontakter_0_64_mal,
        sum(kontakter_65_bas) AS kontakter_65_bas, sum(kontakter_65_mal) AS kontakter_65_mal,
        sum(kostnad_bas_lopande) AS kostnad_bas_lopande, sum(k064_bas) AS k064_bas, sum(k064_mal) AS k064_mal,
        sum(k65_bas) AS k65_bas, sum(k65_mal) AS k65_mal,
        sum(forandring_kostnad_0_64) AS forandring_kostnad_0_64, sum(forandring_kostnad_65) AS forandring_kostnad_65,
        sum(demografisk_kostnad) AS demografisk_kostnad,
        count(*) AS antal_kliniker,
        count(*) FILTER (WHERE fall = 'bada_okar') AS antal_kliniker_bada_okar,
        count(*) FILTER (WHERE fall = '65_okar_064_minskar') AS antal_kliniker_65_okar_064_minskar
    FROM demografisk
    WHERE niva = 'klinik'
    GROUP BY GROUPING SETS ((vardtyp), ())
)
SELECT
    $demografi_basar::INTEGER AS basar,
    $demografi_malar::INTEGER AS malar,
    $prisindex::VARCHAR AS prisindex_kod,
    (SELECT prisindex_typ FROM pris)::VARCHAR AS prisindextyp_kod,
    ((SELECT prisomrakning FROM pris) - 1)::DOUBLE AS prisforandring_rel,
    niva AS niva_kod, vardtyp, a.sjukhus, s.sjukhus_namn, klinik, diagnoskapitel, d.kapitel_namn, kon,
    kontakter_bas::BIGINT AS antal_kontakter_bas, kontakter_mal::BIGINT AS antal_kontakter_mal,
    kontakter_0_64_bas::BIGINT AS antal_kontakter_0_64_bas, kontakter_0_64_mal::BIGINT AS antal_kontakter_0_64_mal,
    kontakter_65_bas::BIGINT AS antal_kontakter_65_bas, kontakter_65_mal::BIGINT AS antal_kontakter_65_mal,
    kostnad_bas_lopande::DOUBLE AS kostnad_bas_lopande_kr,
    (k064_bas + k65_bas)::DOUBLE AS kostnad_bas_kr,
    (k064_mal + k65_mal)::DOUBLE AS kostnad_mal_kr,
    forandring_kostnad_0_64::DOUBLE AS forandring_kostnad_0_64_kr,
    forandring_kostnad_65::DOUBLE AS forandring_kostnad_65_kr,
    (forandring_kostnad_0_64 + forandring_kostnad_65)::DOUBLE AS forandring_kostnad_total_kr,
    ((forandring_kostnad_0_64 + forandring_kostnad_65) / nullif(k064_bas + k65_bas, 0))::DOUBLE
        AS forandring_kostnad_total_rel,
    fall,
    demografisk_kostnad::DOUBLE AS demografisk_kostnad_kr,
    antal_kliniker::BIGINT AS antal_kliniker,
    antal_kliniker_bada_okar::BIGINT AS antal_kliniker_bada_okar,
    antal_kliniker_65_okar_064_minskar::BIGINT AS antal_kliniker_65_okar_064_minskar,
    CASE WHEN niva IN ('klinik', 'klinik_kapitel', 'lan_kapitel') THEN
        row_number() OVER (
            PARTITION BY niva, CASE WHEN niva = 'klinik_kapitel' THEN vardtyp || '|' || a.sjukhus || '|' || klinik END
            ORDER BY abs(forandring_kostnad_0_64 + forandring_kostnad_65) DESC NULLS LAST,
                     vardtyp, a.sjukhus, klinik, diagnoskapitel)
    END::INTEGER AS rang_kostnadsforandring
FROM alla AS a
LEFT JOIN core_ref__sjukhus AS s ON s.sjukhus = a.sjukhus
LEFT JOIN core_ref__diagnoskapitel AS d ON d.kapitel = a.diagnoskapitel
ORDER BY niva_kod, vardtyp, a.sjukhus, klinik, diagnoskapitel, kon
