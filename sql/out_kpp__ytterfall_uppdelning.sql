-- out_kpp__ytterfall_uppdelning: why the county's ytterfall cost per contact differs from the rest of
-- riket ("orsaker till Region Norrbottens högre ytterfallskostnader", 000:297) — a Kitagawa
-- (shift-share) split of the difference into case mix and what happens within a DRG.
-- Grain: (ar, kostnadsunderlag_lan, vardform, drg); drg = 'alla' is the whole difference, the other rows are one
-- DRG's contribution (the DRG rows' parts sum to the 'alla' row's DRG parts).
--   kostnadsunderlag_lan 'kpp-databasen': the county's own rows in the national KPP database (region_kod
--         $lan, jamforelsegrupp 'alla') — same source and ytterfall classification as the reference;
--         'eget-extrakt': the county's local extract (out_kpp__kontakter, ytterfall by $ytterfall_regel).
--   referensomrade: 'riket_utom_lanet' (riket minus the county's rows of the database, cell by cell) or
--         'riket' when the database has no rows for the county that year.
--   vardform: 'sluten', 'oppen' or 'alla'.
--   Cells: DRG × KPP age band (0-17 … 80+) × kön; groups g: age band × kön. y = ytterfall cost per
--   contact, w = a group's share of all contacts, s = a DRG's share of its group's contacts,
--   p = ytterfall per contact, m = cost per ytterfall (y = p·m); x̄ = mean of the two sides:
--     del_alder_kon_kr             Σg (w_lan − w_jmf) · (Y_lan,g + Y_jmf,g)/2       (age × kön mix)
--     del_drg_mix_kr               Σg w̄g Σd (s_lan − s_jmf) · (y_lan + y_jmf)/2     (DRG mix)
--     del_andel_ytterfall_kr       Σg w̄g Σd s̄ · (p_lan − p_jmf) · (m_lan + m_jmf)/2 (more ytterfall)
--     del_kostnad_per_ytterfall_kr Σg w̄g Σd s̄ · (m_lan − m_jmf) · (p_lan + p_jmf)/2 (dearer ytterfall)
--   The four sum exactly to skillnad_kr = ytterfallskostnad_per_kontakt_lan_kr − …_jmf_kr (kr per
--   contact). A cell or group empty on one side takes the other side's values (it then counts only as
--   mix); m of a cell without ytterfall is the other side's m (0 when neither has any).
--   del_*_rel = part / skillnad_kr ('alla' rows; negative when a part pulls the other way).
--   riktning: the county's cost per contact 'hogre' / 'lagre' / 'lika' than the reference.
--   rang: DRG rows by total contribution, largest first.
WITH riket AS (
    SELECT ar, vardform, drg, aldersgrupp, kon, region_kod,
           antal_kontakter::DOUBLE AS n, antal_ytterfall::DOUBLE AS yf, kostnad_ytterfall::DOUBLE AS kyf
    FROM core_kpp__riket
    WHERE jamforelsegrupp = 'alla' AND region_kod IN ('00', $lan)
),
lan_ar AS (SELECT DISTINCT ar FROM riket WHERE region_kod = $lan),
jmf AS (
    SELECT ar, vardform, drg, aldersgrupp, kon,
           sum(CASE WHEN region_kod = '00' THEN n ELSE -n END) AS n,
           sum(CASE WHEN region_kod = '00' THEN yf ELSE -yf END) AS yf,
           sum(CASE WHEN region_kod = '00' THEN kyf ELSE -kyf END) AS kyf
    FROM riket GROUP BY ALL
),
lan AS (
    SELECT 'kpp-databasen' AS kostnadsunderlag_lan, ar, vardform, drg, aldersgrupp, kon, n, yf, kyf
    FROM riket WHERE region_kod = $lan
    UNION ALL
    SELECT 'eget-extrakt', ar, vardform, drg, kpp_aldersgrupp, kon, count(*)::DOUBLE,
           count(*) FILTER (WHERE ytterfall)::DOUBLE, coalesce(sum(kostnad_kr) FILTER (WHERE ytterfall), 0)::DOUBLE
    FROM out_kpp__kontakter GROUP BY ALL
),
kallor AS (SELECT DISTINCT kostnadsunderlag_lan, ar FROM lan),
bada AS (
    SELECT kostnadsunderlag_lan, ar, vardform, drg, aldersgrupp, kon, n AS n_lan, yf AS yf_lan, kyf AS kyf_lan,
           0.0 AS n_jmf, 0.0 AS yf_jmf, 0.0 AS kyf_jmf
    FROM lan
    UNION ALL
    SELECT k.kostnadsunderlag_lan, j.ar, j.vardform, j.drg, j.aldersgrupp, j.kon, 0.0, 0.0, 0.0, j.n, j.yf, j.kyf
    FROM jmf AS j JOIN kallor AS k USING (ar)
),
celler AS (
    SELECT kostnadsunderlag_lan, ar, vf AS vardform, drg, aldersgrupp, kon,
           sum(n_lan) AS n_lan, sum(yf_lan) AS yf_lan, sum(kyf_lan) AS kyf_lan,
           sum(n_jmf) AS n_jmf, sum(yf_jmf) AS yf_jmf, sum(kyf_jmf) AS kyf_jmf
    FROM (SELECT *, unnest([vardform, 'alla']) AS vf FROM bada)
    GROUP BY kostnadsunderlag_lan, ar, vf, drg, aldersgrupp, kon
    HAVING sum(n_lan) > 0 OR sum(n_jmf) > 0
),
grupper AS (
    SELECT *,
           sum(n_lan) OVER (PARTITION BY kostnadsunderlag_lan, ar, vardform, aldersgrupp, kon) AS ng_lan,
           sum(n_jmf) OVER (PARTITION BY kostnadsunderlag_lan, ar, vardform, aldersgrupp, kon) AS ng_jmf,
           sum(kyf_lan) OVER (PARTITION BY kostnadsunderlag_lan, ar, vardform, aldersgrupp, kon) AS kyfg_lan,
           sum(kyf_jmf) OVER (PARTITION BY kostnadsunderlag_lan, ar, vardform, aldersgrupp, kon) AS kyfg_jmf,
           sum(n_lan) OVER (PARTITION BY kostnadsunderlag_lan, ar, vardform) AS nt_lan,
           sum(n_jmf) OVER (PARTITION BY kostnadsunderlag_lan, ar, vardform) AS nt_jmf,
           sum(kyf_lan) OVER (PARTITION BY kostnadsunderlag_lan, ar, vardform) AS kyft_lan,
           sum(kyf_jmf) OVER (PARTITION BY kostnadsunderlag_lan, ar, vardform) AS kyft_jmf
    FROM celler
),
matt AS (
    SELECT *,
           ng_lan / nt_lan AS w_lan, ng_jmf / nt_jmf AS w_jmf,
           CASE WHEN ng_lan > 0 THEN kyfg_lan / ng_lan ELSE kyfg_jmf / ng_jmf END AS yg_lan,
           CASE WHEN ng_jmf > 0 THEN kyfg_jmf / ng_jmf ELSE kyfg_lan / ng_lan END AS yg_jmf,
           CASE WHEN ng_lan > 0 THEN n_lan / ng_lan ELSE n_jmf / ng_jmf END AS s_lan,
           CASE WHEN ng_jmf > 0 THEN n_jmf / ng_jmf ELSE n_lan / ng_lan END AS s_jmf,
           coalesce(yf_lan / nullif(n_lan, 0), yf_jmf / nullif(n_jmf, 0), 0) AS p_lan,
           coalesce(yf_jmf / nullif(n_jmf, 0), yf_lan / nullif(n_lan, 0), 0) AS p_jmf,
           coalesce(kyf_lan / nullif(yf_lan, 0), kyf_jmf / nullif(yf_jmf, 0), 0) AS m_lan,
           coalesce(kyf_jmf / nullif(yf_jmf, 0), kyf_lan / nullif(yf_lan, 0), 0) AS m_jmf
    FROM grupper
    WHERE nt_lan > 0 AND nt_jmf > 0
),
delar AS (
    SELECT kostnadsunderlag_lan, ar, vardform, drg, aldersgrupp, kon, n_lan, n_jmf, yf_lan, yf_jmf, kyf_lan, kyf_jmf,
           nt_lan, nt_jmf, kyft_lan, kyft_jmf,
           (w_lan - w_jmf) * (yg_lan + yg_jmf) / 2 AS grupp_del,  -- the same on every cell of a group
           (w_lan + w_jmf) / 2 * (s_lan - s_jmf) * (p_lan * m_lan + p_jmf * m_jmf) / 2 AS del_drg_mix,
           (w_lan + w_jmf) / 2 * (s_lan + s_jmf) / 2 * (p_lan - p_jmf) * (m_lan + m_jmf) / 2 AS del_andel,
           (w_lan + w_jmf) / 2 * (s_lan + s_jmf) / 2 * (m_lan - m_jmf) * (p_lan + p_jmf) / 2 AS del_kostnad,
           row_number() OVER (PARTITION BY kostnadsunderlag_lan, ar, vardform, aldersgrupp, kon ORDER BY drg) AS i_grupp
    FROM matt
),
total AS (
    SELECT kostnadsunderlag_lan, ar, vardform, 'alla' AS drg,
           any_value(nt_lan) AS antal_kontakter_lan, any_value(nt_jmf) AS antal_kontakter_jmf,
           sum(yf_lan) AS antal_ytterfall_lan, sum(yf_jmf) AS antal_ytterfall_jmf,
           any_value(kyft_lan) / any_value(nt_lan) AS ytterfallskostnad_per_kontakt_lan_kr,
           any_value(kyft_jmf) / any_value(nt_jmf) AS ytterfallskostnad_per_kontakt_jmf_kr,
           sum(grupp_del) FILTER (WHERE i_grupp = 1) AS del_alder_kon_kr,
           sum(del_drg_mix) AS del_drg_mix_kr,
           sum(del_andel) AS del_andel_ytterfall_kr,
           sum(del_kostnad) AS del_kostnad_per_ytterfall_kr
    FROM delar GROUP BY ALL
),
per_drg AS (
    SELECT kostnadsunderlag_lan, ar, vardform, drg,
           sum(n_lan) AS antal_kontakter_lan, sum(n_jmf) AS antal_kontakter_jmf,
           sum(yf_lan) AS antal_ytterfall_lan, sum(yf_jmf) AS antal_ytterfall_jmf,
           sum(kyf_lan) / nullif(sum(n_lan), 0) AS ytterfallskostnad_per_kontakt_lan_kr,
           sum(kyf_jmf) / nullif(sum(n_jmf), 0) AS ytterfallskostnad_per_kontakt_jmf_kr,
           NULL::DOUBLE AS del_alder_kon_kr,
           sum(del_drg_mix) AS del_drg_mix_kr,
           sum(del_andel) AS del_andel_ytterfall_kr,
           sum(del_kostnad) AS del_kostnad_per_ytterfall_kr
    FROM delar GROUP BY ALL
),
alla AS (SELECT * FROM total UNION ALL SELECT * FROM per_drg),
slutlig AS (
    SELECT *,
           CASE WHEN drg = 'alla'
                THEN ytterfallskostnad_per_kontakt_lan_kr - ytterfallskostnad_per_kontakt_jmf_kr
                ELSE del_drg_mix_kr + del_andel_ytterfall_kr + del_kostnad_per_ytterfall_kr
           END AS skillnad_kr
    FROM alla
)
SELECT
    a.ar::INTEGER AS ar, a.kostnadsunderlag_lan,
    CASE WHEN a.ar IN (SELECT ar FROM lan_ar) THEN 'riket_utom_lanet' ELSE 'riket' END AS referensomrade,
    a.vardform, a.drg,
    CASE WHEN a.drg <> 'alla' THEN v.drg_text END AS drg_namn,
    a.antal_kontakter_lan::BIGINT AS antal_kontakter_lan,
    a.antal_kontakter_jmf::BIGINT AS antal_kontakter_jmf,
    a.antal_ytterfall_lan::BIGINT AS antal_ytterfall_lan,
    a.antal_ytterfall_jmf::BIGINT AS antal_ytterfall_jmf,
    a.ytterfallskostnad_per_kontakt_lan_kr::DOUBLE AS ytterfallskostnad_per_kontakt_lan_kr,
    a.ytterfallskostnad_per_kontakt_jmf_kr::DOUBLE AS ytterfallskostnad_per_kontakt_jmf_kr,
    a.skillnad_kr::DOUBLE AS skillnad_kr,
    riktning(a.ytterfallskostnad_per_kontakt_lan_kr, a.ytterfallskostnad_per_kontakt_jmf_kr) AS riktning,
    a.del_alder_kon_kr::DOUBLE AS del_alder_kon_kr,
    a.del_drg_mix_kr::DOUBLE AS del_drg_mix_kr,
    a.del_andel_ytterfall_kr::DOUBLE AS del_andel_ytterfall_kr,
    a.del_kostnad_per_ytterfall_kr::DOUBLE AS del_kostnad_per_ytterfall_kr,
    CASE WHEN a.drg = 'alla' THEN a.del_alder_kon_kr / nullif(a.skillnad_kr, 0) END AS del_alder_kon_rel,
    CASE WHEN a.drg = 'alla' THEN a.del_drg_mix_kr / nullif(a.skillnad_kr, 0) END AS del_drg_mix_rel,
    CASE WHEN a.drg = 'alla' THEN a.del_andel_ytterfall_kr / nullif(a.skillnad_kr, 0) END AS del_andel_ytterfall_rel,
    CASE WHEN a.drg = 'alla' THEN a.del_kostnad_per_ytterfall_kr / nullif(a.skillnad_kr, 0) END
        AS del_kostnad_per_ytterfall_rel,
    CASE WHEN a.drg <> 'alla' THEN row_number() OVER (
        PARTITION BY a.ar, a.kostnadsunderlag_lan, a.vardform, a.drg = 'alla' ORDER BY a.skillnad_kr DESC, a.drg) END::INTEGER
        AS rang
FROM slutlig AS a
LEFT JOIN core_drg__vikter AS v ON v.ar = a.ar AND v.drg = a.drg
ORDER BY ar, kostnadsunderlag_lan, vardform, rang NULLS FIRST
