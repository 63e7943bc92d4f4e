"""The console's own CSS and JS (public: they hold nothing secret)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse

router = APIRouter()
_DIR = Path(__file__).resolve().parent / "static"
_FILES = {"console.css": "text/css; charset=utf-8", "console.js": "text/javascript; charset=utf-8",
          "alerts.js": "text/javascript; charset=utf-8"}


@router.get("/static/{name}")
def static_file(name: str) -> FileResponse:
    if name not in _FILES:
        raise HTTPException(404)
    return FileResponse(_DIR / name, media_type=_FILES[name], headers={"Cache-Control": "public, max-age=300"})
