-- core_ref__vardforlopp: the ten new vårdförlopp of 2020 (analysplan 000:172–182), one row per pathway.
-- Grain: forlopp_kod. forlopp_nr: order in the plan's table; omgang 1/2: "Första/Andra omgången";
-- lokal_gruppering as in the plan; npo: the national programme area responsible; startar: the year the
-- pathway was approved for implementation, its baseline year. Loaded from pipelines/reference.py
-- (NYA_VARDFORLOPP, where the sources are named).
SELECT forlopp_kod, forlopp_nr, forlopp_namn, omgang, lokal_gruppering, npo, startar
FROM ref_vardforlopp
ORDER BY forlopp_nr
