-- out_vis__prioritering: the county's indicators in their latest period, ranked for the plan's last two
-- GAP questions: "Vilka områden har störst förbättringspotential?" and "Vilka är de väsentligaste
-- kvalitetsproblemen?" (000:225–235).
-- Grain: (matt_id) for region $lan, kön 'alla', the indicator's latest period with a value.
--   rang_forbattringspotential: proportions only, by forbattringspotential_basta (patients who would have
--   had the desired outcome at the best region's level) descending; null when there is none.
--   rang_kvalitetsproblem: indicators significantly worse than riket, by skillnad_onskad_riktning_rel (the
--   gap in the desired direction relative to riket's value) — most negative first; null otherwise.
WITH senaste AS (
    SELECT *
    FROM out_vis__jamforelse
    WHERE region_kod = $lan AND kon = 'alla' AND varde IS NOT NULL
    QUALIFY row_number() OVER (PARTITION BY matt_id ORDER BY period_slut DESC, period_start DESC) = 1
),
matt AS (
    SELECT
        *,
        varde_skillnad_onskad_riktning / nullif(abs(varde_riket), 0) AS skillnad_onskad_riktning_rel
    FROM senaste
)
SELECT
    matt_id, titel, npo, enhetstyp, onskad_riktning, period_start, period_slut, region_kod,
    varde, varde_riket, varde_skillnad_onskad_riktning,
    skillnad_onskad_riktning_rel::DOUBLE AS skillnad_onskad_riktning_rel, signifikant,
    rang, antal_regioner, forbattringspotential_riket, forbattringspotential_basta,
    CASE WHEN forbattringspotential_basta > 0 THEN
        rank() OVER (PARTITION BY forbattringspotential_basta > 0 ORDER BY forbattringspotential_basta DESC)
    END::INTEGER AS rang_forbattringspotential,
    CASE WHEN signifikant AND varde_skillnad_onskad_riktning < 0 THEN
        rank() OVER (PARTITION BY signifikant AND varde_skillnad_onskad_riktning < 0
                     ORDER BY skillnad_onskad_riktning_rel)
    END::INTEGER AS rang_kvalitetsproblem
FROM matt
ORDER BY npo, matt_id
