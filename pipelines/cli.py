"""`analysplan`: the command line for analysts. Messages in Swedish; every command runs the same
Dagster assets as the UI and the schedule (in-process, one run at a time)."""

from __future__ import annotations

import csv
import re
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from pipelines.workspace import Workspace, current_workspace

if TYPE_CHECKING:
    import dagster as dg

app = typer.Typer(
    help="Analysplan: Region Norrbottens reproducerbara analyspipeline (KPP/DRG, SCB, VIS, SVF).",
    no_args_is_help=True,
    add_completion=False,
)
console = Console(stderr=True, highlight=False)


def _fail(message: str, code: int = 1) -> typer.Exit:
    console.print(f"[bold red]Fel:[/] {message}", soft_wrap=True)
    return typer.Exit(code)


@app.callback()
def _configuration() -> None:
    """Check the configuration (county, parameters) before any command runs."""
    from pipelines import parametrar, workspace

    try:
        parametrar.lan()
        parametrar.current()
        workspace.published_for_group()
    except (ValueError, TypeError) as err:
        raise _fail(str(err), 2) from None


@contextmanager
def _writer() -> Iterator[None]:
    """Hold the warehouse's writer lock for the whole command (pipelines.las): wait with a line
    behind another writer, stop after the timeout with a Swedish message. Cleans up after killed
    runs when taken (pipelines.stadning)."""
    from pipelines import las, stadning

    try:
        with las.skrivlas(current_workspace(), on_acquire=stadning.vid_start):
            yield
    except las.LagretUpptaget as err:
        raise _fail(str(err), 5) from None


def _key(key: dg.AssetKey | None) -> str:
    return key.to_user_string() if key else "?"


def _materialize(
    selection: dg.AssetSelection, run_config: dict[str, Any] | None = None
) -> dg.ExecuteInProcessResult:
    import dagster as dg

    from pipelines import definitions

    instance = dg.DagsterInstance.get()
    with _writer(), console.status("Kör Dagster …"):
        result = dg.materialize(
            definitions.ALL_ASSETS,
            selection=selection,
            instance=instance,
            resources=definitions.resources(),
            # Dagster's own console log would repeat every failure with its stack trace; the summary
            # below says what failed and why, in Swedish. The UI keeps the full logs.
            run_config={**(run_config or {}), "loggers": {"console": {"config": {"log_level": "CRITICAL"}}}},
            raise_on_error=False,
        )
    failed_checks = [e for e in result.get_asset_check_evaluations() if not e.passed]
    for evaluation in failed_checks:
        console.print(
            f"[bold red]Kontroll bruten:[/] {_key(evaluation.asset_key)} / "
            f"{evaluation.check_name}\n"
            f"{evaluation.description or ''}"
        )
    if not result.success or failed_checks:
        for event in result.all_events:
            if event.is_step_failure and event.step_failure_data and event.step_failure_data.error:
                error = event.step_failure_data.error
                while error.cause is not None:  # the analyst needs the root cause, not Dagster's wrapper
                    error = error.cause
                message = re.sub(r"^[\w.]+(Error|Exception|Input|Failure): ", "", error.message.strip())
                console.print(f"[red]{event.step_key}:[/] {message}", soft_wrap=True)
        raise _fail("körningen misslyckades; tidigare tabeller och publicerade rapporter är orörda.")
    materialized = [_key(e.asset_key) for e in result.get_asset_materialization_events()]
    console.print(f"Klart: {len(materialized)} tillgångar ({', '.join(materialized)}).")
    return result


def _print_published(result: dg.ExecuteInProcessResult) -> None:
    for event in result.get_asset_materialization_events():
        meta = event.materialization.metadata
        if "version" in meta and "mapp" in meta:
            name = _key(event.asset_key)
            console.print(f"[bold green]{name}[/] version {meta['version'].value} — {meta['status'].value}")
            for fmt in ("html", "pdf", "pptx"):
                if fmt in meta:
                    print(meta[fmt].value)  # stdout: the published paths, one per line


def _ingest(source: str, files: list[Path]) -> int:
    """Accept the files (reader, dry run, contract), then build the source's core table and what it
    reads — the one path for `ingest`, `demo` and `fetch`. Unchanged tables are skipped."""
    ws = current_workspace()
    with _writer():  # accept and build as one turn: no other writer in between
        return _ingest_locked(ws, source, files)


def _ingest_locked(ws: Workspace, source: str, files: list[Path]) -> int:
    import dagster as dg

    from pipelines import ingest
    from pipelines.errors import RejectedInput
    from pipelines.sources.registry import get_source

    try:
        report = ingest.accept_report(ws, source, files)
    except KeyError as err:
        raise _fail(str(err.args[0]), 2) from None
    except RejectedInput as err:
        raise _fail(str(err), 2) from None
    except ingest.ContractBroken as err:
        raise _fail(str(err), 3) from None
    stored = report.stored
    for name, match in report.unchanged:
        console.print(
            f"Inget nytt i {name}: samma innehåll som {match.label()}, "
            f"inläst {match.delivered_at:%Y-%m-%d %H:%M}."
        )
    for line in report.change.lines:
        console.print(f"{source}: {line}")
    if not report.new and not report.unchanged:
        console.print(f"Inget nytt för {source}.")
    core = get_source(source).core_table
    if report.months:
        from pipelines import drift

        drift.sync_partitions(dg.DagsterInstance.get(), ws)  # the months the UI shows
    _materialize(dg.AssetSelection.assets(core).upstream())
    if report.change.changed:
        _print_stale(core)
    return len(stored)


def _print_stale(core_table: str) -> None:
    """Name the tables and reports built on ``core_table``: they are stale until the next build."""
    import dagster as dg

    from pipelines import definitions

    stale = sorted(
        k.to_user_string()
        for k in dg.AssetSelection.assets(core_table)
        .downstream(include_self=False)
        .resolve(definitions.ALL_ASSETS)
    )
    if not stale:
        return
    tables = [k for k in stale if not k.startswith("report_")]
    reports = [k.removeprefix("report_").replace("_", "-") for k in stale if k.startswith("report_")]
    text = f"Inaktuella nu (bygger på {core_table}): {len(tables)} tabeller ({', '.join(tables)})"
    if reports:
        text += f" och {len(reports)} rapporter ({', '.join(reports)})"
    console.print(
        f'[yellow]{text}.[/] Bygg om dem med `analysplan materialize "key:{core_table}+"`.', soft_wrap=True
    )


@app.command()
def ingest(
    source: Annotated[str, typer.Argument(help="Källa, t.ex. scb-befolkning")],
    files: Annotated[list[Path], typer.Argument(help="En eller flera levererade filer")],
) -> None:
    """Läs in filer för en källa genom dess datakontrakt (raw_* → core_*)."""
    _ingest(source, files)


@app.command()
def demo(
    seed: Annotated[int, typer.Option(help="Slumpfrö för demodata")] = 20200101,
    scale: Annotated[
        float, typer.Option(help="Datavolym: 1 = ett års KPP för en region (≈ 2 M kontakter)")
    ] = 0.01,
) -> None:
    """Huvudjobbet: skapa demodata, läs in, härled allt och publicera rapporterna."""
    import dagster as dg

    from pipelines.demo import generate_all
    from pipelines.sources.registry import all_sources

    started = time.perf_counter()
    ws = current_workspace()
    console.print(f"Arbetsyta: {ws.home}")
    files = generate_all(ws.demo, seed=seed, scale=scale)
    console.print(f"Demodata: {sum(len(p) for p in files.values())} filer för {len(files)} källor")
    with _writer():
        for source in all_sources().values():  # reference sources first: later contracts check against them
            if source.name in files:
                _ingest(source.name, files[source.name])
        result = _materialize(dg.AssetSelection.all())
    _print_published(result)
    console.print(f"Tid: {time.perf_counter() - started:.1f} s".replace(".", ","))


@app.command()
def report(
    slug: Annotated[str, typer.Argument(help="Rapportens namn, t.ex. befolkning")],
    period: Annotated[
        int | None, typer.Option(help="Rapportår (YYYY); standard: senaste året i data")
    ] = None,
    engine: Annotated[str, typer.Option(help="auto | quarto | builtin")] = "auto",
) -> None:
    """Materialisera en rapport och det uppströms som är inaktuellt; skriver ut publicerade filer."""
    import dagster as dg

    from pipelines import publish

    current_workspace()
    if slug not in publish.report_slugs():
        raise _fail(f"okänd rapport {slug!r}; finns: {', '.join(publish.report_slugs())}", 2)
    key = f"report_{slug.replace('-', '_')}"
    run_config = {"ops": {key: {"config": {"period": period, "engine": engine}}}}
    result = _materialize(dg.AssetSelection.assets(key).upstream(), run_config)
    _print_published(result)


@app.command()
def status(
    slug: Annotated[str, typer.Argument(help="Rapportens namn, t.ex. befolkning")],
    version: Annotated[
        str | None, typer.Argument(help="Versionen (mappnamnet); utelämna för en lista")
    ] = None,
    ny_status: Annotated[
        str | None, typer.Argument(metavar="STATUS", help="utkast, granskad eller publicerad")
    ] = None,
) -> None:
    """Sätt en versions granskningsstatus (skrivs bredvid versionen, aldrig i den) eller lista dem."""
    from pipelines import publish

    ws = current_workspace()
    versions = publish.read_versions(ws, slug)
    if not versions:
        raise _fail(f"rapporten {slug!r} har inga publicerade versioner i {ws.published}", 2)
    if version is None or ny_status is None:
        if version is not None:
            raise _fail(f"ange status för {version}: {', '.join(publish.STATUSES)}", 2)
        statuses = publish.read_statuses(ws, slug)
        latest = publish.latest_version(versions)
        for v in reversed(versions):
            name = v["version"]
            state = statuses.get(name, {}).get("status", publish.DEFAULT_STATUS)
            flags = " (latest)" if name == latest else ""
            flags += " – ocommittade ändringar" if v.get("ocommittade_andringar") else ""
            print(f"{name}\t{state}{flags}")
        return
    try:
        with _writer():
            record = publish.set_status(ws, slug, version, ny_status)
    except publish.StatusError as err:
        raise _fail(str(err), 2) from None
    console.print(f"{slug} {version}: status {record['status']} (satt {record['satt']}).")


@app.command()
def materialize(
    selection: Annotated[
        str, typer.Argument(help='Dagsters urvalssyntax, t.ex. "key:out_scb__aldersstruktur+"')
    ],
) -> None:
    """Materialisera tillgångar enligt Dagsters urvalssyntax."""
    import dagster as dg

    current_workspace()
    try:
        chosen = dg.AssetSelection.from_string(selection)
    except Exception as err:
        raise _fail(f"ogiltigt urval {selection!r}: {err}", 2) from None
    result = _materialize(chosen)
    _print_published(result)


@app.command()
def sql(
    query: Annotated[str, typer.Argument(help='t.ex. "SELECT * FROM out_scb__aldersstruktur LIMIT 5"')],
) -> None:
    """Kör skrivskyddad SQL mot lagret och skriv ut resultatet som CSV (rubrikrad, sedan rader).

    Bara lagret läses: inga filer (COPY, EXPORT, read_csv …), inga andra databaser (ATTACH), inga
    tillägg (INSTALL/LOAD) och inga inställningar (SET)."""
    import duckdb

    from pipelines import las, warehouse
    from pipelines import query as readonly

    ws = current_workspace()
    refused = readonly.refusal(query)
    if refused:
        raise _fail(refused, 2)
    try:
        # a writer at work: read the last committed copy instead of waiting (pipelines.las)
        with (
            las.lasvag(ws, say=lambda line: console.print(line, soft_wrap=True)) as path,
            warehouse.connect_query(path) as con,
        ):
            rel = con.sql(query)
            if rel is None:
                raise _fail("frågan gav inget resultat (endast SELECT-frågor skrivs ut)", 2)
            writer = csv.writer(sys.stdout, lineterminator="\n")
            writer.writerow(rel.columns)
            writer.writerows(rel.fetchall())
    except FileNotFoundError as err:
        raise _fail(str(err), 2) from None
    except duckdb.Error as err:
        raise _fail(readonly.explain(err), 2) from None


@app.command()
def leveranser(
    kalla: Annotated[str | None, typer.Argument(metavar="KÄLLA", help="Källa, t.ex. kpp-kontakter")] = None,
) -> None:
    """Lista leveranserna (inlästa filer): id, källa, period, rader, status och filnamn."""
    from pipelines import ingest
    from pipelines import leveranser as lev
    from pipelines.sources.registry import get_source

    ws = current_workspace()
    if kalla is not None:
        try:
            get_source(kalla)
        except KeyError as err:
            raise _fail(str(err.args[0]), 2) from None
    log = [d for d in ingest.deliveries(ws) if kalla is None or d.source == kalla]
    if not log:
        console.print("Inga leveranser." if kalla is None else f"Inga leveranser för {kalla}.")
        return
    held = {s: lev.live(log, s) for s in {d.source for d in log}}
    print("id\tkälla\tperiod\trader\tstatus\tinläst\tfil")
    for d in sorted(log, key=lambda d: d.id):
        print(
            f"{d.id}\t{d.source}\t{d.period_text}\t{d.rows}\t{lev.status(d, held[d.source])}\t"
            f"{d.delivered_at:%Y-%m-%d %H:%M}\t{d.original_name}"
        )


@app.command()
def aterkalla(
    leverans_id: Annotated[
        int, typer.Argument(metavar="ID", help="Leveransens id (se `analysplan leveranser`)")
    ],
) -> None:
    """Återkalla en leverans: perioden får tillbaka leveransen den ersatte, eller töms."""
    import dagster as dg

    from pipelines import ingest
    from pipelines.sources.registry import get_source

    ws = current_workspace()
    try:
        delivery, change = ingest.withdraw(ws, leverans_id)
    except KeyError as err:
        raise _fail(str(err.args[0]), 2) from None
    except ValueError as err:
        raise _fail(str(err), 2) from None
    except ingest.ContractBroken as err:
        raise _fail(str(err), 3) from None
    console.print(f"{delivery.label()} för {delivery.source} är återkallad (filen finns kvar i incoming/).")
    if not change.changed:
        console.print("Leveransen var redan ersatt: inga tabeller ändras.")
        return
    for line in change.lines:
        console.print(f"{delivery.source}: {line}")
    from pipelines import drift

    drift.sync_partitions(dg.DagsterInstance.get(), ws)
    core = get_source(delivery.source).core_table
    _materialize(dg.AssetSelection.assets(core).upstream())
    _print_stale(core)


fetch_app = typer.Typer(
    help="Hämta data direkt från SCB:s och Koladas API:er: varje svar sparas med sin SHA-256 i "
    "hamtat/<källa>/ och läses sedan in som en levererad fil (samma kontroller och datakontrakt).",
    no_args_is_help=True,
)
app.add_typer(fetch_app, name="fetch")


def _codes(values: list[str] | None) -> list[str] | None:
    """Repeated and/or comma-separated option values, flattened."""
    if not values:
        return None
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def _ingest_fetched(source: str, paths: list[Path]) -> None:
    if not paths:
        console.print(f"Inga svar med data att läsa in för {source}.")
        return
    _ingest(source, paths)


@fetch_app.command("scb")
def fetch_scb(
    tabell: Annotated[
        str, typer.Option(help="TAB638, BefolkningCKM, BefolkManadCKM eller prognos (BefProgOsiktRegN)")
    ] = "TAB638",
    region: Annotated[
        list[str] | None,
        typer.Option(help="Regionkod; upprepa eller kommaseparera. Standard: riket, länet och dess kommuner"),
    ] = None,
    ar: Annotated[list[int] | None, typer.Option(help="År; upprepa. Standard: alla år i tabellen")] = None,
    bas_url: Annotated[
        str | None, typer.Option("--bas-url", help="API:ets bas-URL. Standard: SCB:s (v1 eller v2)")
    ] = None,
    api: Annotated[str, typer.Option(help="PxWeb-API: v1 eller v2")] = "v1",
    tabell_id: Annotated[
        str | None,
        typer.Option(
            "--tabell-id",
            help="Annan tabell av samma slag: v1-sökväg (t.ex. BE/BE0401/BE0401B/BefProgOsiktRegN20) "
            "eller v2-id",
        ),
    ] = None,
) -> None:
    """Hämta en SCB-tabell (PxWeb v1 eller v2), spara svaren och läs in dem."""
    from pipelines import parametrar
    from pipelines.fetch import scb
    from pipelines.fetch.http import FetchError

    ws = current_workspace()
    if tabell not in scb.TABELLER:
        raise _fail(f"okänd tabell {tabell!r}; välj bland {', '.join(scb.TABELLER)}", 2)
    if api not in ("v1", "v2"):
        raise _fail(f"okänt API {api!r}; välj v1 eller v2", 2)
    spec = scb.TABELLER[tabell]
    try:
        stored = scb.fetch(
            ws,
            spec,
            api=api,
            base_url=bas_url,
            regions=_codes(region),
            years=ar,
            lan=parametrar.lan(),
            table_id=tabell_id,
            progress=console.print,
        )
    except FetchError as err:
        raise _fail(str(err), 4) from None
    console.print(f"{len(stored)} svar sparade i {ws.home / 'hamtat' / spec.source} (SHA-256 i filnamnen).")
    _ingest_fetched(spec.source, [s.path for s in stored])


@fetch_app.command("kolada")
def fetch_kolada(
    kpi: Annotated[
        list[str] | None,
        typer.Option(help="Nyckeltals-id; upprepa eller kommaseparera. Standard: N70061, N70038, N70059"),
    ] = None,
    ar: Annotated[list[int] | None, typer.Option(help="År; upprepa. Standard: 2016 till förra året")] = None,
    region: Annotated[
        list[str] | None,
        typer.Option(help="SCB-regionkod; upprepa eller kommaseparera. Standard: riket och de 21 regionerna"),
    ] = None,
    bas_url: Annotated[
        str | None, typer.Option("--bas-url", help="API:ets bas-URL. Standard: https://api.kolada.se/v3")
    ] = None,
) -> None:
    """Hämta nyckeltal från Kolada (API v3), spara svaren och läs in dem."""
    from pipelines.fetch import kolada
    from pipelines.fetch.http import FetchError
    from pipelines.sources.kolada import kolada_id

    ws = current_workspace()
    try:
        units = [kolada_id(r) for r in _codes(region) or []] or None
    except KeyError as err:
        raise _fail(str(err.args[0]), 2) from None
    try:
        stored = kolada.fetch(
            ws,
            kpis=_codes(kpi) or kolada.DEFAULT_KPIS,
            units=units,
            years=ar,
            base_url=bas_url,
            progress=console.print,
        )
    except FetchError as err:
        raise _fail(str(err), 4) from None
    console.print(f"{len(stored)} sida/sidor med data sparade i {ws.home / 'hamtat' / kolada.SOURCE}.")
    _ingest_fetched(kolada.SOURCE, [s.path for s in stored])


@app.command()
def bench(
    scale: Annotated[
        str,
        typer.Option(
            help="Datavolym, en eller flera åtskilda med komma (1,4; decimaler med punkt, 0.5): "
            "1 = ett års KPP för en region (≈ 2 M kontakter)"
        ),
    ] = "1",
    json_file: Annotated[Path | None, typer.Option("--json", help="Skriv resultatet som JSON hit")] = None,
    ingest: Annotated[bool, typer.Option(help="Mät ingest mot DuckDB:s read_csv (skala ≤ 1)")] = True,
) -> None:
    """Mät härledningen mot pandas, ingest mot DuckDB:s read_csv och datakontrakten, i samma körning."""
    from pipelines import bench as benchmark

    try:
        scales = [
            float(part.replace(",", ".")) for part in scale.replace(";", ",").split(",") if part.strip()
        ]
    except ValueError:
        raise _fail(f"--scale {scale!r}: ange tal, t.ex. 1 eller 1,4", 2) from None
    if not scales or any(s <= 0 for s in scales):
        raise _fail(f"--scale {scale!r}: ange positiva tal, t.ex. 1 eller 1,4", 2)
    results = []
    for s in scales:
        with console.status(f"Skala {s:g}: genererar data och mäter …".replace(".", ",")):
            results.append(benchmark.run(s, ingest=ingest))
    lines = benchmark.table_rows(results)
    widths = [max(len(line[i]) for line in lines) for i in range(len(lines[0]))]
    for line in lines:
        print(
            "  ".join(
                cell.ljust(w) if i == 0 else cell.rjust(w)
                for i, (cell, w) in enumerate(zip(line, widths, strict=True))
            )
        )
    for note in benchmark.notes(results):
        print(note)
    if json_file is not None:
        payload = benchmark.as_json(results[0] if len(results) == 1 else results)
        json_file.write_text(payload + "\n", encoding="utf-8")
        console.print(f"JSON: {json_file}")


if __name__ == "__main__":
    app()
