-- core_ref__analysplan: the 16 analysuppdrag of the analysplan 2020 (reports/analysplan-2020.yml),
-- with the status this pipeline gives them. Grain: uppdrag_id, in the plan's order (ordning).
-- Loaded from pipelines/reference.py (registered as the Arrow table ref_analysplan); its fingerprint
-- includes the YAML file, so an edited plan rebuilds it.
SELECT
    ordning,
    uppdrag_id,
    rubrik,
    omrade,
    redovisas,
    ansvarig_avdelning,
    ansvarig_chef,
    ansvarig_utredare,
    publikationsform,
    syfte,
    ska_leda_till,
    data_i_pipelinen,
    CASE WHEN data_i_pipelinen THEN 'Rapport i pipelinen' ELSE 'Underlag saknas i pipelinen' END AS status,
    rapport,
    ovriga_rapporter
FROM ref_analysplan
ORDER BY ordning
