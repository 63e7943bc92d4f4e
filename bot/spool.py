"""The durable local spool: messages a webhook received while the database was unreachable.

Twilio does not retry an inbound-message webhook: a 503 while the database is down is a relative's
message lost. So the webhook writes the message here and answers 200 (api/intake.py), and a
replayer moves it into the database, in arrival order, as soon as the database answers again.

- One file per message, named by its arrival time (then process and sequence), so the directory
  sorted by name is the arrival order. Each is written to a temporary file, fsync'd, renamed into
  place, and the directory fsync'd: a file in the spool is whole, and the 200 goes out only once it
  is on disk. Files whose names start with a dot are not (yet) messages.
- A file is deleted only after its INSERT committed. A file replayed twice (a crash between the
  commit and the delete, or the provider's redelivery recorded meanwhile) is recorded once: the
  provider id is unique in the database.
- A file that cannot be read, or that the database keeps refusing for another reason than being
  unreachable, goes to ``quarantine/`` for a person to look at, instead of holding the ones behind
  it forever.
- The files hold personal data (numbers and texts): the directory is 0700, files 0600, and each is
  deleted once replayed. Each host has its own spool and replays it itself; its disk must persist.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import itertools
import json
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bot.messages import InboundMessage
from common.logging import get_logger
from common.metrics import SPOOL_EVENTS

log = get_logger("spool")

SUFFIX = ".json"
QUARANTINE_DIR = "quarantine"
LOCK_FILE = ".replay.lock"
FORMAT_VERSION = 1
STALE_TEMP_SECONDS = 300.0  # a temporary file this old was never answered 200: its writer died


class SpoolFileError(ValueError):
    """A spool file that is not a message this code wrote (the reason holds no personal data)."""


@dataclass(frozen=True)
class Spooled:
    name: str
    message: InboundMessage
    received_at: datetime


def _fsync_directory(directory: Path) -> None:
    # A rename is durable only once the directory entry is on disk.
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _arrival(name: str) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(name.split("-", 1)[0]) / 1e9, UTC)
    except ValueError:
        return None


class Spool:
    """One directory of spooled messages. Thread-safe: webhooks write from a thread pool."""

    def __init__(self, directory: Path | str) -> None:
        self.directory = Path(directory)
        self._sequence = itertools.count()
        self._lock = threading.Lock()
        self._writers = 0
        # True while messages wait here: the webhook then spools new messages too, behind them, so
        # that a relative's message that arrives as the database comes back does not overtake the
        # ones written during the outage. Cleared by the replayer once the spool is empty.
        self._backlog = bool(self.names())

    # --- writing ---------------------------------------------------------------------------------

    def _ensure_directory(self) -> None:
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        if self.directory.stat().st_mode & 0o077:
            self.directory.chmod(0o700)  # it existed with wider rights (created by hand, a umask)

    def _write(self, message: InboundMessage, received_at: datetime) -> str:
        self._ensure_directory()
        name = f"{time.time_ns():020d}-{os.getpid()}-{next(self._sequence):09d}{SUFFIX}"
        payload = json.dumps({
            "version": FORMAT_VERSION, "channel": message.channel, "address": message.address,
            "provider_id": message.provider_id, "text": message.text, "media_kind": message.media_kind,
            "received_at": received_at.isoformat(),
        }, ensure_ascii=False).encode("utf-8")
        temporary = self.directory / f".{name}.tmp"
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            view = memoryview(payload)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.rename(temporary, self.directory / name)
        _fsync_directory(self.directory)
        return name

    def write(self, message: InboundMessage, received_at: datetime | None = None) -> str:
        """Write one message durably (returns only once it is on disk); its file name."""
        with self._lock:
            self._writers += 1
            self._backlog = True
        try:
            return self._write(message, received_at or datetime.now(UTC))
        finally:
            with self._lock:
                self._writers -= 1

    def write_if_backlog(self, message: InboundMessage, received_at: datetime | None = None) -> str | None:
        """Write the message when others still wait here (keeping arrival order); None otherwise,
        and then the caller records it in the database directly."""
        with self._lock:
            if not self._backlog:
                return None
            self._writers += 1
        try:
            return self._write(message, received_at or datetime.now(UTC))
        finally:
            with self._lock:
                self._writers -= 1

    @property
    def has_backlog(self) -> bool:
        return self._backlog

    def settle(self) -> bool:
        """Clear the backlog mark when nothing waits and nobody is writing; True when clear."""
        with self._lock:
            if self._writers == 0 and not self.names():
                self._backlog = False
            return not self._backlog

    # --- reading ---------------------------------------------------------------------------------

    def names(self) -> list[str]:
        """The spooled messages' file names, in arrival order."""
        try:
            entries = os.listdir(self.directory)
        except FileNotFoundError:
            return []
        return sorted(e for e in entries if e.endswith(SUFFIX) and not e.startswith("."))

    def depth(self) -> int:
        return len(self.names())

    def oldest(self) -> datetime | None:
        """When the oldest message still waiting arrived."""
        names = self.names()
        return _arrival(names[0]) if names else None

    def quarantined(self) -> int:
        try:
            return sum(1 for e in os.listdir(self.directory / QUARANTINE_DIR) if e.endswith(SUFFIX))
        except FileNotFoundError:
            return 0

    def read(self, name: str) -> Spooled:
        """The message in one file. FileNotFoundError when another replayer took it meanwhile;
        SpoolFileError when it is not a message."""
        raw = (self.directory / name).read_bytes()
        try:
            data = json.loads(raw.decode("utf-8"))
            if not isinstance(data, dict) or data.get("version") != FORMAT_VERSION:
                raise SpoolFileError("unknown spool format")
            fields = {k: data[k] for k in ("channel", "address", "provider_id")}
            if not all(isinstance(v, str) and v for v in fields.values()):
                raise SpoolFileError("channel, address and provider_id must be non-empty strings")
            text, media_kind = data.get("text"), data.get("media_kind")
            if not isinstance(text, str | None) or not isinstance(media_kind, str | None):
                raise SpoolFileError("text and media_kind must be strings or null")
            received_at = datetime.fromisoformat(data["received_at"])
            if received_at.tzinfo is None:
                raise SpoolFileError("received_at has no time zone")
        except SpoolFileError:
            raise
        except (ValueError, KeyError, TypeError) as exc:  # UnicodeDecodeError and JSON errors are ValueErrors
            raise SpoolFileError(f"unreadable spool file ({type(exc).__name__})") from exc
        return Spooled(name, InboundMessage(text=text, media_kind=media_kind, **fields), received_at)

    def remove(self, name: str) -> None:
        # No directory fsync: if a crash undoes the delete, the file is replayed once more and the
        # database recognises its provider id.
        with contextlib.suppress(FileNotFoundError):
            (self.directory / name).unlink()

    def quarantine(self, name: str, reason: str) -> None:
        target = self.directory / QUARANTINE_DIR
        target.mkdir(mode=0o700, exist_ok=True)
        with contextlib.suppress(FileNotFoundError):
            os.rename(self.directory / name, target / name)
            _fsync_directory(target)
        SPOOL_EVENTS.labels("quarantined").inc()
        log.error("spool.quarantined", file=name, reason=reason, directory=str(target))

    def remove_stale_temporaries(self) -> None:
        """Temporary files of writers that died before the rename: never acknowledged, never whole."""
        try:
            entries = os.listdir(self.directory)
        except FileNotFoundError:
            return
        cutoff = time.time() - STALE_TEMP_SECONDS
        for entry in entries:
            if entry.startswith(".") and entry.endswith(".tmp"):
                path = self.directory / entry
                with contextlib.suppress(FileNotFoundError):
                    if path.stat().st_mtime < cutoff:
                        path.unlink()

    @contextlib.contextmanager
    def replay_lock(self) -> Iterator[bool]:
        """Whether this process may replay now: one replayer per directory at a time (``hotline
        serve`` and ``hotline worker`` on one host share it), so that order holds."""
        if not self.directory.is_dir():
            yield False
            return
        fd = os.open(self.directory / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)


@dataclass
class ReplayRound:
    recorded: int = 0
    duplicates: int = 0
    quarantined: int = 0
    database_unreachable: bool = False
    held_back: bool = False  # a file failed (not yet quarantined): the ones behind it wait
    busy: bool = False  # another process is replaying this directory

    @property
    def moved(self) -> int:
        return self.recorded + self.duplicates


@dataclass
class SpoolReplayer:
    """Moves spooled messages into the database in arrival order.

    ``store`` records one message through the webhooks' own recording path (so an opt-out takes
    effect) and returns False when its provider id was already recorded; ``unreachable`` tells a
    database that does not answer (wait and try again) from one that refuses this message.
    """

    spool: Spool
    store: Callable[[InboundMessage, datetime], bool]
    unreachable: Callable[[BaseException], bool]
    interval: float = 1.0  # how often it looks when nothing wakes it (and retries a dead database)
    max_attempts: int = 3  # refusals of one file before it is quarantined
    on_recorded: Callable[[], None] | None = None  # on the event loop: wake the turn workers
    _attempts: dict[str, int] = field(default_factory=dict)
    _stop: asyncio.Event | None = None
    _kick: asyncio.Event | None = None
    _loop: asyncio.AbstractEventLoop | None = None

    def replay_once(self) -> ReplayRound:
        """One pass over the spool (in a thread). Stops at the first failure: nothing overtakes."""
        result = ReplayRound()
        with self.spool.replay_lock() as mine:
            if not mine:
                result.busy = self.spool.directory.is_dir()
                return result
            self.spool.remove_stale_temporaries()
            for name in self.spool.names():
                try:
                    item = self.spool.read(name)
                except FileNotFoundError:
                    continue  # replayed meanwhile by a replayer that had the lock before us
                except (SpoolFileError, OSError) as exc:
                    self.spool.quarantine(name, str(exc) if isinstance(exc, SpoolFileError) else type(exc).__name__)
                    result.quarantined += 1
                    continue
                try:
                    new = self.store(item.message, item.received_at)
                except Exception as exc:
                    if self.unreachable(exc):
                        result.database_unreachable = True
                        break
                    attempts = self._attempts[name] = self._attempts.get(name, 0) + 1
                    log.error("spool.replay_failed", file=name, attempts=attempts, error=type(exc).__name__)
                    if attempts < self.max_attempts:
                        result.held_back = True
                        break
                    self._attempts.pop(name, None)
                    self.spool.quarantine(name, f"refused {attempts} times ({type(exc).__name__})")
                    result.quarantined += 1
                    continue
                self.spool.remove(name)  # only now: the INSERT has committed
                self._attempts.pop(name, None)
                if new:
                    result.recorded += 1
                    SPOOL_EVENTS.labels("replayed").inc()
                else:
                    result.duplicates += 1
                    SPOOL_EVENTS.labels("duplicate").inc()
        return result

    def _set(self, event: asyncio.Event | None) -> None:
        # From any thread or event loop: an asyncio event is set on the loop that waits on it.
        loop = self._loop
        if event is None or loop is None or loop.is_closed():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            event.set()
        else:
            loop.call_soon_threadsafe(event.set)

    @property
    def running(self) -> bool:
        return self._loop is not None

    def kick(self) -> None:
        """A message was just spooled: look soon."""
        self._set(self._kick)

    async def _pause(self, *, wake_on_kick: bool) -> None:
        assert self._stop is not None and self._kick is not None
        waiter = self._kick if wake_on_kick else self._stop
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(waiter.wait(), timeout=self.interval)

    async def run(self) -> None:
        self._stop, self._kick = asyncio.Event(), asyncio.Event()
        self._loop = asyncio.get_running_loop()
        try:
            await self._replay_until_stopped()
        finally:
            self._loop = None

    async def _replay_until_stopped(self) -> None:
        assert self._stop is not None and self._kick is not None
        down = False
        while not self._stop.is_set():
            self._kick.clear()
            try:
                result = await asyncio.to_thread(self.replay_once)
            except Exception as exc:  # the disk itself: log and look again later
                log.error("spool.replay_error", error=type(exc).__name__)
                result = ReplayRound(held_back=True)
            if result.moved:
                log.info("spool.replayed", recorded=result.recorded, duplicates=result.duplicates,
                         waiting=self.spool.depth())
                if self.on_recorded is not None:
                    self.on_recorded()
            if result.database_unreachable != down:
                down = result.database_unreachable
                log.warning("spool.database_unreachable" if down else "spool.database_back",
                            waiting=self.spool.depth())
            if result.database_unreachable or result.held_back or result.busy:
                # Retry at the pace of the interval, not at every newly spooled message.
                await self._pause(wake_on_kick=False)
            elif self.spool.settle() or not self.spool.names():
                await self._pause(wake_on_kick=True)  # empty (or a write in progress: it kicks)
            # else: more arrived while we replayed: go on at once

    def stop(self) -> None:
        self._set(self._stop)
        self._set(self._kick)
