"""core_kpp__kontakter on re-deliveries: the latest delivery of an id wins (ties by file name, then
line), only files whose id ranges meet are ranked, and the contract numbers the table's rows in the
documented order (ar, manad, vardkontakt_id; the suite's meta.row_order) whatever the raw table's order
and the number of threads. The table itself is stored unsorted (issue 11)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

import duckdb
import pytest

from pipelines import contracts, warehouse

TABLE = "core_kpp__kontakter"
T0 = datetime(2024, 3, 1, 8, 0, 0)
HOUR = timedelta(hours=1)

RAW_DDL = """
CREATE OR REPLACE TABLE raw_kpp__kontakter (
    vardkontakt_id VARCHAR, patient_id VARCHAR, ar BIGINT, manad BIGINT, sjukhus VARCHAR, klinik VARCHAR,
    vardform VARCHAR, vardtyp VARCHAR, kon VARCHAR, alder BIGINT, huvuddiagnos VARCHAR, drg VARCHAR,
    vardtid_dagar BIGINT, kostnad DOUBLE, kalla_rad BIGINT, kalla_fil VARCHAR, kalla_sha256 VARCHAR,
    kalla_inlast TIMESTAMP
)
"""

# A file's rows: (id, manad, kostnad), line i + 2 (line 1 is the header), as the reader stores them.
INSERT = """
INSERT INTO raw_kpp__kontakter
SELECT r.id, 'P' || r.id, 2020, r.manad, 'sun', 'Medicinkliniken', 'oppen', 'somatisk', 'K', 50, 'I50.0',
    '127n', 0, r.kostnad, r.rad, $fil, $sha, $inlast
FROM (SELECT unnest($ids) AS id, unnest($manader) AS manad, unnest($kostnader) AS kostnad,
    unnest(range(2, len($ids) + 2)) AS rad) AS r
"""

# The formulation this table had before issue 11: rank every row per id. The oracle.
ORACLE = """
SELECT vardkontakt_id, ar::INTEGER AS ar, manad::INTEGER AS manad, kostnad, kalla_fil, kalla_rad
FROM raw_kpp__kontakter
QUALIFY row_number() OVER (
    PARTITION BY vardkontakt_id ORDER BY kalla_inlast DESC, kalla_fil DESC, kalla_rad DESC
) = 1
ORDER BY ar, manad, vardkontakt_id
"""

ROW_ORDER = contracts.load_suite(TABLE)["meta"]["row_order"]
# the rows in the order the contract numbers them (stored, the table has no order)
STORED = (
    f"SELECT vardkontakt_id, ar, manad, kostnad, kalla_fil, kalla_rad FROM {TABLE} "
    f"ORDER BY {', '.join(ROW_ORDER)}"
)


def deliver(
    con: duckdb.DuckDBPyConnection,
    fil: str,
    inlast: datetime,
    rows: list[tuple[str, int, float]],
) -> None:
    con.execute(
        INSERT,
        {
            "fil": fil,
            "sha": f"sha-{fil}-{inlast.isoformat()}",
            "inlast": inlast,
            "ids": [r[0] for r in rows],
            "manader": [r[1] for r in rows],
            "kostnader": [r[2] for r in rows],
        },
    )


def build(con: duckdb.DuckDBPyConnection) -> list[tuple[Any, ...]]:
    warehouse.build_table(con, TABLE, {"lan": "25"})
    return con.sql(STORED).fetchall()


@pytest.fixture
def raw(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    con.execute(RAW_DDL)
    return con


def test_a_redelivered_contact_keeps_the_latest_row_in_the_documented_order(
    raw: duckdb.DuckDBPyConnection,
) -> None:
    deliver(raw, "a.csv", T0, [("VK0001", 3, 1.0), ("VK0002", 1, 2.0), ("VK0003", 2, 3.0),
                               ("VK0004", 1, 4.0), ("VK0005", 3, 5.0), ("VK0006", 2, 6.0)])  # fmt: skip
    deliver(raw, "b.csv", T0 + HOUR, [("VK0004", 2, 999.0), ("VK0007", 1, 7.0)])  # VK0004 moves to February
    assert build(raw) == [
        ("VK0002", 2020, 1, 2.0, "a.csv", 3),
        ("VK0007", 2020, 1, 7.0, "b.csv", 3),
        ("VK0003", 2020, 2, 3.0, "a.csv", 4),
        ("VK0004", 2020, 2, 999.0, "b.csv", 2),
        ("VK0006", 2020, 2, 6.0, "a.csv", 7),
        ("VK0001", 2020, 3, 1.0, "a.csv", 2),
        ("VK0005", 2020, 3, 5.0, "a.csv", 6),
    ]
    assert raw.sql(f"SELECT region_kod, sjukhus, huvuddiagnos, drg FROM {TABLE} LIMIT 1").fetchall() == [
        ("25", "SUN", "I500", "127N")
    ]


def test_one_redelivered_contact_among_many(raw: duckdb.DuckDBPyConnection) -> None:
    # 150 000 contacts (two row groups, both threads at work), stored out of order; a later file
    # corrects one of them and adds one.
    ids = [f"VK{i:06d}" for i in range(150_000)]
    random.Random(11).shuffle(ids)
    deliver(raw, "helar.csv", T0, [(i, 1 + int(i[2:]) % 12, float(int(i[2:]))) for i in ids])
    deliver(raw, "rattelse.csv", T0 + HOUR, [("VK004711", 12, 0.5), ("VK150000", 1, 1.5)])
    stored = build(raw)
    assert len(stored) == 150_001
    # 1-based row numbers (the contract's messages name them): month 1 holds VK000000, VK000012, …,
    # VK149988 and the new VK150000 last (12 501 rows); month 8 lost VK004711 (12 499); the other
    # months 12 500 each, so month 12 starts at row 137 501, and 392 of its ids (VK000011 … VK004703)
    # come before VK004711.
    assert stored[0] == ("VK000000", 2020, 1, 0.0, "helar.csv", ids.index("VK000000") + 2)
    assert stored[12_501 - 1] == ("VK150000", 2020, 1, 1.5, "rattelse.csv", 3)
    assert stored[137_893 - 1] == ("VK004711", 2020, 12, 0.5, "rattelse.csv", 2)
    assert sum(r[0] == "VK004711" for r in stored) == 1
    assert stored == sorted(stored, key=lambda r: (r[1], r[2], r[0]))


def test_ties_go_to_the_later_name_then_the_later_time(raw: duckdb.DuckDBPyConnection) -> None:
    deliver(raw, "kontakter_a.csv", T0, [("VK1", 1, 1.0), ("VK2", 1, 2.0), ("VK3", 1, 3.0)])
    deliver(raw, "kontakter_b.csv", T0, [("VK1", 1, 10.0)])  # ingested together with a: b wins by name
    deliver(raw, "kontakter_a.csv", T0 + HOUR, [("VK2", 1, 20.0), ("VK3", 1, 30.0)])  # a re-run of a
    deliver(raw, "kontakter_0.csv", T0 + 2 * HOUR, [("VK3", 1, 300.0)])  # the latest, whatever its name
    assert build(raw) == [
        ("VK1", 2020, 1, 10.0, "kontakter_b.csv", 2),
        ("VK2", 2020, 1, 20.0, "kontakter_a.csv", 2),
        ("VK3", 2020, 1, 300.0, "kontakter_0.csv", 2),
    ]


def test_files_whose_id_ranges_meet_without_common_ids_lose_nothing(raw: duckdb.DuckDBPyConnection) -> None:
    deliver(raw, "jamna.csv", T0, [("VK2", 2, 2.0), ("VK4", 1, 4.0)])
    deliver(raw, "udda.csv", T0 + HOUR, [("VK1", 2, 1.0), ("VK3", 1, 3.0), ("VK5", 1, 5.0)])
    deliver(raw, "senare.csv", T0 + 2 * HOUR, [("VK6", 1, 6.0)])  # a range of its own
    assert build(raw) == [
        ("VK3", 2020, 1, 3.0, "udda.csv", 3),
        ("VK4", 2020, 1, 4.0, "jamna.csv", 3),
        ("VK5", 2020, 1, 5.0, "udda.csv", 4),
        ("VK6", 2020, 1, 6.0, "senare.csv", 2),
        ("VK1", 2020, 2, 1.0, "udda.csv", 2),
        ("VK2", 2020, 2, 2.0, "jamna.csv", 2),
    ]


@pytest.mark.parametrize("seed", [0, 2, 4, 5, 6, 9, 10, 11])  # seeds that re-deliver
def test_the_same_table_as_ranking_every_row(raw: duckdb.DuckDBPyConnection, seed: int) -> None:
    # Random deliveries: overlapping, nested and disjoint id ranges, some ingested together (ties
    # on time), some names reused; each file's ids unique (the reader's rule).
    rng = random.Random(seed)
    for f in range(rng.randint(1, 7)):
        start = rng.choice([0, 0, 500, 2_000, 10_000])
        pool = range(start, start + rng.choice([50, 800, 3_000]))
        ids = rng.sample(pool, rng.randint(1, len(pool)))
        rows = [(f"VK{i:05d}", rng.randint(1, 12), float(rng.randint(0, 9_999))) for i in ids]
        deliver(raw, rng.choice(["a.csv", "b.csv", f"fil_{f}.csv"]), T0 + rng.randint(0, 2) * HOUR, rows)
    expected = raw.sql(ORACLE).fetchall()
    assert build(raw) == expected
    delivered = raw.sql("SELECT count(*) FROM raw_kpp__kontakter").fetchall()[0][0]
    assert delivered > len(expected)  # the scenario re-delivers contacts


@pytest.mark.parametrize("threads", [1, 4])
def test_the_row_numbers_do_not_depend_on_the_threads(raw: duckdb.DuckDBPyConnection, threads: int) -> None:
    # Raw in a scrambled order over three row groups; the contract numbers the rows in (ar, manad, id)
    # order however DuckDB's threads stored them.
    raw.execute(
        "INSERT INTO raw_kpp__kontakter SELECT 'VK' || lpad(i::VARCHAR, 6, '0'), 'P', 2019 + i % 2, 1 + i % 12, "
        "'SUN', 'K', 'oppen', 'somatisk', 'M', 40, 'I50.0', '127N', 0, i, i + 2, 'x.csv', 'x', $t "
        "FROM range(300000) AS t(i) ORDER BY hash(i)",
        {"t": T0},
    )
    raw.execute(
        "INSERT INTO raw_kpp__kontakter SELECT * REPLACE (kostnad + 0.5 AS kostnad, 'y.csv' AS kalla_fil, "
        "$t AS kalla_inlast) FROM raw_kpp__kontakter WHERE kalla_rad % 1000 = 7",
        {"t": T0 + HOUR},
    )
    raw.execute(f"SET threads = {threads}")
    stored = build(raw)
    assert len(stored) == 300_000
    assert stored[0] == ("VK000000", 2019, 1, 0.0, "x.csv", 2)
    assert stored[1] == ("VK000012", 2019, 1, 12.0, "x.csv", 14)
    assert stored[-1] == ("VK299999", 2020, 12, 299_999.0, "x.csv", 300_001)
    # y.csv re-delivers i ≡ 5 (mod 1000), odd so in 2020; i = 5 is the first of 2020's month 6, after
    # 2019 (150 000 even i) and 2020's months 2 and 4 (25 000 each).
    assert stored[200_000 - 1 : 200_000 + 2] == [
        ("VK299991", 2020, 4, 299_991.0, "x.csv", 299_993),
        ("VK000005", 2020, 6, 5.5, "y.csv", 7),
        ("VK000017", 2020, 6, 17.0, "x.csv", 19),
    ]
    assert sum(r[4] == "y.csv" for r in stored) == 300
    assert stored == raw.sql(ORACLE).fetchall()
    numbered = contracts._numbered(TABLE, ROW_ORDER)
    assert raw.sql(f"SELECT rad_nr + 1 FROM {numbered} WHERE vardkontakt_id = 'VK000005'").fetchall() == [
        (200_001,)  # index 200 000 of the list above: row 200 001
    ]
