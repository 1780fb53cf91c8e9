-- core_ref__sjukhus: Region Norrbotten's hospitals (and primärvården as one unit) with kommun and KPP
-- comparison group. Grain: sjukhus (code used in the KPP extract). Loaded from pipelines/reference.py.
SELECT sjukhus, sjukhus_namn, kommun_kod, sjukhustyp FROM ref_sjukhus ORDER BY sjukhus
