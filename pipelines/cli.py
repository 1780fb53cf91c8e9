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
    from pipelines import parametrar

    try:
        parametrar.lan()
        parametrar.current()
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
        stored = ingest.accept(ws, source, files)
    except KeyError as err:
        raise _fail(str(err.args[0]), 2) from None
    except RejectedInput as err:
        raise _fail(str(err), 2) from None
    except ingest.ContractBroken as err:
        raise _fail(str(err), 3) from None
    if stored:
        console.print(
            f"{len(stored)} ny(a) fil(er) för {source}: " + ", ".join(f.original_name for f in stored)
        )
    else:
        console.print(f"Inget nytt för {source}: filen/filerna är redan inlästa (samma innehåll).")
    _materialize(dg.AssetSelection.assets(get_source(source).core_table).upstream())
    return len(stored)


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
    """Kör skrivskyddad SQL mot lagret och skriv ut resultatet som CSV (rubrikrad, sedan rader)."""
    import duckdb

    from pipelines import las, warehouse

    ws = current_workspace()
    try:
        # a writer at work: read the last committed copy instead of waiting (pipelines.las)
        with (
            las.lasvag(ws, say=lambda line: console.print(line, soft_wrap=True)) as path,
            warehouse.connect(path, read_only=True) as con,
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
        raise _fail(f"SQL-fel: {err}", 2) from None


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
        float, typer.Option(help="Datavolym: 1 = ett års KPP för en region (≈ 2 M kontakter)")
    ] = 1.0,
    json_file: Annotated[Path | None, typer.Option("--json", help="Skriv resultatet som JSON hit")] = None,
) -> None:
    """Mät härledningen (ytterfall, demografi) mot samma analyser i pandas, i samma körning."""
    from pipelines import bench as benchmark
    from pipelines.formatering import tal

    with console.status(f"Genererar data (skala {tal(scale, 3, ' ')}) och kör båda …"):
        result = benchmark.run(scale)
    rows = [
        ("Kontakter", tal(result.rows, 0, " "), ""),
        (
            "analysplan",
            f"{tal(result.analysplan_s, 2, ' ')} s",
            f"{tal(result.analysplan_peak_mb, 0, ' ')} MB",
        ),
        ("pandas", f"{tal(result.pandas_s, 2, ' ')} s", f"{tal(result.pandas_peak_mb, 0, ' ')} MB"),
    ]
    for name, seconds, memory in rows:
        print(f"{name:<12}{seconds:>14}{memory:>12}")
    print(f"Kvot pandas/analysplan: {tal(result.ratio, 2, ' ')}")
    if json_file is not None:
        json_file.write_text(benchmark.as_json(result) + "\n", encoding="utf-8")
        console.print(f"JSON: {json_file}")


if __name__ == "__main__":
    app()
