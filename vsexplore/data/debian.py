"""Files of Debian packages, fetched without installing them (``apt-get download`` + ``dpkg-deb``).

Each package is extracted once into ``<cache>/debian/<name>``; a ``.complete`` marker says which
files were kept, and extraction goes to a temporary folder renamed at the end, so an interrupted
fetch never leaves a half-filled folder behind.
"""

from __future__ import annotations

import fnmatch
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Sequence
from pathlib import Path

from ..errors import DebianUnavailable
from .cache import cache_dir

MARKER = ".complete"
_MISSING_LISTS = ("Unable to locate package", "has no installation candidate", "no installation candidate")


def fetch(name: str, include: Sequence[str] = ("*",), root: Path | None = None) -> Path:
    """Extract the files of package ``name`` matching ``include`` (fnmatch on ``./usr/...`` paths); cached."""
    root = root or cache_dir("debian")
    dest = root / name
    wanted = {"package": name, "include": list(include)}
    if _read_marker(dest) == wanted:
        return dest
    for stale in root.glob(f"{name}.tmp-*"):
        shutil.rmtree(stale, ignore_errors=True)
    tmp = Path(tempfile.mkdtemp(prefix=f"{name}.tmp-", dir=root))
    try:
        if not _copy_installed(name, tmp / "files", include):
            _require_tools()
            deb = _download(name, tmp)
            _extract(deb, tmp / "files", include)
            deb.unlink()
        (tmp / "files" / MARKER).write_text(json.dumps(wanted))
        shutil.rmtree(dest, ignore_errors=True)
        os.replace(tmp / "files", dest)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return dest


def download_size(name: str) -> int:
    """The package's download size in bytes, from ``apt-cache show`` (to tell users before fetching)."""
    _require_tools()
    out = subprocess.run(["apt-cache", "show", name], capture_output=True, text=True).stdout
    sizes = [int(line.split(":", 1)[1]) for line in out.splitlines() if line.startswith("Size:")]
    if not sizes:
        raise DebianUnavailable(f"apt-cache knows no package {name!r}; run `apt-get update` first")
    return sizes[0]


def _copy_installed(name: str, dest: Path, include: Sequence[str]) -> bool:
    """When the package is installed (e.g. by Binder's apt.txt), copy its matching files; else False."""
    if shutil.which("dpkg-query") is None:
        return False
    query = ["dpkg-query", "-W", "-f=${db:Status-Status}", name]
    status = subprocess.run(query, capture_output=True, text=True)
    if status.returncode != 0 or status.stdout.strip() != "installed":
        return False
    listed = subprocess.run(["dpkg-query", "-L", name], capture_output=True, text=True).stdout.splitlines()
    dest.mkdir(parents=True)
    for path in listed:
        member = "." + path
        if os.path.isfile(path) and any(fnmatch.fnmatch(member, pat) for pat in include):
            target = dest / path.lstrip("/")
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
    return True


def _read_marker(dest: Path) -> dict | None:
    try:
        return json.loads((dest / MARKER).read_text())
    except (OSError, ValueError):
        return None


def _require_tools() -> None:
    missing = [tool for tool in ("apt-get", "apt-cache", "dpkg-deb") if shutil.which(tool) is None]
    if missing:
        raise DebianUnavailable(
            f"fetching Debian packages needs {', '.join(missing)} (Debian/Ubuntu only); "
            "on macOS or Windows use vsexplore.datasets.sample(), which falls back to scikit-image photos"
        )


def _download(name: str, into: Path) -> Path:
    """``apt-get download`` into a folder; refresh missing package lists once when we are root."""
    result = _apt_download(name, into)
    if result.returncode != 0 and any(s in result.stderr for s in _MISSING_LISTS):
        if getattr(os, "geteuid", lambda: -1)() == 0:
            subprocess.run(["apt-get", "update"], capture_output=True, text=True)
            result = _apt_download(name, into)
        else:
            raise DebianUnavailable(
                f"apt cannot find {name!r}: package lists missing; run `sudo apt-get update` and retry"
            )
    if result.returncode != 0:
        raise DebianUnavailable(f"`apt-get download {name}` failed: {result.stderr.strip()[-500:]}")
    debs = sorted(into.glob(f"{name}_*.deb"))
    if not debs:
        raise DebianUnavailable(f"`apt-get download {name}` produced no .deb in {into}")
    return debs[0]


def _apt_download(name: str, into: Path) -> subprocess.CompletedProcess:
    return subprocess.run(["apt-get", "download", name], cwd=into, capture_output=True, text=True)


def _extract(deb: Path, dest: Path, include: Sequence[str]) -> None:
    """Stream the package's data archive, keeping regular files whose path matches ``include``."""
    dest.mkdir(parents=True)
    proc = subprocess.Popen(["dpkg-deb", "--fsys-tarfile", str(deb)], stdout=subprocess.PIPE)
    assert proc.stdout is not None
    with tarfile.open(fileobj=proc.stdout, mode="r|") as tar:
        for member in tar:
            if member.isfile() and any(fnmatch.fnmatch(member.name, pat) for pat in include):
                tar.extract(member, dest, filter="data")
    if proc.wait() != 0:
        raise DebianUnavailable(f"`dpkg-deb --fsys-tarfile {deb.name}` failed (exit {proc.returncode})")
