"""Fetching Debian package files without installing them: real fetch, idempotence, clear errors."""

from __future__ import annotations

import subprocess

import pytest

from vsexplore.data import debian

PATTERN = ("./usr/share/palapeli/collection/citrus-fruits.jpg",)


def test_fetch_extracts_only_matching_files_once(tmp_path, monkeypatch):
    dest = debian.fetch("palapeli-data", PATTERN, root=tmp_path)
    files = [p for p in dest.rglob("*") if p.is_file() and p.name != debian.MARKER]
    assert [p.name for p in files] == ["citrus-fruits.jpg"]
    assert not list(tmp_path.glob("*.tmp-*"))

    def no_apt(*args, **kwargs):
        raise AssertionError("fetch must not call apt when the marker is there")

    monkeypatch.setattr(subprocess, "run", no_apt)
    assert debian.fetch("palapeli-data", PATTERN, root=tmp_path) == dest


def test_download_size_is_known():
    assert 1_000_000 < debian.download_size("palapeli-data") < 10_000_000


def test_clear_error_without_apt(tmp_path, monkeypatch):
    monkeypatch.setattr(debian.shutil, "which", lambda tool: None)
    with pytest.raises(debian.DebianUnavailable, match="Debian/Ubuntu only"):
        debian.fetch("palapeli-data", PATTERN, root=tmp_path)


def test_missing_package_lists_tell_what_to_run(tmp_path, monkeypatch):
    failed = subprocess.CompletedProcess([], 100, "", "E: Unable to locate package palapeli-data")
    monkeypatch.setattr(debian, "_apt_download", lambda name, into: failed)
    monkeypatch.setattr(debian.os, "geteuid", lambda: 1000, raising=False)
    with pytest.raises(debian.DebianUnavailable, match="apt-get update"):
        debian.fetch("palapeli-data", PATTERN, root=tmp_path)


def test_installed_packages_are_copied_not_downloaded(tmp_path, monkeypatch):
    """Binder installs the photo packages with apt.txt; fetch then copies their files."""
    import shutil as sh

    import pytest

    from vsexplore.data import debian

    if sh.which("dpkg-query") is None:
        pytest.skip("not a Debian system")
    monkeypatch.setattr(debian, "_download", lambda *a: pytest.fail("an installed package was downloaded"))
    dest = debian.fetch("coreutils", ("./usr/share/doc/coreutils/copyright",), root=tmp_path)
    assert (dest / "usr/share/doc/coreutils/copyright").read_bytes() == open(
        "/usr/share/doc/coreutils/copyright", "rb"
    ).read()
