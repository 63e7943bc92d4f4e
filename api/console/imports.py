"""Importing an official list from the console (admin).

Step 1, upload: the file is kept server-side under a random id (a temp file readable only by this
process's user) and checked with a dry run: the page shows every bad line (line, column, reason)
and what would be created or updated; nothing is written. Step 2, confirm: the same file is
imported all-or-nothing by the same importer as ``hotline roster import``. The upload belongs to
the admin who sent it and expires after an hour.

With several API processes on different machines the confirmation must reach the machine that
holds the upload (sticky sessions), or the admin uploads again (docs/console.md).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import tempfile
import time
from pathlib import Path as FsPath
from typing import Annotated

from fastapi import APIRouter, File, Form, HTTPException, Path, Request, UploadFile
from fastapi.responses import Response
from sqlalchemy import select

from api.console.security import Admin, AdminForm, render
from api.deps import SessionDep
from bot.roster.importer import DEFAULT_INCIDENT_NAME, RosterImportError, import_roster
from db.models import ImportRun, Incident

router = APIRouter()

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
UPLOAD_TTL_SECONDS = 3600
MAX_ERRORS_SHOWN = 2000
_UPLOAD_ID = re.compile(r"^[A-Za-z0-9_-]{20,40}$")
UploadId = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{20,40}$")]


def upload_dir() -> FsPath:
    path = FsPath(tempfile.gettempdir()) / f"hotline-console-imports-{os.getuid()}"
    path.mkdir(mode=0o700, exist_ok=True)
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


@router.post("/import")
async def upload(request: Request, me: AdminForm, db: SessionDep,
                 file: Annotated[UploadFile | None, File()] = None,
                 incident: Annotated[str, Form(max_length=300)] = "") -> Response:
    """Keep the file and show its dry-run report."""
    incident_name = incident.strip() or DEFAULT_INCIDENT_NAME
    context = _context(db)
    if file is None or not file.filename:
        return render(request, "console/import.html", {**context, "error": "Elija un archivo CSV."}, status_code=422)
    now = time.time()
    _expire_old(now)
    upload_id = secrets.token_urlsafe(18)
    data_path = upload_dir() / f"{upload_id}.csv"
    size = 0
    with data_path.open("wb") as out:
        os.chmod(data_path, 0o600)
        while chunk := await file.read(1024 * 1024):
            size += len(chunk)
            if size > MAX_UPLOAD_BYTES:
                out.close()
                data_path.unlink(missing_ok=True)
                return render(request, "console/import.html",
                              {**context, "error": f"El archivo supera {MAX_UPLOAD_BYTES // (1024 * 1024)} MB."},
                              status_code=413)
            out.write(chunk)
    filename = FsPath(file.filename).name[-200:]
    try:
        report = import_roster(db, str(data_path), incident_name=incident_name, dry_run=True, filename=filename)
    except RosterImportError as exc:
        data_path.unlink(missing_ok=True)
        return render(request, "console/import.html", {**context, "error": str(exc)}, status_code=422)
    db.rollback()  # a dry run writes nothing; make sure of it
    if report.ok:
        meta = {"owner": me.user_id, "filename": filename, "incident": incident_name, "created": now}
        (upload_dir() / f"{upload_id}.json").write_text(json.dumps(meta))
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
        report = import_roster(db, str(data_path), incident_name=meta["incident"], actor=me.actor,
                               filename=meta["filename"])
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
