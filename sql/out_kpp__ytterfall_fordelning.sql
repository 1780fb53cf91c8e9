-- out_kpp__ytterfall_fordelning: how the ytterfall cost is distributed over DRGs, main diagnoses and
-- diagnosis chapters ("Hur ser kostnadsfördelningen ut, vårdkontakter, diagnoser?", 000:301).
-- Grain: (ar, region_kod, dimension, grupp).
--   region_kod: $lan (the county's ytterfall, out_kpp__kontakter) or '00' (riket, core_kpp__riket;
--               DRG, MDC and vårdform only — the national data have no diagnoses or hospitals).
--   dimension: 'drg', 'mdc' (the DRG's MDC in the year's weight list, 'okand' when the DRG is not in
--   it), 'huvuddiagnos', 'diagnoskapitel', 'sjukhus' or 'vardform'; grupp: the code; grupp_namn: the
--   DRG text (weight list of the year), the chapter's or the hospital's name; null otherwise.
--   andel_av_ytterfallskostnad: kostnad_ytterfall_kr / all ytterfall cost of the region and year;
--   rang: 1 = largest ytterfall cost within (ar, region_kod, dimension); andel_kumulativ: running share by rang.
WITH lan AS (
    SELECT ar, region_kod, 'drg' AS typ, drg AS kod, count(*) AS antal_ytterfall, sum(kostnad_kr) AS kostnad_ytterfall
    FROM out_kpp__kontakter WHERE ytterfall GROUP BY ALL
    UNION ALL
    SELECT ar, region_kod, 'huvuddiagnos', huvuddiagnos, count(*), sum(kostnad_kr)
    FROM out_kpp__kontakter WHERE ytterfall GROUP BY ALL
    UNION ALL
    SELECT ar, region_kod, 'diagnoskapitel', coalesce(diagnoskapitel, 'okant'), count(*), sum(kostnad_kr)
    FROM out_kpp__kontakter WHERE ytterfall GROUP BY ALL
    UNION ALL
    SELECT ar, region_kod, 'mdc', coalesce(mdc, 'okand'), count(*), sum(kostnad_kr)
    FROM out_kpp__kontakter WHERE ytterfall GROUP BY ALL
    UNION ALL
    SELECT ar, region_kod, 'sjukhus', sjukhus, count(*), sum(kostnad_kr)
    FROM out_kpp__kontakter WHERE ytterfall GROUP BY ALL
    UNION ALL
    SELECT ar, region_kod, 'vardform', vardform, count(*), sum(kostnad_kr)
    FROM out_kpp__kontakter WHERE ytterfall GROUP BY ALL
),
riket AS (
    SELECT ar, '00' AS region_kod, 'drg' AS typ, drg AS kod, sum(antal_ytterfall) AS antal_ytterfall,
           sum(kostnad_ytterfall) AS kostnad_ytterfall
    FROM core_kpp__riket WHERE region_kod = '00' AND jamforelsegrupp = 'alla' GROUP BY ALL
    HAVING sum(antal_ytterfall) > 0
    UNION ALL
    SELECT r.ar, '00', 'mdc', coalesce(v.mdc, 'okand'), sum(r.antal_ytterfall), sum(r.kostnad_ytterfall)
    FROM core_kpp__riket AS r LEFT JOIN core_drg__vikter AS v USING (ar, drg)
    WHERE r.region_kod = '00' AND r.jamforelsegrupp = 'alla' GROUP BY ALL
    HAVING sum(r.antal_ytterfall) > 0
    UNION ALL
    SELECT ar, '00', 'vardform', vardform, sum(antal_ytterfall), sum(kostnad_ytterfall)
    FROM core_kpp__riket WHERE region_kod = '00' AND jamforelsegrupp = 'alla' GROUP BY ALL
    HAVING sum(antal_ytterfall) > 0
),
alla AS (SELECT * FROM lan UNION ALL SELECT * FROM riket),
rangordnad AS (
    SELECT
        *,
        kostnad_ytterfall / sum(kostnad_ytterfall) OVER (PARTITION BY ar, region_kod, typ) AS andel,
        row_number() OVER (PARTITION BY ar, region_kod, typ ORDER BY kostnad_ytterfall DESC, kod) AS rang
    FROM alla
)
SELECT
    r.ar::INTEGER AS ar, r.region_kod, r.typ AS dimension, r.kod AS grupp,
    CASE r.typ WHEN 'drg' THEN v.drg_text WHEN 'diagnoskapitel' THEN k.kapitel_namn WHEN 'sjukhus' THEN s.sjukhus_namn
    END AS grupp_namn,
    r.antal_ytterfall::BIGINT AS antal_ytterfall,
    r.kostnad_ytterfall::DOUBLE AS kostnad_ytterfall_kr,
    r.andel::DOUBLE AS andel_av_ytterfallskostnad,
    r.rang::INTEGER AS rang,
    -- a running sum of shares can pass 1 by rounding (1.0000000000000002): a share is at most 1
    least(sum(r.andel) OVER (PARTITION BY r.ar, r.region_kod, r.typ ORDER BY r.rang), 1.0)::DOUBLE AS andel_kumulativ
FROM rangordnad AS r
LEFT JOIN core_drg__vikter AS v ON r.typ = 'drg' AND v.ar = r.ar AND v.drg = r.kod
LEFT JOIN core_ref__diagnoskapitel AS k ON r.typ = 'diagnoskapitel' AND k.kapitel = r.kod
LEFT JOIN core_ref__sjukhus AS s ON r.typ = 'sjukhus' AND s.sjukhus = r.kod
ORDER BY ar, region_kod, dimension, rang
