"""What the database and HTTP benchmarks share: throwaway databases (the tests'),
`ringfence serve` in a subprocess, and wrk (Debian package `wrk`) as the load generator."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

# The repository root: the throwaway databases are the test suite's own (tests/dbs.py).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.dbs import fresh_database as throwaway_database

__all__ = [
    "WrkResult",
    "cpu_seconds",
    "free_port",
    "have_wrk",
    "served",
    "server_pids",
    "throwaway_database",
    "wrk",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def served(url: str, *, workers: int = 1, env: dict[str, str] | None = None) -> Iterator[str]:
    """`ringfence serve` on a free loopback port; yields its base URL."""
    port = free_port()
    environment = (
        os.environ
        | {
            "RINGFENCE_DATABASE_URL": url,
            "RINGFENCE_LOG_LEVEL": "WARNING",
        }
        | (env or {})
    )
    ringfence = Path(sys.executable).with_name("ringfence")
    server = subprocess.Popen(  # noqa: S603 - our own command
        [str(ringfence), "serve", "--port", str(port), "--workers", str(workers)],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(300):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        time.sleep(1.0 if workers > 1 else 0.2)  # let every worker come up
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:  # workers still draining keep-alive connections
            server.kill()
            server.wait()


def server_pids(base: str) -> list[int]:
    """The `ringfence serve` process listening at ``base`` and its worker processes (Linux)."""
    port = base.rsplit(":", 1)[1]
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            argv = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"serve" in argv and b"--port" in argv and port.encode() in argv:
            children = (proc / "task" / proc.name / "children").read_text().split()
            return [int(proc.name), *map(int, children)]
    raise RuntimeError(f"no ringfence serve process at {base}")


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    """User + system CPU seconds each process has used so far (Linux /proc); a process that has
    gone is left out."""
    tick = os.sysconf("SC_CLK_TCK")
    used = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        used[pid] = (int(fields[11]) + int(fields[12])) / tick
    return used


@dataclass(frozen=True)
class WrkResult:
    rate: float  # requests per second
    p50_ms: float
    p99_ms: float
    requests: int
    non_2xx: int
    socket_errors: str

    def errors(self) -> str:
        parts = [f"{self.non_2xx} non-2xx"] if self.non_2xx else []
        if self.socket_errors:
            parts.append(f"socket errors: {self.socket_errors}")
        return "; ".join(parts) or "no errors"


def have_wrk() -> bool:
    return shutil.which("wrk") is not None


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def wrk(
    url: str,
    *,
    seconds: int,
    connections: int,
    threads: int = 1,
    script: Path | None = None,
) -> WrkResult:
    args = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--latency",
        "--timeout",
        "10s",
    ]
    if script is not None:
        args += ["-s", str(script)]
    out = subprocess.run([*args, url], capture_output=True, text=True, check=True).stdout  # noqa: S603
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    total = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    p50 = re.search(r"50%\s+(\S+)", out).group(1)  # type: ignore[union-attr]
    p99 = re.search(r"99%\s+(\S+)", out).group(1)  # type: ignore[union-attr]
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sockets = re.search(r"Socket errors: (.*)", out)
    return WrkResult(
        rate, _ms(p50), _ms(p99), total, int(non_2xx.group(1)) if non_2xx else 0,
        sockets.group(1).strip() if sockets else "",
    )  # fmt: skip
