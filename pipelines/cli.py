"""`analysplan`: the command line for analysts. Messages in Swedish; every command runs the same
Dagster assets as the UI and the schedule (in-process, one run at a time)."""

from __future__ import annotations

import csv
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from pipelines.workspace import current_workspace

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


def _key(key: dg.AssetKey | None) -> str:
    return key.to_user_string() if key else "?"


def _materialize(
    selection: dg.AssetSelection, run_config: dict[str, Any] | None = None
) -> dg.ExecuteInProcessResult:
    import dagster as dg

    from pipelines import definitions

    instance = dg.DagsterInstance.get()
    with console.status("Kör Dagster …"):
        result = dg.materialize(
            definitions.ALL_ASSETS,
            selection=selection,
            instance=instance,
            resources=definitions.resources(),
            run_config={**(run_config or {}), "loggers": {"console": {"config": {"log_level": "WARNING"}}}},
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
                console.print(f"[red]{event.step_key}:[/] {event.step_failure_data.error.message.strip()}")
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
    from pipelines import ingest
    from pipelines.errors import RejectedInput

    ws = current_workspace()
    try:
        stored = ingest.accept(ws, source, files, params={"lan": os.environ.get("ANALYSPLAN_LAN", "25")})
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
    return len(stored)


@app.command()
def ingest(
    source: Annotated[str, typer.Argument(help="Källa, t.ex. scb-befolkning")],
    files: Annotated[list[Path], typer.Argument(help="En eller flera levererade filer")],
) -> None:
    """Läs in filer för en källa genom dess datakontrakt (raw_* → core_*)."""
    import dagster as dg

    from pipelines.sources.registry import get_source

    _ingest(source, files)
    src = get_source(source)
    _materialize(dg.AssetSelection.assets(src.raw_table, src.core_table))


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
    for source in all_sources().values():  # reference sources first: later contracts check against them
        if source.name in files:
            _ingest(source.name, files[source.name])
            _materialize(dg.AssetSelection.assets(source.core_table).upstream())
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

    from pipelines import warehouse

    ws = current_workspace()
    try:
        with warehouse.connect(ws.warehouse, read_only=True) as con:
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


if __name__ == "__main__":
    app()
