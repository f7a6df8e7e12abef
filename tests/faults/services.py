"""Private instances of the real services, for fault injection: a PostgreSQL 15 cluster, a Redis
server and a size-limited filesystem (tmpfs) for the media directory, each of which a test may stop,
restart or fill without touching the machine's shared services.

The PostgreSQL cluster has to exist before pytest-django reads DATABASE_URL, so it is started by
scripts/test-faults.sh through this module's command line (`python -m tests.faults.services
postgres-start DIR PORT` / `postgres-stop DIR`); the tests restart it through `PrivatePostgres`.
initdb refuses to run as root, so the cluster belongs to the `postgres` system user when the suite
runs as root (as on CI machines).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tests.s3server import port_open


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(predicate: Callable[[], bool], *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise RuntimeError(f"timed out after {timeout} s waiting for {what}")


# --- PostgreSQL -------------------------------------------------------------------------------------


def _pg_bin(name: str) -> str:
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name), reverse=True)
    for folder in versions:
        if (folder / name).exists():
            return str(folder / name)
    found = shutil.which(name)
    if found is None:
        raise RuntimeError(f"{name} not found: install PostgreSQL's server binaries")
    return found


def _as_postgres(args: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


@dataclass
class PrivatePostgres:
    directory: Path
    port: int

    @property
    def data(self) -> Path:
        return self.directory / "data"

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/likeness_faults"

    def _ctl(self, *args: str) -> None:
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off"
        command = [_pg_bin("pg_ctl"), "-D", str(self.data), "-l", str(self.directory / "server.log"), "-w"]
        subprocess.run(_as_postgres([*command, "-o", options, *args]), check=True, capture_output=True, timeout=60)

    def init(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.directory, "postgres")
        initdb = [_pg_bin("initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"]
        subprocess.run(_as_postgres(initdb), check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        self._ctl("start")

    def stop(self) -> None:
        """A fast shutdown: every open connection is terminated, as in an operator's restart."""
        self._ctl("-m", "fast", "stop")

    def restart(self) -> None:
        self._ctl("-m", "fast", "restart")

    @classmethod
    def from_environment(cls) -> PrivatePostgres | None:
        directory, port = os.environ.get("FAULT_PG_DIR"), os.environ.get("FAULT_PG_PORT")
        return cls(Path(directory), int(port)) if directory and port else None


# --- Redis ------------------------------------------------------------------------------------------


@dataclass
class PrivateRedis:
    directory: Path
    port: int
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        """A Redis like the machine's: nothing kept on disk, so a restart loses every queued message."""
        self.directory.mkdir(parents=True, exist_ok=True)
        args = ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--save", "", "--appendonly", "no"]
        args += ["--dir", str(self.directory)]
        log = (self.directory / "redis.log").open("ab")
        self.process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        wait_until(lambda: port_open(self.port), timeout=20, what=f"redis on {self.port}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)  # no save, no goodbye: a crashed or restarted node
            self.process.wait(timeout=10)
        wait_until(lambda: not port_open(self.port), timeout=10, what=f"redis on {self.port} to stop")

    def restart(self) -> None:
        self.stop()
        self.start()


# --- A media directory with a quota -----------------------------------------------------------------


@dataclass
class MediaQuota:
    """A tmpfs of `size_mb` mounted on `path`: writing past it fails with ENOSPC, as a full disk does."""

    path: Path
    size_mb: int

    def mount(self) -> None:
        self.path.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={self.size_mb}m,mode=0755", "tmpfs", str(self.path)],
            check=True,
            capture_output=True,
        )

    def unmount(self) -> None:
        subprocess.run(["umount", "-l", str(self.path)], check=False, capture_output=True)

    def free_bytes(self) -> int:
        stats = os.statvfs(self.path)
        return stats.f_bavail * stats.f_frsize

    def fill(self, *, leave_bytes: int = 0) -> Path:
        """Take all the space but `leave_bytes` with one filler file; returns it (delete it to free)."""
        filler = self.path / "filler.bin"
        chunk = b"\0" * (1 << 20)
        with filler.open("ab") as handle:
            while (left := self.free_bytes() - leave_bytes) > 0:
                try:
                    handle.write(chunk[: min(len(chunk), left)])
                    handle.flush()
                except OSError:
                    break
        return filler


def main(argv: list[str]) -> int:
    command, directory = argv[0], Path(argv[1])
    if command == "postgres-start":
        server = PrivatePostgres(directory, int(argv[2]))
        server.init()
        server.start()
        subprocess.run(
            [_pg_bin("createdb"), "-h", "127.0.0.1", "-p", str(server.port), "-U", "postgres", "likeness_faults"],
            check=True,
            capture_output=True,
        )
        return 0
    if command == "postgres-stop":
        port = int(argv[2]) if len(argv) > 2 else 0
        PrivatePostgres(directory, port).stop()
        return 0
    raise SystemExit(f"unknown command {command}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
