"""Wait until no other process holds the apt/dpkg locks (bounded), for ``scripts/test``.

apt and dpkg take POSIX (fcntl) locks on their lock files; another apt run (an unattended
upgrade, another installer) holds them for seconds to minutes, and apt-get then fails at once
with status 100. So ``scripts/test`` waits here first: up to ``KG_APT_WAIT`` seconds (default
300), saying so once, and exits 1 with a message naming the lock when it is still held.

The lock files are ``KG_APT_LOCKS`` (space-separated; by default dpkg's frontend and database
locks and apt's lists lock): the tests point it at a file of their own to simulate a held lock.
Only the standard library, so that it runs before the project is installed.
"""

from __future__ import annotations

import fcntl
import os
import sys
import time

DEFAULT_LOCKS = "/var/lib/dpkg/lock-frontend /var/lib/dpkg/lock /var/lib/apt/lists/lock"


def held(path: str) -> bool:
    """Whether another process holds a lock on ``path`` (a missing file holds none)."""
    try:
        fd = os.open(path, os.O_RDWR)
    except FileNotFoundError:
        return False
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return True
    else:
        fcntl.lockf(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)


def main() -> int:
    locks = os.environ.get("KG_APT_LOCKS", DEFAULT_LOCKS).split()
    limit = float(os.environ.get("KG_APT_WAIT", "300"))
    deadline = time.monotonic() + limit
    told = False
    while True:
        busy = [p for p in locks if held(p)]
        if not busy:
            if told:
                print("scripts/test: the apt/dpkg lock is free now", file=sys.stderr)
            return 0
        if time.monotonic() >= deadline:
            print(
                f"scripts/test: another process still holds the apt/dpkg lock ({busy[0]}) "
                f"after {limit:g} s; no test was run. Run again when it has finished, or set "
                "KG_APT_WAIT to wait longer",
                file=sys.stderr,
            )
            return 1
        if not told:
            print(
                f"scripts/test: waiting for the apt/dpkg lock ({busy[0]}), at most {limit:g} s",
                file=sys.stderr,
            )
            told = True
        time.sleep(0.5)


if __name__ == "__main__":
    sys.exit(main())
