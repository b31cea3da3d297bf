"""Issue 18, r3: `ringfence screen --workers N` killed with SIGKILL resumes. Its pool workers die
with it (they held the run's lock once, so the rerun was refused forever as run_in_progress),
the lock belongs to the main process alone, and the rerun finishes with every row once."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

from ringfence.screening.index import ScreeningData, write_index
from ringfence.screening.runners.dataset import LOCK, MANIFEST, read_output
from tests.screening.test_scale import RINGFENCE, write_dataset


def _manifest(out: Path) -> dict[str, Any]:
    try:
        return dict(json.loads((out / MANIFEST).read_text()))
    except (OSError, ValueError):
        return {}


def _children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        found |= {int(c) for c in (task / "children").read_text().split()}
    return found


def _alive(pid: int) -> bool:
    """Running, not a zombie waiting for init to reap it."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def test_h18_r3_killed_main_process_workers_die_and_rerun_resumes(
    tmp_path: Path, demo_data: ScreeningData
) -> None:
    source = tmp_path / "in"
    total = write_dataset(source, partitions=30, rows=300)
    index = tmp_path / "registry.rfi"
    write_index(demo_data, index)
    out = tmp_path / "out"
    args = [RINGFENCE, "screen", str(source), "--out", str(out), "--index", str(index),
            "--today", "2026-06-01", "--batch-size", "50", "--workers", "2"]  # fmt: skip
    first = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # noqa: S603
    try:
        while not _manifest(out).get("chunks"):
            assert first.poll() is None, first.communicate()
            time.sleep(0.01)
        workers = _children(first.pid)
        assert len(workers) >= 2  # the pool is up and screening
        assert (out / LOCK).read_text().strip() == str(first.pid)  # the main process's lock
        first.send_signal(signal.SIGKILL)
    finally:
        first.kill()
        first.communicate()
    killed = _manifest(out)
    assert not killed["complete"]
    assert 1 <= len(killed["chunks"]) < 30

    # The workers go with their parent (the kernel kills them; a poll is the second guard).
    for _ in range(600):
        if not any(_alive(w) for w in workers):
            break
        time.sleep(0.05)
    assert not any(_alive(w) for w in workers)

    done = subprocess.run(args, capture_output=True, text=True, check=False)  # noqa: S603
    assert done.returncode == 0, done.stderr
    assert f"{len(killed['chunks'])} done before (attempt 2)" in done.stdout
    finished = _manifest(out)
    assert finished["complete"]
    ids = read_output(out).column("listing_id").to_pylist()
    assert len(ids) == total == len(set(ids))  # every row exactly once


def test_h18_r3_lock_is_not_held_by_a_live_worker_of_a_dead_run(tmp_path: Path) -> None:
    """The lock is the main process's alone: a child it forked (as the pool's are) that is still
    alive after the parent is killed does not keep the run locked."""
    out = tmp_path / "out"
    out.mkdir()
    holder = (
        "import os, sys, time\n"
        "from pathlib import Path\n"
        "from ringfence.screening.runners.dataset import _locked\n"
        "with _locked(Path(sys.argv[1])):\n"
        "    if os.fork() == 0:\n"  # a child that outlives its parent, holding the open fd
        "        time.sleep(300); os._exit(0)\n"
        "    print('locked', flush=True); time.sleep(300)\n"
    )
    python = str(Path(RINGFENCE).with_name("python"))
    first = subprocess.Popen(  # noqa: S603
        [python, "-c", holder, str(out)], stdout=subprocess.PIPE, text=True
    )
    orphans: set[int] = set()
    try:
        assert first.stdout is not None
        assert first.stdout.readline() == "locked\n"
        orphans = _children(first.pid)
        busy = subprocess.run(  # noqa: S603
            [python, "-c", holder, str(out)], capture_output=True, text=True, check=False
        )
        assert "[run_in_progress]" in busy.stderr
        assert f"(pid {first.pid})" in busy.stderr
        first.send_signal(signal.SIGKILL)
        first.wait()
        assert any(_alive(o) for o in orphans)  # the forked child lives on, fd open
        again = subprocess.Popen(  # noqa: S603
            [python, "-c", holder, str(out)], stdout=subprocess.PIPE, text=True
        )
        assert again.stdout is not None
        assert again.stdout.readline() == "locked\n"
        orphans |= _children(again.pid)
        again.kill()
        again.wait()
        again.stdout.close()
    finally:
        # The orphans first: they hold the parents' stdout open, so reading it to the end
        # (communicate) would wait out their sleep.
        for pid in orphans:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        first.kill()
        first.communicate()
