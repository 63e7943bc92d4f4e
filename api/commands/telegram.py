"""``hotline telegram set-webhook`` and ``hotline telegram poll``."""

from __future__ import annotations

import asyncio
import signal

import typer

from common.settings import get_settings

app = typer.Typer(help="The Telegram channel", no_args_is_help=True)


def _require_token() -> str:
    settings = get_settings()
    if not settings.telegram_bot_token:
        typer.echo("error: TELEGRAM_BOT_TOKEN is not set", err=True)
        raise typer.Exit(2)
    return settings.telegram_bot_token


@app.command("set-webhook")
def set_webhook() -> None:
    """Register HOTLINE_PUBLIC_URL/webhooks/telegram with Telegram, with the secret token."""
    from bot.channels.telegram_bot import make_bot

    settings = get_settings()
    token = _require_token()
    if not settings.telegram_webhook_secret:
        typer.echo("error: TELEGRAM_WEBHOOK_SECRET is not set (the webhook would accept anyone)", err=True)
        raise typer.Exit(2)
    url = settings.hotline_public_url.rstrip("/") + "/webhooks/telegram"

    async def go() -> None:
        bot = make_bot(token, settings.telegram_api_base_url)
        async with bot:
            await bot.set_webhook(url=url, secret_token=settings.telegram_webhook_secret,
                                  allowed_updates=["message"])

    asyncio.run(go())
    typer.echo(f"webhook set to {url}")


@app.command()
def poll(no_worker: bool = typer.Option(False, "--no-worker", help="do not run the workers here")) -> None:
    """Run the Telegram bot with long polling (no public URL needed), with the workers."""
    from api.composition import BackgroundWorker, build_workers
    from bot.channels.telegram_bot import make_bot
    from bot.channels.telegram_poller import TelegramPoller
    from common.logging import configure_logging
    from db.session import get_sessionmaker

    settings = get_settings()
    token = _require_token()
    configure_logging(settings.log_level)
    factory = get_sessionmaker()

    async def main() -> None:
        bot = make_bot(token, settings.telegram_api_base_url)
        poller = TelegramPoller(bot, factory, settings)
        # The workers: the outbox, and the turns of messages a webhook recorded before the switch.
        workers: list[BackgroundWorker] = [] if no_worker else list(build_workers(settings, factory))
        loop = asyncio.get_running_loop()

        def stop() -> None:
            poller.stop()
            for w in workers:
                w.stop()

        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop)
        async with bot:
            await asyncio.gather(poller.run(), *(w.run() for w in workers))

    typer.echo("Telegram long polling; Ctrl-C to stop.")
    asyncio.run(main())
