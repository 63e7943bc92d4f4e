"""``hotline roster import`` (the service is bot.roster.importer; docs/roster.md)."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from bot.roster.importer import ImportReport, RosterImportError, import_roster
from bot.roster.parse import ProgressCallback
from db.session import get_sessionmaker

app = typer.Typer(help="Official lists (rosters)", no_args_is_help=True)

# Below this a file imports in a second or two: a bar would only flicker (unless on a terminal).
LARGE_FILE_BYTES = 5_000_000


@app.command("import")
def import_command(
    file: Path = typer.Argument(..., help="the CSV file (UTF-8 or Latin-1; comma, semicolon or tab)"),
    incident: str | None = typer.Option(
        None, "--incident", help="incident name (created if missing; default 'Incidente sin nombre')"
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="check every line and report; write nothing"),
) -> None:
    """Import an official list: all or nothing, with a report of every bad line."""
    try:
        size = file.stat().st_size
    except OSError as exc:
        typer.echo(f"error: cannot read {file}: {exc.strerror or exc}", err=True)
        raise typer.Exit(1) from exc
    show_bar = sys.stderr.isatty() or size >= LARGE_FILE_BYTES
    try:
        with _progress_bar(show_bar) as progress:
            report = import_roster(get_sessionmaker(), file, incident_name=incident, dry_run=dry_run,
                                   progress=progress, actor="import")
    except RosterImportError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc
    _print_report(report)
    if not report.ok:
        raise typer.Exit(1)


def _print_report(report: ImportReport) -> None:
    echo = typer.echo
    echo(f"file: {report.filename}" + (f" ({report.format})" if report.format else ""))
    echo(f"incident: {report.incident_name}" + (" (new)" if report.incident_created else ""))
    for warning in report.warnings:
        echo(f"warning: {warning}")
    if not report.ok:
        echo(f"{len(report.errors)} error(s); nothing was imported:")
        for error in report.errors:
            echo(str(error))
        return
    if report.dry_run:
        echo(f"dry run: every line is valid; nothing was written. {report.rows} rows: "
             f"{report.created} would be created, {report.updated} updated, {report.unchanged} unchanged; "
             f"{report.status_reports} status reports would be added"
             + (f"; {report.proposals} death(s) would be proposals for a second person" if report.proposals else ""))
    else:
        echo(f"imported {report.rows} rows: {report.created} created, {report.updated} updated, "
             f"{report.unchanged} unchanged; {report.status_reports} status reports added "
             f"(import run {report.import_run_id}, {report.duration_seconds:.1f} s)"
             + (f"; {report.proposals} death(s) held as proposals: another person must confirm each" if report.proposals
                else ""))


class _progress_bar:  # noqa: N801 - used as a context manager, reads like one
    """A rich progress bar on standard error, or nothing."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __enter__(self) -> ProgressCallback | None:
        if not self.enabled:
            return None
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            Progress,
            TaskID,
            TaskProgressColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
            TransferSpeedColumn,
        )

        # The import reads the file once, checking and writing as it goes: one bar, in bytes of the
        # file, with its rate and the time left.
        self._progress = Progress(TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(),
                                  TransferSpeedColumn(), TimeElapsedColumn(), TimeRemainingColumn(),
                                  console=Console(stderr=True), transient=False)
        self._progress.start()
        tasks: dict[str, TaskID] = {}
        labels = {"importing": "checking and writing every line"}

        def update(phase: str, done: int, total: int) -> None:
            if phase not in tasks:
                tasks[phase] = self._progress.add_task(labels.get(phase, phase), total=total or None)
            self._progress.update(tasks[phase], completed=done, total=total or None)

        return update

    def __exit__(self, *exc: object) -> None:
        if self.enabled:
            self._progress.stop()
