"""`crm serve` starts a real WSGI server that answers on 127.0.0.1."""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(url: str, seconds: float = 30) -> int:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.status
        except (urllib.error.URLError, ConnectionError, TimeoutError):  # still starting
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer within {seconds} s")


@pytest.mark.parametrize("workers", [1, 2])
def test_crm_serve_answers(write_config, tmp_path, sample_plugin_site, workers):
    config = write_config(["gadgets"])
    env = {
        **os.environ,
        "PYTHONPATH": str(sample_plugin_site),
        "CRM_ADMIN_PASSWORD": "admin-password",
    }
    env.pop("CRM_DATABASE_URL", None)
    subprocess.run(
        [
            sys.executable,
            "-c",
            "from crm_core.cli import main; main()",
            "--config",
            str(config),
            "init",
        ],
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from crm_core.cli import main; main()",
            "--config",
            str(config),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        assert wait_for(f"http://127.0.0.1:{port}/login") == 200
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:
            assert response.url.endswith("/login?next=/")  # redirected to sign in
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
