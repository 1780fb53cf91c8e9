"""`analysplan`: the command line for analysts. Messages in Swedish; every command runs the same
Dagster assets as the UI and the schedule (in-process, one run at a time)."""

from __future__ import annotations

import csv
import json
import re
import sys
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from pipelines import cli_svenska
from pipelines.workspace import current_workspace

cli_svenska.install()  # typer's own texts (help, usage, errors) in Swedish

if TYPE_CHECKING:
    import dagster as dg

    from pipelines.ingest import IngestReport

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

    ws = current_workspace()
    try:
        with las.skrivlas(ws, on_acquire=stadning.vid_start), las.instanslas(ws):
            yield
    except las.LagretUpptaget as err:
        raise _fail(str(err), 5) from None


def _key(key: dg.AssetKey | None) -> str:
    return key.to_user_string() if key else "?"


def _progress_logger() -> dg.LoggerDefinition:
    """A Dagster logger that prints one line per step as it starts (the in-process run is serial),
    so a long run shows which asset is being built; everything else stays in the UI's logs."""
    import logging

    import dagster as dg

    class StepLines(logging.Handler):
        def __init__(self, total: int) -> None:
            super().__init__(logging.DEBUG)
            self.total, self.started = total, 0

        def emit(self, record: logging.LogRecord) -> None:
            event = getattr(record, "dagster_event", None)
            if event is None:
                return
            if event.event_type_value == "STEP_START":
                self.started += 1
                console.print(
                    f"[dim][{self.started}/{self.total}][/] bygger {event.step_key} …", soft_wrap=True
                )

    @dg.logger(config_schema={"steg": int})
    def fremsteg(init_context: dg.InitLoggerContext) -> logging.Logger:
        logger = logging.Logger("analysplan.fremsteg", logging.DEBUG)
        logger.addHandler(StepLines(int(init_context.logger_config["steg"])))
        return logger

    return fremsteg


def _run(names: list[str], run_config: dict[str, Any] | None = None) -> dg.ExecuteInProcessResult:
    """One in-process Dagster run of the assets ``names`` (and their checks), a line per step."""
    import dagster as dg

    from pipelines import definitions, las

    defs = dg.Definitions(
        jobs=[dg.define_asset_job("analysplan_cli", selection=dg.AssetSelection.assets(*names))],
        assets=definitions.ALL_ASSETS,
        resources=definitions.resources(),
        # Dagster's own console log would repeat every failure with its stack trace; the summary
        # says what failed and why, in Swedish. The UI keeps the full logs.
        loggers={"fremsteg": _progress_logger()},
    )
    with _writer():
        return defs.resolve_job_def("analysplan_cli").execute_in_process(
            run_config={**(run_config or {}), "loggers": {"fremsteg": {"config": {"steg": len(names)}}}},
            instance=las.open_instance(current_workspace()),
            raise_on_error=False,
        )


def _selected(selection: dg.AssetSelection) -> list[str]:
    """The asset keys a Dagster selection names, in the definitions' graph."""
    from pipelines import definitions

    graph = definitions.defs.resolve_asset_graph()
    return sorted(k.to_user_string() for k in selection.resolve(graph))


def _materialize(
    selection: dg.AssetSelection | list[str],
    run_config: dict[str, Any] | None = None,
    *,
    quiet: bool = False,
) -> dg.ExecuteInProcessResult | None:
    """Build what is out of date in ``selection`` in one Dagster run; None if nothing was (the
    check that decides this, :mod:`pipelines.plan`, needs no Dagster run and no Dagster import)."""

    names = selection if isinstance(selection, list) else _selected(selection)
    report_config = {k: v.get("config", {}) for k, v in ((run_config or {}).get("ops") or {}).items()}
    with _writer():  # the check and the run as one turn: no other writer in between
        return _materialize_locked(names, run_config, report_config, quiet=quiet)


def _materialize_locked(
    names: list[str], run_config: dict[str, Any] | None, report_config: dict[str, Any], *, quiet: bool
) -> dg.ExecuteInProcessResult | None:
    from pipelines import plan

    due = plan.due(current_workspace(), names, report_config)
    if not due:
        if not quiet:
            console.print(
                f"Allt är aktuellt: {len(names)} tillgångar kontrollerade, inget behövde byggas "
                "(oförändrad indata och kod)."
            )
        return None
    result = _run(due, {"ops": {k: v for k, v in ((run_config or {}).get("ops") or {}).items() if k in due}})
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
    skipped = len(names) - len(due)
    console.print(
        f"Klart: {len(materialized)} tillgångar ({', '.join(materialized)})"
        + (f"; {skipped} redan aktuella." if skipped else ".")
    )
    return result


def _print_published(result: dg.ExecuteInProcessResult | None) -> None:
    if result is None:
        return
    for event in result.get_asset_materialization_events():
        meta = event.materialization.metadata
        if "version" in meta and "mapp" in meta:
            name = _key(event.asset_key)
            console.print(f"[bold green]{name}[/] version {meta['version'].value} — {meta['status'].value}")
            for fmt in ("html", "pdf", "pptx"):
                if fmt in meta:
                    print(meta[fmt].value)  # stdout: the published paths, one per line


def _accept(source: str, files: list[Path], *, quiet: bool = False, build_now: bool = False) -> IngestReport:
    """Accept the files (reader, dry run, contract) into the workspace; what the deliveries did.
    ``build_now``: load and build the source's raw and core tables in the same transaction
    (:func:`pipelines.ingest.accept_report`)."""
    import duckdb

    from pipelines import ingest
    from pipelines.errors import RejectedInput

    ws = current_workspace()
    for path in files:
        if path.is_dir():
            raise _fail(f"{path} är en mapp, inte en fil: ange filerna i den (t.ex. {path}/*).", 2)
    try:
        report = ingest.accept_report(ws, source, files, build_now=build_now, say=_step_line)
    except KeyError as err:
        raise _fail(str(err.args[0]), 2) from None
    except RejectedInput as err:
        raise _fail(str(err), 2) from None
    except ingest.ContractBroken as err:
        raise _fail(str(err), 3) from None
    except duckdb.Error as err:  # e.g. out of memory: the load was rolled back and the file restored
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        hint = (
            " Höj ANALYSPLAN_DUCKDB_MINNE eller minska ANALYSPLAN_DUCKDB_TRADAR."
            if "memory" in first.lower()
            else ""
        )
        raise _fail(
            f"inläsningen av {', '.join(p.name for p in files)} avbröts i lagret ({first}); "
            f"arbetsytan är oförändrad.{hint}",
            4,
        ) from None
    for name, match in [] if quiet else report.unchanged:
        console.print(
            f"Inget nytt i {name}: samma innehåll som {match.label()}, "
            f"inläst {match.delivered_at:%Y-%m-%d %H:%M}."
        )
    for line in report.change.lines:
        console.print(f"{source}: {line}")
    if report.stored:
        console.print(
            f"{len(report.stored)} ny(a) fil(er) för {source}: "
            + ", ".join(f.original_name for f in report.stored)
        )
    elif not report.new and not report.unchanged and not quiet:
        console.print(f"Inget nytt för {source}: filen/filerna är redan inlästa (samma innehåll).")
    return report


def _ingest(source: str, files: list[Path]) -> int:
    """Accept the files, then build the source's core table and what it reads — the one path for
    `ingest` and `fetch`. Unchanged tables are skipped.

    When everything else the core table reads is up to date, the source's raw and core tables are
    built in the accepting transaction itself (one load, no Dagster run); the materializations are
    recorded in Dagster's instance by a detached `analysplan registrera` (the UI shows them a few
    seconds later). Otherwise a Dagster run builds what is out of date."""
    from pipelines import plan, tider
    from pipelines.sources.registry import get_source

    try:
        src = get_source(source)
    except KeyError as err:
        raise _fail(str(err.args[0]), 2) from None
    core = src.core_table
    with _writer():  # accept and build as one turn: no other writer in between
        selection = sorted(plan.upstream([core]))
        others = [k for k in selection if k not in (src.raw_table, core)]
        with tider.steg("plan"):
            direct = not plan.due(current_workspace(), others)
        report = _accept(source, files, build_now=direct)
        if report.built is not None:
            _record_built(report, len(selection))
        else:
            if report.months:
                _sync_partitions()
            _materialize(selection)
    if report.change.changed:
        _print_stale(core)
    return len(report.stored)


def _step_line(message: str) -> None:
    console.print(f"[dim]{message}[/]", highlight=False)


def _record_built(report: IngestReport, checked: int) -> None:
    """Say what the accepting transaction built, and record it in Dagster's instance, detached."""
    from pipelines import las

    assert report.built is not None
    raw, core = report.built
    built = [b for b in (raw, core) if not b.skipped]
    console.print(
        f"Klart: {len(built)} tillgångar ({', '.join(b.table for b in built)})"
        + (f"; {checked - len(built)} redan aktuella." if checked > len(built) else ".")
    )
    events = {"tillgangar": [b.as_event() for b in built], "manader": bool(report.months)}
    las.start_registration(
        current_workspace(),
        [sys.executable, "-m", "pipelines.cli", "registrera", json.dumps(events, ensure_ascii=False)],
    )


@app.command("registrera", hidden=True)
def register(events: str) -> None:
    """Record raw/core tables built without a run as their assets' materializations (and the core
    table's contract as its check's result); see _ingest."""
    import dagster as dg

    from pipelines import drift

    ws = current_workspace()
    data = json.loads(events)
    records: list[dg.AssetMaterialization | dg.AssetCheckEvaluation] = []
    for asset in data["tillgangar"]:
        metadata: dict[str, Any] = dict(asset["metadata"])
        if asset.get("kolumner"):
            metadata["dagster/row_count"] = dg.MetadataValue.int(int(asset["metadata"]["rader"]))
            metadata["dagster/column_schema"] = dg.MetadataValue.table_schema(
                dg.TableSchema(columns=[dg.TableColumn(n, t) for n, t in asset["kolumner"]])
            )
        tags = {
            "dagster/data_version": asset["dataversion"],
            "dagster/code_version": asset["kodversion"],
            "dagster/data_version_is_user_provided": "true",
        }
        records.append(dg.AssetMaterialization(asset["nyckel"], metadata=metadata, tags=tags))
        check = asset.get("kontroll")
        if check:
            records.append(
                dg.AssetCheckEvaluation(
                    asset_key=dg.AssetKey(asset["nyckel"]),
                    check_name=check["namn"],
                    passed=bool(check["ok"]),
                    description=check["beskrivning"],
                    metadata=check["metadata"],
                )
            )
    # Dagster's instance, one writer at a time (pipelines.las.instanslas): every writer command
    # waits for this one, and it for them. Only the writing itself: Dagster is imported and the
    # events made before, so the turn is short. The warehouse's readers are not held up.
    from pipelines import las

    with las.instanslas(ws):
        instance = las.open_instance(ws)
        if data.get("manader"):
            drift.sync_partitions(instance, ws)
        for record in records:
            instance.report_runless_asset_event(record)


def _sync_partitions() -> None:
    """The delivered months as the monthly assets' Dagster partitions (what the UI shows)."""
    from pipelines import drift, las

    ws = current_workspace()
    drift.sync_partitions(las.open_instance(ws), ws)


def _print_stale(core_table: str) -> None:
    """Name the tables and reports built on ``core_table``: they are stale until the next build."""
    from pipelines import plan

    stale = sorted(plan.downstream([core_table]) - {core_table})
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
    from pipelines import plan
    from pipelines.demo import ensure_all
    from pipelines.sources.registry import all_sources

    started = time.perf_counter()
    ws = current_workspace()
    console.print(f"Arbetsyta: {ws.home}")
    files, written = ensure_all(ws.demo, seed=seed, scale=scale)
    count = sum(len(p) for p in files.values())
    console.print(
        f"Demodata: {count} filer för {len(files)} källor"
        + (f" ({written} nyskrivna)" if written else " (oförändrade)")
    )
    # Reference sources first: a later contract checks against their core tables, so those are
    # built (one run for the whole wave) before the sources that read them are accepted.
    sources = [s for s in all_sources().values() if s.name in files]
    owners = {s.core_table: s.name for s in sources}
    accepted: set[str] = set()
    new_files = 0
    months = False
    with _writer():  # the whole demo is one writer's turn
        while len(accepted) < len(sources):
            wave = [
                s
                for s in sources
                if s.name not in accepted and all(owners[t] in accepted for t in s.depends_on if t in owners)
            ]
            needed = sorted({t for s in wave for t in s.depends_on if t in owners})
            if needed:
                _materialize(sorted(plan.upstream(needed)), quiet=True)
            for source in wave:
                report = _accept(source.name, files[source.name], quiet=True)
                new_files += len(report.stored)
                months = months or bool(report.months)
                accepted.add(source.name)
        if not new_files:
            console.print(f"Inget nytt att läsa in: alla {count} filer är redan inlästa (samma innehåll).")
        if months:
            _sync_partitions()
        result = _materialize(sorted(plan.graph()))
    _print_published(result)
    console.print(f"Tid: {time.perf_counter() - started:.1f} s".replace(".", ","))


def _publish_alone(slug: str, upstream: list[str], config: dict[str, Any]) -> None:
    """Publish a report whose inputs are all up to date without a Dagster run: the report asset's
    own function (:func:`pipelines.publish.publish_report`). Dagster is not even imported: the
    materialization is recorded in the instance by a detached `analysplan registrera-rapport`
    (the UI shows it as the asset's latest, a second later). What `report` after a .qmd edit costs."""
    from pipelines import las, parametrar, plan, publish, warehouse

    ws = current_workspace()
    key = plan.report_key(slug)
    console.print(f"[dim][1/1][/] bygger {key} …")
    try:
        with warehouse.connect(ws.warehouse) as con:
            result = publish.publish_report(
                ws,
                con,
                slug,
                period=config["period"],
                engine=config["engine"],
                lan=parametrar.lan(),
                run_id=None,
                upstream=set(upstream),
            )
    except Exception as err:  # the analyst gets the message; the manifest and UI keep the details
        message = re.sub(r"^[\w.]+(Error|Exception|Input|Failure): ", "", str(err).strip())
        console.print(f"[red]{key}:[/] {message}", soft_wrap=True)
        raise _fail(
            "körningen misslyckades; tidigare tabeller och publicerade rapporter är orörda."
        ) from None
    status = "ny version" if result.new else "oförändrad (samma indata och kod)"
    record = {"version": result.version, "status": status, "mapp": str(result.folder)}
    record.update({fmt: str(p) for fmt, p in result.files.items()})
    las.start_registration(
        ws, [sys.executable, "-m", "pipelines.cli", "registrera-rapport", key, json.dumps(record)]
    )
    console.print(f"Klart: 1 tillgång ({key}); {len(upstream) - 1} redan aktuella.")
    console.print(f"[bold green]{key}[/] version {result.version} — {status}")
    for path in result.files.values():
        print(path)


@app.command("registrera-rapport", hidden=True)
def register_report(key: str, record: str) -> None:
    """Record a report published without a run as its asset's materialization (see _publish_alone)."""
    import dagster as dg

    current_workspace()
    values = json.loads(record)
    metadata: dict[str, Any] = {
        name: value if name in ("version", "status") else dg.MetadataValue.path(value)
        for name, value in values.items()
    }
    from pipelines import las

    ws = current_workspace()
    with las.instanslas(ws):  # as `registrera`: one writer of Dagster's instance
        las.open_instance(ws).report_runless_asset_event(
            dg.AssetMaterialization(key, metadata=metadata, tags={"dagster/data_version": values["version"]})
        )


@app.command()
def report(
    slug: Annotated[str, typer.Argument(help="Rapportens namn, t.ex. befolkning")],
    period: Annotated[
        int | None, typer.Option(help="Rapportår (YYYY); standard: senaste året i data")
    ] = None,
    engine: Annotated[str, typer.Option(help="auto | quarto | builtin")] = "auto",
) -> None:
    """Materialisera en rapport och det uppströms som är inaktuellt; skriver ut publicerade filer."""
    from pipelines import plan, publish, warehouse

    ws = current_workspace()
    if slug not in publish.report_slugs():
        raise _fail(f"okänd rapport {slug!r}; finns: {', '.join(publish.report_slugs())}", 2)
    key = plan.report_key(slug)
    config = {"period": period, "engine": engine}
    names = sorted(plan.upstream([key]))
    with _writer():  # the check, the build and the publication as one writer's turn
        if plan.due(ws, names, {key: config}) == [key]:  # only the report itself: no run needed
            _publish_alone(slug, names, config)
            return
        result = _materialize(names, {"ops": {key: {"config": config}}}, quiet=True)
        if result is None:  # nothing to do: say which version is current, as a run would
            with warehouse.connect(ws.warehouse, read_only=True) as con:
                folder = publish.is_current(ws, con, slug, params={"period": period}, engine=engine)
            if folder is not None:
                console.print(
                    f"[bold green]{key}[/] version {folder.name} — oförändrad (samma indata och kod)"
                )
                manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
                for name in manifest["filer"].values():
                    print(folder / name)
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
    warnings.filterwarnings("ignore", category=dg.BetaWarning)  # Dagster's, not the analyst's
    try:
        chosen = dg.AssetSelection.from_string(selection)
    except Exception as err:
        raise _fail(f"ogiltigt urval {selection!r}: {err}", 2) from None
    names = _selected(chosen)
    if not names:
        raise _fail(
            f'urvalet {selection!r} matchar inga tillgångar. Exempel: "key:out_scb__aldersstruktur", '
            '"key:out_kpp__*", "group:core", "tag:kalla=kpp", "key:report_befolkning+" '
            "(`dagster asset list` eller UI:t visar alla nycklar).",
            2,
        )
    result = _materialize(names)
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
    # One writer's turn: the log, Dagster's partitions and the rebuild (and no other writer between)
    with _writer():
        try:
            delivery, change = ingest.withdraw(ws, leverans_id)
        except KeyError as err:
            raise _fail(str(err.args[0]), 2) from None
        except ValueError as err:
            raise _fail(str(err), 2) from None
        except ingest.ContractBroken as err:
            raise _fail(str(err), 3) from None
        console.print(
            f"{delivery.label()} för {delivery.source} är återkallad (filen finns kvar i incoming/)."
        )
        if not change.changed:
            console.print("Leveransen var redan ersatt: inga tabeller ändras.")
            return
        for line in change.lines:
            console.print(f"{delivery.source}: {line}")
        from pipelines import drift, las

        drift.sync_partitions(las.open_instance(ws), ws)
        core = get_source(delivery.source).core_table
        _materialize(dg.AssetSelection.assets(core).upstream())
    _print_stale(core)


@app.command()
def serve(
    port: Annotated[
        int | None, typer.Option(help="Port för published/ (standard: $ANALYSPLAN_WEBBPORT eller 8765)")
    ] = None,
    dagster: Annotated[
        bool, typer.Option("--dagster/--utan-dagster", help="Starta även Dagsters UI (dagster dev)")
    ] = True,
    dagster_port: Annotated[int, typer.Option("--dagster-port", help="Port för Dagsters UI")] = 3000,
) -> None:
    """Visa published/ över HTTP på localhost (granskningssidan och varje version), och Dagsters UI."""
    import subprocess

    from pipelines import webb

    ws = current_workspace()
    try:
        httpd = webb.server(ws.published, port)
    except (OSError, ValueError) as err:
        raise _fail(f"kan inte visa published/ på port {port or webb.DEFAULT_PORT}: {err}", 2) from None
    ui = None
    if dagster:
        from pipelines import las

        las.create_instance(ws)  # made under our lock, not by the UI while a command writes it
        ui = subprocess.Popen(
            [sys.executable, "-m", "dagster", "dev", "-m", "pipelines.definitions", "-h", "127.0.0.1",
             "-p", str(dagster_port)],
        )  # fmt: skip
        console.print(f"Dagsters UI: http://127.0.0.1:{dagster_port}")
    console.print(f"Publicerade rapporter: http://{webb.HOST}:{httpd.server_address[1]}/ (Ctrl-C avslutar)")
    try:
        httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        httpd.server_close()
        if ui is not None:
            ui.terminate()
            ui.wait(timeout=30)


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
    demo: Annotated[
        bool, typer.Option(help="Mät också `analysplan demo` två gånger (andra gången utan ändring)")
    ] = True,
) -> None:
    """Mät härledningen mot pandas, ingest mot DuckDB:s read_csv och datakontrakten, i samma körning."""
    from pipelines import bench as benchmark
    from pipelines.formatering import tal

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
    noop = None
    if demo:
        with console.status("Kör `analysplan demo` två gånger i en tom arbetsyta …"):
            noop = benchmark.noop_rerun()
        print(
            f"Demo utan ändring: {tal(noop['andra_s'], 1, ' ')} s mot {tal(noop['forsta_s'], 1, ' ')} s "
            f"första gången (kvot {tal(noop['kvot'], 3, ' ')}; mål högst 0,1)"
        )
    if json_file is not None:
        data = json.loads(benchmark.as_json(results[0] if len(results) == 1 else results))
        if noop is not None:
            for item in data if isinstance(data, list) else [data]:
                item["demo_utan_andring"] = noop
        json_file.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        console.print(f"JSON: {json_file}")


if __name__ == "__main__":
    app()
