"""``scripts/test`` (the README's test command) with the apt/dpkg lock held by another
process: it waits (bounded, saying so), then installs and runs pytest; when the lock stays
held it exits non-zero with a message and runs no test — never exit 0, never a silent skip.

Simulated: the lock is a file of the test's own (``KG_APT_LOCKS``) locked with fcntl as apt
locks its files, ``apt-get``, pip and pytest are stand-ins that record their arguments
(``PATH`` and ``PYTHON``), and ``KG_APT_PACKAGES`` says what is missing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="scripts/test uses apt-get only as root")


@pytest.fixture
def sandbox(tmp_path):
    """Stand-ins for apt-get and for pip/pytest (the interpreter runs anything else), and a
    lock file; returns (env, log, lock path)."""
    log = tmp_path / "calls.log"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    apt = bin_dir / "apt-get"
    apt.write_text(f'#!/bin/sh\necho "apt-get $*" >> {log}\nexit ${{FAKE_APT_STATUS:-0}}\n')
    apt.chmod(0o755)
    python = bin_dir / "python"
    python.write_text(
        "#!/bin/sh\n"
        f'if [ "$1" = "-m" ]; then echo "python $*" >> {log}; exit ${{FAKE_STATUS:-0}}; fi\n'
        f'exec {sys.executable} "$@"\n'
    )
    python.chmod(0o755)
    lock = tmp_path / "lock-frontend"
    lock.write_text("")
    env = {
        **os.environ,
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "PYTHON": str(python),
        "KG_APT_LOCKS": str(lock),
        "KG_APT_PACKAGES": " virtuoso-opensource",
    }
    return env, log, lock


def _hold(lock: Path, seconds: float | None) -> subprocess.Popen:
    """Another process holding the lock (as apt does: fcntl), for ``seconds`` or until
    killed."""
    code = (
        "import fcntl, os, sys, time\n"
        f"fd = os.open({str(lock)!r}, os.O_RDWR)\n"
        "fcntl.lockf(fd, fcntl.LOCK_EX)\n"
        "print('held', flush=True)\n"
        f"time.sleep({seconds if seconds is not None else 3600})\n"
    )
    holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    return holder


def _run(env: dict, **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["sh", str(REPO / "scripts" / "test"), "-k", "nothing"],
        env={**env, **extra},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _calls(log: Path) -> list[str]:
    return log.read_text().splitlines() if log.exists() else []


def test_a_lock_held_too_long_exits_non_zero_with_a_message_and_runs_no_test(sandbox):
    env, log, lock = sandbox
    holder = _hold(lock, None)
    try:
        done = _run(env, KG_APT_WAIT="1")
    finally:
        holder.kill()
        holder.wait()
    assert done.returncode == 1
    assert "waiting for the apt/dpkg lock" in done.stderr
    assert "still holds the apt/dpkg lock" in done.stderr and "no test was run" in done.stderr
    assert _calls(log) == []  # neither apt-get nor pytest


def test_a_lock_released_in_time_is_waited_for_then_the_tests_run(sandbox):
    env, log, lock = sandbox
    holder = _hold(lock, 2)
    try:
        done = _run(env, KG_APT_WAIT="60")
    finally:
        holder.wait()
    assert done.returncode == 0, done.stderr
    assert "waiting for the apt/dpkg lock" in done.stderr
    calls = _calls(log)
    assert calls[0] == "apt-get update -qq"
    assert calls[1].startswith("apt-get install") and "virtuoso-opensource" in calls[1]
    assert calls[-1] == "python -m pytest -q -k nothing"


def test_a_failed_install_or_test_run_is_never_exit_0(sandbox):
    env, log, _ = sandbox
    done = _run(env, FAKE_APT_STATUS="100")
    assert done.returncode == 1
    assert "apt-get could not install virtuoso-opensource; no test was run" in done.stderr
    assert not any(c.startswith("python -m pytest") for c in _calls(log))
    done = _run(env, KG_APT_PACKAGES="", FAKE_STATUS="1")  # pip fails
    assert done.returncode == 1 and "pip could not install" in done.stderr


def test_the_exit_status_is_pytests(sandbox):
    env, log, _ = sandbox
    python = Path(env["PYTHON"])
    text = python.read_text().replace(
        "exit ${FAKE_STATUS:-0}", 'case "$2" in pytest) exit 5;; esac; exit 0'
    )
    python.write_text(text)
    done = _run(env, KG_APT_PACKAGES="")
    assert done.returncode == 5  # what pytest said (5: no test collected), not 0
    assert _calls(log)[-1] == "python -m pytest -q -k nothing"
