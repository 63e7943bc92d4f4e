"""Importing an official list from the console (admin).

Step 1, upload: the file is kept server-side under a random id and checked with a dry run: the
page shows every bad line (line, column, reason) and what would be created or updated; nothing is
written. Step 2, confirm: the same file is imported all-or-nothing by the same importer as
``hotline roster import``. The upload belongs to the admin who sent it and expires after an hour.

Uploads live in a folder this process made for itself (``tempfile.mkdtemp``: a random name, mode
0700), each file mode 0600: no other user of the machine can read, list or plant one. The upload is
the only request allowed a body larger than the app's bound (``MAX_UPLOAD_BYTES``), and it is read
only after the session and role were checked: an anonymous upload is refused before one byte of
it is spooled. Parsing, validating and writing a list is seconds of CPU for a large file: it runs
on the thread pool, so the webhooks keep answering meanwhile.

With several API processes the confirmation must reach the process that holds the upload (sticky
sessions), or the admin uploads again (docs/console.md).
"""

from __future__ import annotations

import atexit
import json
import os
import re
import secrets
import shutil
import tempfile
import time
from functools import cache
from pathlib import Path as FsPath
from typing import IO, Annotated

from fastapi import APIRouter, HTTPException, Path, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from api.console import import_es  # noqa: F401 - the report in Spanish (the |es filter)
from api.console.security import Admin, AdminForm, check_csrf, render
from api.console.text_input import control_character_problem
from api.deps import SessionDep
from bot.roster.importer import DEFAULT_INCIDENT_NAME, ImportReport, RosterImportError, import_roster
from db.models import ImportRun, Incident

router = APIRouter()

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
# The multipart envelope around the file: boundaries, part headers, the CSRF token, the incident.
MAX_UPLOAD_REQUEST_BYTES = MAX_UPLOAD_BYTES + 64 * 1024
UPLOAD_TTL_SECONDS = 3600
MAX_ERRORS_SHOWN = 2000
MAX_INCIDENT_CHARS = 300
_UPLOAD_ID = re.compile(r"^[A-Za-z0-9_-]{20,40}$")
UploadId = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{20,40}$")]


@cache
def upload_dir() -> FsPath:
    """This process's own private folder (0700, a random name), removed when the process ends."""
    path = FsPath(tempfile.mkdtemp(prefix="hotline-imports-"))
    atexit.register(shutil.rmtree, path, ignore_errors=True)
    return path


def _expire_old(now: float) -> None:
    for item in upload_dir().iterdir():
        try:
            if now - item.stat().st_mtime > UPLOAD_TTL_SECONDS:
                item.unlink()
        except OSError:
            pass


def _context(db: SessionDep) -> dict[str, object]:
    return {
        "incidents": list(db.scalars(select(Incident.name).order_by(Incident.name))),
        "runs": list(db.scalars(select(ImportRun).order_by(ImportRun.id.desc()).limit(10))),
        "default_incident": DEFAULT_INCIDENT_NAME,
        "max_errors": MAX_ERRORS_SHOWN,
    }


@router.get("/import")
def import_page(request: Request, me: Admin, db: SessionDep) -> Response:
    return render(request, "console/import.html", _context(db))


def _keep(source: IO[bytes], data_path: FsPath) -> bool:
    """Copy the upload into this process's folder, readable only by its user; False when too big."""
    size = 0
    fd = os.open(data_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        while chunk := source.read(1024 * 1024):
            size += len(chunk)
            if size > MAX_UPLOAD_BYTES:
                break
            out.write(chunk)
    if size > MAX_UPLOAD_BYTES:
        data_path.unlink(missing_ok=True)
        return False
    return True


def _dry_run(db: Session, data_path: FsPath, incident_name: str, filename: str) -> ImportReport:
    report = import_roster(db, str(data_path), incident_name=incident_name, dry_run=True, filename=filename)
    db.rollback()  # a dry run writes nothing; make sure of it
    return report


@router.post("/import", max_body_size=MAX_UPLOAD_REQUEST_BYTES)
async def upload(request: Request, me: Admin, db: SessionDep) -> Response:
    """Keep the file and show its dry-run report.

    No File/Form parameters: FastAPI would read (and spool) the whole body before the session is
    checked. ``me: Admin`` runs first; only then is the form read, with room for one file."""
    form = await request.form(max_files=1, max_fields=5, max_part_size=4096)
    await check_csrf(request)
    context = _context(db)
    file, incident = form.get("file"), form.get("incident")
    incident_name = (incident.strip() if isinstance(incident, str) else "")[:MAX_INCIDENT_CHARS]
    incident_name = incident_name or DEFAULT_INCIDENT_NAME
    if not isinstance(file, UploadFile) or not file.filename:
        return render(request, "console/import.html", {**context, "error": "Elija un archivo CSV."}, status_code=422)
    if problem := control_character_problem("Incidente", incident_name):
        return render(request, "console/import.html", {**context, "error": problem}, status_code=422)
    now = time.time()
    _expire_old(now)
    upload_id = secrets.token_urlsafe(18)
    data_path = upload_dir() / f"{upload_id}.csv"
    if not await run_in_threadpool(_keep, file.file, data_path):
        return render(request, "console/import.html",
                      {**context, "error": f"El archivo supera {MAX_UPLOAD_BYTES // (1024 * 1024)} MB."},
                      status_code=413)
    filename = FsPath(file.filename).name[-200:]
    try:
        # Seconds of CPU for a large list: off the event loop, so that every other route answers.
        report = await run_in_threadpool(_dry_run, db, data_path, incident_name, filename)
    except RosterImportError as exc:
        data_path.unlink(missing_ok=True)
        return render(request, "console/import.html", {**context, "error": str(exc)}, status_code=422)
    if report.ok:
        meta = {"owner": me.user_id, "filename": filename, "incident": incident_name, "created": now}
        meta_fd = os.open(upload_dir() / f"{upload_id}.json", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(meta_fd, "w") as out:
            json.dump(meta, out)
    else:
        data_path.unlink(missing_ok=True)
    return render(request, "console/import.html", {**context, "report": report,
                                                   "upload_id": upload_id if report.ok else None},
                  status_code=200 if report.ok else 422)


@router.post("/import/{upload_id}/confirm")
def confirm(upload_id: UploadId, request: Request, me: AdminForm, db: SessionDep) -> Response:
    """Import the file checked in step 1, all or nothing."""
    meta_path = upload_dir() / f"{upload_id}.json"
    data_path = upload_dir() / f"{upload_id}.csv"
    try:
        meta = json.loads(meta_path.read_text())
    except (OSError, ValueError):
        meta = None
    if (not _UPLOAD_ID.match(upload_id) or meta is None or meta.get("owner") != me.user_id
            or time.time() - float(meta.get("created", 0)) > UPLOAD_TTL_SECONDS or not data_path.exists()):
        raise HTTPException(404, detail="La carga no existe o caducó: vuelva a subir el archivo.")
    context = _context(db)
    try:
        # In the request's transaction (the importer works in a savepoint it rolls back on any bad
        # line); committed below only when everything was written.
        # principal: a death in the file becomes a proposal by this admin, who cannot confirm it.
        report = import_roster(db, str(data_path), incident_name=meta["incident"], actor=me.actor,
                               filename=meta["filename"], principal=f"user:{me.user_id}")
    except RosterImportError as exc:
        db.rollback()
        return render(request, "console/import.html", {**context, "error": str(exc)}, status_code=409)
    finally:
        meta_path.unlink(missing_ok=True)
        data_path.unlink(missing_ok=True)
    if report.written:
        db.commit()
    else:
        db.rollback()
    status_code = 200 if report.written else 409
    return render(request, "console/import.html", {**_context(db), "report": report, "imported": report.written},
                  status_code=status_code)
