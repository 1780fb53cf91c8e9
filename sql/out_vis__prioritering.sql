-- out_vis__prioritering: the county's indicators in their latest period — the overview behind the
-- Hälso- och sjukvårdsrapporten (latest value, trend, rank, Norrbotten vs riket) and the ranked lists
-- for the plan's last two GAP questions: "Vilka områden har störst förbättringspotential?" and "Vilka
-- är de väsentligaste kvalitetsproblemen?" (000:225–235).
-- Grain: (matt_id) for region $lan, kön 'alla', the indicator's latest period (out_vis__jamforelse
-- senaste_period: the full year where both halves and the full year are delivered).
--   Columns from out_vis__jamforelse as named there (value, interval, test against the rest of riket
--   with its Benjamini–Hochberg q_varde, rank and rank interval, kvinnor/män, change since the
--   previous period and since basar).
--   varde_spridning_regioner: best − worst region's value in the desired direction (≥ 0, the
--   indicator's unit); spridning_regioner_rel: that relative to |riket's value|. antal_regioner_battre /
--   _samre: regions significantly better / worse than the rest of riket (q < 0,05) in the same period.
--   rang_spridning: 1 = the indicator where most regions differ significantly from the rest of riket
--   (antal_regioner_battre + antal_regioner_samre), ties by the larger spridning_regioner_rel — a range
--   alone is driven by the smallest regions' noise.
--   q_varde_forandring: Benjamini–Hochberg over the county's tested changes (this table's rows);
--   forandring_kod: forbattrad | forsamrad (q_varde_forandring < 0,05, in / against the desired
--   direction) | oforandrad (no significant change) | ej_testad (no interval or no previous period).
--   rang_forbattringspotential: proportions only, by forbattringspotential_basta (patients who would have
--   had the desired outcome at the best region's level) descending; null when there is none.
--   rang_kvalitetsproblem: indicators significantly worse than the rest of riket (q < 0,05), by
--   skillnad_onskad_riktning_rel (the gap in the desired direction relative to riket's value) — most
--   negative first; null otherwise.
WITH senaste AS (
    SELECT *, CASE onskad_riktning WHEN 'lagt' THEN -1 ELSE 1 END AS tecken
    FROM out_vis__jamforelse
    WHERE region_kod = $lan AND kon = 'alla' AND senaste_period
),
regioner AS (
    SELECT
        matt_id, period_start, period_slut,
        count(*) FILTER (WHERE jamforelse_riket_kod = 'battre') AS antal_regioner_battre,
        count(*) FILTER (WHERE jamforelse_riket_kod = 'samre') AS antal_regioner_samre
    FROM out_vis__jamforelse
    WHERE region_kod <> '00' AND kon = 'alla' AND senaste_period
    GROUP BY ALL
),
matt AS (
    SELECT
        s.*, r.antal_regioner_battre, r.antal_regioner_samre,
        s.varde_skillnad_onskad_riktning / nullif(abs(s.varde_riket), 0) AS skillnad_onskad_riktning_rel,
        (s.varde_basta - s.varde_samsta) * s.tecken AS varde_spridning_regioner,
        (s.varde_basta - s.varde_samsta) * s.tecken / nullif(abs(s.varde_riket), 0) AS spridning_regioner_rel,
        row_number() OVER (PARTITION BY s.p_varde_forandring IS NULL ORDER BY s.p_varde_forandring, s.matt_id)
            AS f_i,
        count(s.p_varde_forandring) OVER () AS f_m
    FROM senaste AS s
    LEFT JOIN regioner AS r USING (matt_id, period_start, period_slut)
),
forandring AS (
    SELECT
        *,
        CASE WHEN p_varde_forandring IS NOT NULL THEN
            least(1, min(p_varde_forandring * f_m / f_i) OVER (
                PARTITION BY p_varde_forandring IS NULL
                ORDER BY p_varde_forandring DESC, f_i DESC ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW))
        END AS q_varde_forandring
    FROM matt
)
SELECT
    matt_id, titel, npo, enhetstyp, onskad_riktning, period_start, period_slut, region_kod,
    taljare, namnare, varde, ki_lag, ki_hog, testmetod_kod, varde_riket, varde_ovriga,
    varde_skillnad_onskad_riktning,
    skillnad_onskad_riktning_rel::DOUBLE AS skillnad_onskad_riktning_rel,
    q_varde, signifikant, jamforelse_riket_kod,
    rang, rang_lag, rang_hog, antal_regioner, varde_basta, varde_samsta,
    varde_spridning_regioner::DOUBLE AS varde_spridning_regioner,
    spridning_regioner_rel::DOUBLE AS spridning_regioner_rel,
    CASE WHEN spridning_regioner_rel IS NOT NULL THEN
        rank() OVER (PARTITION BY spridning_regioner_rel IS NOT NULL
                     ORDER BY coalesce(antal_regioner_battre, 0) + coalesce(antal_regioner_samre, 0) DESC,
                              spridning_regioner_rel DESC)
    END::INTEGER AS rang_spridning,
    antal_regioner_battre::INTEGER AS antal_regioner_battre,
    antal_regioner_samre::INTEGER AS antal_regioner_samre,
    varde_kvinnor, varde_man, varde_skillnad_kvinnor_man, q_varde_kon, signifikant_kon,
    varde_foregaende, foregaende_period_slut_datum, varde_forandring,
    q_varde_forandring::DOUBLE AS q_varde_forandring,
    (CASE
        WHEN q_varde_forandring IS NULL THEN 'ej_testad'
        WHEN q_varde_forandring < 0.05 AND varde_forandring * tecken > 0 THEN 'forbattrad'
        WHEN q_varde_forandring < 0.05 THEN 'forsamrad'
        ELSE 'oforandrad'
    END)::VARCHAR AS forandring_kod,
    basar, varde_forsta, varde_forandring_sedan_forsta,
    forbattringspotential_riket, forbattringspotential_basta,
    CASE WHEN forbattringspotential_basta > 0 THEN
        rank() OVER (PARTITION BY forbattringspotential_basta > 0 ORDER BY forbattringspotential_basta DESC)
    END::INTEGER AS rang_forbattringspotential,
    CASE WHEN signifikant AND varde_skillnad_onskad_riktning < 0 THEN
        rank() OVER (PARTITION BY signifikant AND varde_skillnad_onskad_riktning < 0
                     ORDER BY skillnad_onskad_riktning_rel)
    END::INTEGER AS rang_kvalitetsproblem,
    orsak_kod
FROM forandring
ORDER BY npo, matt_id
