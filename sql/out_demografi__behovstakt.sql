-- out_demografi__behovstakt: the yearly growth of the demographic need over set periods — the plan's
-- figure "De demografiska behoven … beräknas öka med 0,6 procent per år 2016 till 2021 för att därefter
-- få en något lägre ökningstakt" (000:311), recomputed from out_demografi__behov.
-- Grain: (period_kod, vardtyp, kon, aldersgrupp), kon and aldersgrupp as in out_demografi__behov.
-- Periods (basar → malar):
--   'planens_period'  $demografi_planens_fran → $demografi_planens_till (the plan's 2016–2021);
--   'darefter'        $demografi_planens_till → the last actual population year L;
--   'prognos_5_ar'    L → L + 5 and 'prognos_10_ar' L → L + 10 (the spliced projection);
-- a period whose end years are not both in out_demografi__behov is left out.
--   arlig_forandring_rel = (behov(malar) / behov(basar))^(1 / (malar − basar)) − 1 (geometric mean);
--   befolkningsserie: 'befolkning', 'prognos' or 'befolkning+prognos' (the two end years' series);
--   planens_arliga_forandring_rel: $demografi_planens_takt (0,006, 000:311); skillnad_mot_planen_pe: the
--   difference arlig_forandring_rel − planens (0,001 = 0,1 procentenheter); riktning_mot_planen_kod:
--   'hogre', 'lagre' or 'lika' (|difference| < 0,05 procentenheter, the plan's own precision).
WITH b AS (
    SELECT * FROM out_demografi__behov
),
sista AS (
    SELECT max(ar) AS l FROM b WHERE befolkningsserie = 'befolkning' AND kon = 'alla' AND aldersgrupp = 'alla'
),
perioder AS (
    SELECT * FROM (VALUES
        ('planens_period', 1, $demografi_planens_fran::INTEGER, $demografi_planens_till::INTEGER),
        ('darefter', 2, $demografi_planens_till::INTEGER, (SELECT l FROM sista)),
        ('prognos_5_ar', 3, (SELECT l FROM sista), (SELECT l FROM sista) + 5),
        ('prognos_10_ar', 4, (SELECT l FROM sista), (SELECT l FROM sista) + 10)
    ) AS t(period, ordning, fran_ar, till_ar)
    WHERE till_ar > fran_ar
)
SELECT
    p.period AS period_kod, f.vardtyp, f.kon, f.aldersgrupp,
    p.fran_ar::INTEGER AS basar, p.till_ar::INTEGER AS malar,
    CASE WHEN f.befolkningsserie = t.befolkningsserie THEN t.befolkningsserie
         ELSE f.befolkningsserie || '+' || t.befolkningsserie END AS befolkningsserie,
    f.demografiskt_behov_kr::DOUBLE AS demografiskt_behov_bas_kr,
    t.demografiskt_behov_kr::DOUBLE AS demografiskt_behov_mal_kr,
    (pow(t.demografiskt_behov_kr / f.demografiskt_behov_kr, 1.0 / (p.till_ar - p.fran_ar)) - 1)::DOUBLE
        AS arlig_forandring_rel,
    $demografi_planens_takt::DOUBLE AS planens_arliga_forandring_rel,
    (pow(t.demografiskt_behov_kr / f.demografiskt_behov_kr, 1.0 / (p.till_ar - p.fran_ar)) - 1
     - $demografi_planens_takt)::DOUBLE AS skillnad_mot_planen_pe,
    CASE
        WHEN abs(pow(t.demografiskt_behov_kr / f.demografiskt_behov_kr, 1.0 / (p.till_ar - p.fran_ar)) - 1
                 - $demografi_planens_takt) < 0.0005 THEN 'lika'
        WHEN pow(t.demografiskt_behov_kr / f.demografiskt_behov_kr, 1.0 / (p.till_ar - p.fran_ar)) - 1
             > $demografi_planens_takt THEN 'hogre'
        ELSE 'lagre'
    END AS riktning_mot_planen_kod
FROM perioder AS p
JOIN b AS f ON f.ar = p.fran_ar
JOIN b AS t ON t.ar = p.till_ar AND t.vardtyp = f.vardtyp AND t.kon = f.kon AND t.aldersgrupp = f.aldersgrupp
ORDER BY p.ordning, f.vardtyp, f.kon, f.aldersgrupp
