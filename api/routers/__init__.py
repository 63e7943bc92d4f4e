"""Every router of the web process, registered in one place."""

from __future__ import annotations

from fastapi import FastAPI


def register_routers(app: FastAPI) -> None:
    # Routers are added here as they are built (API, webhooks, console, local web chat).
    # Imported here so that importing one router module (or api.routers.params) stays cheap and acyclic.
    from api.routers import audit, calls, cases, exports, persons, proof_locks, status_review, tokens

    app.include_router(persons.router)
    app.include_router(proof_locks.router)
    app.include_router(status_review.router)
    app.include_router(exports.router)
    app.include_router(cases.router)
    app.include_router(calls.router)
    app.include_router(audit.router)
    app.include_router(tokens.router)

    from api.routers import webchat, webhooks_calls, webhooks_telegram, webhooks_twilio, webhooks_voice

    app.include_router(webchat.router)
    app.include_router(webhooks_twilio.router)
    app.include_router(webhooks_telegram.router)
    app.include_router(webhooks_voice.router)
    app.include_router(webhooks_calls.router)

    from api.console import install as install_console

    install_console(app)

    from api.routers import landing

    landing.install(app)  # /, and the API reference served without a CDN
