-- core_ref__regioner: region codes and Swedish names (riket, the 21 län, Norrbotten's kommuner).
-- Grain: region_kod. Loaded from pipelines/reference.py (registered as the Arrow table ref_regioner).
SELECT region_kod, region_namn, regiontyp, lan_kod FROM ref_regioner ORDER BY region_kod
