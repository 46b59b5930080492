"""Real-browser tests: JupyterLab over copies of examples/, driven by the system Chromium (run_notebook.mjs).

Needs /usr/bin/chromium (or $CHROMIUM), node and tests/browser/node_modules (bash scripts/setup-browser.sh).
Without them the tests skip, except under CI (CI=true), where they fail.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
RUNNER = HERE / "run_notebook.mjs"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")

# Test-only JupyterLab settings: no "official Jupyter news?" toast, and every cell attached to the DOM
# (the default windowing skips painting cells out of view, which would hide outputs from the checks).
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: drives a real browser (Chromium) through JupyterLab")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.browser)


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


@pytest.fixture(scope="session")
def browser_tools() -> None:
    """Skip (fail under CI) when Chromium, node or playwright-core is missing."""
    missing = [
        what
        for what, found in [
            (CHROMIUM, os.access(CHROMIUM, os.X_OK)),
            ("node", shutil.which("node") is not None),
            ("tests/browser/node_modules/playwright-core", (HERE / "node_modules/playwright-core").is_dir()),
        ]
        if not found
    ]
    if missing:
        reason = f"browser tests need {', '.join(missing)}: run `bash scripts/setup-browser.sh`"
        if in_ci():
            pytest.fail(f"CI is set and {reason}", pytrace=False)
        pytest.skip(reason)


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """Screenshots and logs: $VSEXPLORE_ARTIFACTS or <repo>/artifacts/browser."""
    path = Path(os.environ.get("VSEXPLORE_ARTIFACTS") or ROOT / "artifacts" / "browser")
    path.mkdir(parents=True, exist_ok=True)
    return path


@dataclass
class JupyterServer:
    url: str  # base URL, ending in /
    root_dir: Path  # the server's root: a copy of examples/
    log: Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop_server(proc: subprocess.Popen, url: str) -> None:
    """Shut the kernels down through the API, then stop the server's process group by its PID."""
    try:
        with urllib.request.urlopen(f"{url}api/kernels", timeout=5) as r:
            kernels = json.load(r)
        for k in kernels:
            req = urllib.request.Request(f"{url}api/kernels/{k['id']}", method="DELETE")
            urllib.request.urlopen(req, timeout=10).close()
    except OSError:
        pass  # the server is gone already, or a kernel went away on its own
    for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            break
        try:
            proc.wait(timeout=wait)
            break
        except subprocess.TimeoutExpired:
            continue


@pytest.fixture(scope="session")
def jupyter_server(browser_tools, tmp_path_factory, artifacts_dir) -> Iterator[JupyterServer]:
    """JupyterLab on 127.0.0.1, no token, over a copy of examples/; this venv's python runs its kernels."""
    base = tmp_path_factory.mktemp("jupyter")
    root = base / "root"
    shutil.copytree(ROOT / "examples", root, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    for name, values in LAB_SETTINGS.items():
        path = base / "lab-settings" / f"{name}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    # keep the user's Jupyter/IPython config, data (kernelspecs) and runtime files out of the tests
    env = dict(os.environ)
    for var, sub in [("JUPYTER_CONFIG_DIR", "config"), ("JUPYTER_DATA_DIR", "data"),
                     ("JUPYTER_RUNTIME_DIR", "runtime"), ("IPYTHONDIR", "ipython")]:
        env[var] = str(base / sub)
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    log = artifacts_dir / "jupyter-server.log"
    cmd = [
        sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root",
        "--ip=127.0.0.1", f"--port={port}", "--ServerApp.port_retries=0",
        f"--ServerApp.root_dir={root}",
        "--IdentityProvider.token=", "--PasswordIdentityProvider.hashed_password=",
        "--LabApp.expose_app_in_browser=True",  # window.jupyterapp, used by run_notebook.mjs
        "--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        f"--LabApp.user_settings_dir={base / 'lab-settings'}",
        f"--LabApp.workspaces_dir={base / 'workspaces'}",
    ]
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                pytest.fail(f"jupyter lab exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{url}api/status", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"jupyter lab did not answer on {url} in 90 s:\n{log.read_text()[-3000:]}")
            time.sleep(0.5)
        yield JupyterServer(url=url, root_dir=root, log=log)
    finally:
        stop_server(proc, url)


def summary(result: dict) -> str:
    """The run's failures as readable text: runner errors, cell tracebacks, unexecuted cells, dialogs."""
    lines = [f"runner: {e}" for e in result.get("errors", [])]
    for e in result.get("cell_errors", []):
        lines.append(f"cell {e['cell']}: {e['ename']}: {e['evalue']}\n{e['traceback']}")
    lines += [f"cell {c['index']} not executed" for c in result.get("cells", [])
              if c.get("type") == "code" and c.get("execution_count") is None]
    if result.get("dialogs"):
        lines.append("dialogs opened by the page: " + "; ".join(f"{d['type']}: {d['message']}"
                                                            for d in result["dialogs"]))
    if result.get("console_errors"):
        lines.append("browser console errors:\n  " + "\n  ".join(result["console_errors"]))
    return "\n".join(lines) or "no failures"


@pytest.fixture
def run_notebook(jupyter_server, artifacts_dir, request) -> Callable[..., dict]:
    """run_notebook(notebook, actions, **spec) -> the runner's JSON result, with a readable "summary".

    A whole-notebook screenshot is saved as <artifacts>/<test name>.png unless screenshot= is given.
    """

    def run(notebook: str, actions: list[dict], *, timeout_s: float = 300, **spec) -> dict:
        spec = {
            "url": jupyter_server.url,
            "notebook": notebook,
            "timeout_ms": int(timeout_s * 1000),
            "screenshot": str(artifacts_dir / (re.sub(r"[^\w.-]+", "_", request.node.name) + ".png")),
            "actions": actions,
            **spec,
        }
        # its own process group, so that a hung run is stopped with the Chromium it started
        proc = subprocess.Popen(["node", str(RUNNER)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, cwd=HERE,
                                env={**os.environ, "CHROMIUM": CHROMIUM}, start_new_session=True)
        try:
            stdout, stderr = proc.communicate(json.dumps(spec), timeout=timeout_s + 60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            stdout, stderr = proc.communicate()
            pytest.fail(f"run_notebook.mjs ran past {timeout_s + 60} s; its log:\n{stderr}")
        try:
            result = json.loads(stdout.strip().splitlines()[-1])
        except (IndexError, json.JSONDecodeError):
            pytest.fail(f"run_notebook.mjs: no JSON (exit {proc.returncode}):\n{stdout}{stderr}")
        result["summary"] = summary(result)
        result["log"] = stderr
        return result

    return run
