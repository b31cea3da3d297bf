"""Build the sdist and, from it, the wheel (as a user, a Docker image or a cluster installs
ringfence), install the wheel into a clean virtual environment, and run every command group
from it, away from the source tree: `screen`, `demo` (db, registry), `codes verify`,
`edition export`, `serve` answering /healthz and a page. Every data file the source tree ships
(any non-Python file under src/ringfence but the kernel's sources) must be in the installed
package (an importlib.resources walk).

The clean environment gets the wheel only (--no-deps); its dependencies come from this
interpreter's site-packages through a .pth line (a full install of pyarrow, OpenCV, Ray... would
take minutes, and what is checked here is the wheel's own contents). Run with the project's
venv: `.venv/bin/python .ci/wheel_smoke.py` (`make wheel`)."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import sysconfig
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "src" / "ringfence"
NOT_SHIPPED = {".py", ".pyc", ".pyx", ".c", ".so"}  # code, or the kernel's sources and builds


def run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(  # noqa: S603 - our own command lines
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        sys.exit(f"FAILED: {' '.join(map(str, args))}\n{done.stdout}\n{done.stderr}")
    return done.stdout


def data_files() -> set[str]:
    return {
        p.relative_to(SOURCE).as_posix()
        for p in SOURCE.rglob("*")
        if p.is_file() and p.suffix not in NOT_SHIPPED and "__pycache__" not in p.parts
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="ringfence-wheel-"))
    dist = work / "dist"
    run(sys.executable, "-m", "build", "--outdir", dist, ROOT, cwd=ROOT)  # sdist, then wheel
    (wheel,) = dist.glob("ringfence-*.whl")
    (sdist,) = dist.glob("ringfence-*.tar.gz")
    print(f"built {sdist.name} and {wheel.name}")

    venv = work / "venv"
    run(sys.executable, "-m", "venv", venv, cwd=work)
    python = venv / "bin" / "python"
    purelib = Path(run(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))",
                       cwd=work).strip())  # fmt: skip
    deps = [p for p in sys.path if p.endswith("site-packages")] or [sysconfig.get_path("purelib")]
    (purelib / "zz_dependencies.pth").write_text("\n".join(deps) + "\n")
    run(python, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", wheel, cwd=work)
    check_contents(python, venv, work)
    commands(venv / "bin" / "ringfence", work)
    shutil.rmtree(work)


def check_contents(python: Path, venv: Path, work: Path) -> None:
    """The installed package, not the source tree; with every data file."""
    walk = (
        "import importlib.resources as r, json, ringfence\n"
        "root = r.files('ringfence')\n"
        "def walk(d, p=''):\n"
        "    for e in d.iterdir():\n"
        "        if e.is_dir(): yield from walk(e, p + e.name + '/')\n"
        "        else: yield p + e.name\n"
        "print(json.dumps([ringfence.__file__, sorted(walk(root))]))\n"
    )
    where, installed = json.loads(run(python, "-c", walk, cwd=work))
    assert Path(where).is_relative_to(venv), f"ringfence imported from {where}, not the wheel"
    missing = sorted(data_files() - set(installed))
    assert not missing, f"missing from the wheel: {missing}"
    assert any(n.startswith("screening/_kernel") and n.endswith(".so") for n in installed)
    print(f"wheel holds all {len(data_files())} data files")


def commands(ringfence: Path, work: Path) -> None:
    env = os.environ | {"RINGFENCE_DATABASE_URL": f"sqlite:///{work / 'smoke.db'}"}
    env.pop("PYTHONPATH", None)
    listings = work / "listings.jsonl"
    listings.write_text(
        '{"listing_id": "1", "seller_id": "S", "title": "0lymp1c rings hoodie"}\n'
        '{"listing_id": "2", "seller_id": "S", "title": "blue mug"}\n'
    )
    out = run(ringfence, "screen", listings, "--out", work / "v.jsonl", cwd=work, env=env)
    verdicts = [json.loads(line)["verdict"] for line in (work / "v.jsonl").read_text().splitlines()]
    assert verdicts[0] in ("infringing", "review"), (out, verdicts)
    assert verdicts[1] == "clean", (out, verdicts)

    demo = run(ringfence, "demo", "--no-serve", cwd=work, env=env)
    uri = next(w for line in demo.splitlines() for w in line.split() if "/v/01/" in w)
    assert "valid" in run(ringfence, "codes", "verify", uri, cwd=work, env=env).lower()
    exported = run(ringfence, "edition", "export", "--edition", "la28", "--out",
                   work / "la28.tar.zst", cwd=work, env=env)  # fmt: skip
    assert exported.startswith("wrote "), exported

    port = free_port()
    server = subprocess.Popen(  # noqa: S603
        [str(ringfence), "serve", "--port", str(port)],
        cwd=work,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        for _ in range(300):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz") as r:
                    assert r.status == 200
                    break
            except OSError:
                assert server.poll() is None, server.communicate()[1]
                time.sleep(0.2)
        else:
            sys.exit("serve did not answer /healthz")
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/login") as page:
            assert page.status == 200
            assert b"<form" in page.read()
    finally:
        server.terminate()
        server.communicate(timeout=30)
    print("screen, demo, codes verify, edition export, serve: all ran from the wheel")


if __name__ == "__main__":
    main()
