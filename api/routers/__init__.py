"""Every router of the web process, registered in one place."""

from __future__ import annotations

from fastapi import FastAPI


def register_routers(app: FastAPI) -> None:
    # Routers are added here as they are built (API, webhooks, console, local web chat).
    pass
