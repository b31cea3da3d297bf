from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from ringfence.demo import demo_document_text
from ringfence.registry.builtin import builtin_document
from ringfence.registry.fileformat import parse_document
from ringfence.screening.engine import Engine
from ringfence.screening.index import ScreeningData, builtin_data


@pytest.fixture(scope="session")
def demo_data() -> ScreeningData:
    """The built-in registry plus the demo licences (licensed sellers to test against)."""
    base = builtin_document()
    demo = parse_document(demo_document_text())
    registry = base.model_copy(
        update={
            "parties": base.parties + demo.parties,
            "marks": base.marks + demo.marks,
            "licences": demo.licences,
        }
    )
    return builtin_data(registry)


@pytest.fixture(scope="session")
def engine(demo_data: ScreeningData) -> Engine:
    return Engine(demo_data)


class S3:
    """A loopback S3-compatible server (moto's server mode) and the environment that points
    the AWS clients at it; ``bucket()`` makes a fresh bucket."""

    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint
        self.env = {
            "AWS_ENDPOINT_URL": endpoint,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_REGION": "us-east-1",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ALLOW_HTTP": "true",  # delta-rs (object_store) refuses http:// otherwise
        }
        self._n = 0

    def filesystem(self) -> Any:
        import pyarrow.fs as pafs

        return pafs.S3FileSystem(
            endpoint_override=self.endpoint,
            access_key="testing",
            secret_key="testing",
            region="us-east-1",
            allow_bucket_creation=True,
        )

    def bucket(self) -> str:
        self._n += 1
        name = f"ringfence-{os.getpid()}-{self._n}"
        self.filesystem().create_dir(name)
        return name


@pytest.fixture(scope="session")
def s3() -> Iterator[S3]:
    """moto's server in a process of its own (not a thread of this one: delta-rs holds the GIL
    while it waits for the server's answer, so an in-process server deadlocks with it), on a
    free loopback port, for the whole session; the AWS environment points there meanwhile."""
    pytest.importorskip("moto.server")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    code = (
        "import logging, sys, time; logging.disable(logging.CRITICAL); "
        "from moto.server import ThreadedMotoServer; "
        f"ThreadedMotoServer(ip_address='127.0.0.1', port={port}, verbose=False).start(); "
        "print('ready', flush=True); sys.stdin.read()"
    )
    server = subprocess.Popen(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", code],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert server.stdout is not None
        assert server.stdout.readline().strip() == "ready"
        store = S3(f"http://127.0.0.1:{port}")
        saved = {k: os.environ.get(k) for k in store.env}
        os.environ.update(store.env)
        try:
            yield store
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
    finally:
        server.kill()
        server.communicate()
