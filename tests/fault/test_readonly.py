"""Fault trial: the data folder really becomes read-only (a write-protected share, wrong permissions).

The real command line runs against a data folder whose permission bits forbid writing. Root ignores
permission bits, so when the tests run as root (as CI does) the commands run as the unprivileged user
``nobody`` (uid 65534). That user normally cannot read a Python installed under /root, so it keeps only
the capability to *read* any file (CAP_DAC_READ_SEARCH, granted with ``setpriv``), not the one to write
(CAP_DAC_OVERRIDE): reading works, writing obeys the permission bits — exactly a read-only folder.

What must hold: opening (selftest, a listing) says in Chinese that the folder is read-only, names it and
says what to do, and the saved data reads fine; a write (adding an account) is refused with the same
message and exit code 1, no traceback; nothing on disk changes, and with write access back the database
passes the integrity check and holds exactly what it held.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")]

ROOT = Path(__file__).resolve().parents[2]
NOBODY = 65534
ADMIN_PW = "Start-2026a"
HR_PW = "Nurse-2026x"


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HRDESK_")}
    env.update({
        "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
        "HRDESK_LANG": "zh_CN",
        "HRDESK_CONFIG_DIR": str(home / "config"),
        "HRDESK_LOG_DIR": str(home / "logs"),
        "HOME": str(home),
        "ADMIN_PW": ADMIN_PW, "HR_PW": HR_PW, "NEW_PW": "Other-2026b",
    })
    if os.environ.get("HRDESK_MODELS_DIR"):
        env["HRDESK_MODELS_DIR"] = os.environ["HRDESK_MODELS_DIR"]
    return env


def _run(prefix: list[str], home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*prefix, sys.executable, "-m", "app", *args], capture_output=True, text=True,
                          env=_env(home), cwd=ROOT, timeout=300, check=False)


def _unprivileged_prefix(home: Path) -> list[str]:
    """How to run a command so that permission bits apply ([] when not root); skips when impossible."""
    if os.geteuid() != 0:
        return []
    candidates: list[list[str]] = []
    if shutil.which("setpriv"):
        base = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]
        candidates += [[*base, "--inh-caps=+dac_read_search", "--ambient-caps=+dac_read_search"], base]
    if shutil.which("runuser"):
        candidates.append(["runuser", "-u", "nobody", "--"])
    tried = []
    for prefix in candidates:
        probe = subprocess.run([*prefix, sys.executable, "-c", "import os, app.context; print(os.geteuid())"],
                               capture_output=True, text=True, env=_env(home), cwd=ROOT, timeout=120, check=False)
        if probe.returncode == 0 and probe.stdout.strip() == str(NOBODY):
            return prefix
        tried.append(f"{prefix[0]}: {probe.stderr.strip().splitlines()[-1:] or probe.returncode}")
    pytest.skip("running as root and no way to run Python as an unprivileged user: " + "; ".join(tried))


def _digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir"
            for p in sorted(folder.rglob("*"))}


def _set_writable(folder: Path, writable: bool) -> None:
    for p in [folder, *folder.rglob("*")]:
        mode = p.stat().st_mode
        if writable:
            p.chmod(mode | stat.S_IWUSR)
        else:
            p.chmod((mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)) | stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH
                    | (stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH if p.is_dir() else 0))


def test_read_only_data_folder_reads_refuses_writes_clearly_and_loses_nothing(tmp_path: Path) -> None:
    home = tmp_path / "home"
    for d in ("config", "logs"):
        (home / d).mkdir(parents=True)
    data = tmp_path / "data"
    # a data folder with saved work, made by its owner while writable
    me: list[str] = []
    for args in (("users", "init", "--password-env", "ADMIN_PW"),
                 ("users", "add", "liqing", "--role", "hr", "--name", "李青", "--password-env", "HR_PW")):
        done = _run(me, home, *args, "--data-dir", str(data))
        assert done.returncode == 0, done.stderr
    before_listing = _run(me, home, "users", "list", "--data-dir", str(data))
    assert "liqing" in before_listing.stdout
    home.chmod(0o755)
    tmp_path.chmod(0o755)
    prefix = _unprivileged_prefix(home)
    if prefix:
        for p in [home, *home.rglob("*")]:
            os.chown(p, NOBODY, NOBODY)  # the unprivileged user's own config and log folders
    _set_writable(data, False)
    before = _digest(data)
    try:
        # 1. opening: selftest names the folder, says it is read-only and what to do; the database reads
        check = _run(prefix, home, "selftest", "--data-dir", str(data))
        notice = f"数据文件夹 {data} 是只读的"
        assert notice in check.stderr and "信息科" in check.stderr, check.stderr
        assert "Traceback" not in check.stderr
        db_row = next(line for line in check.stdout.splitlines() if line.startswith("数据库"))
        assert "正常" in db_row, check.stdout
        # 2. saved data reads fine
        listing = _run(prefix, home, "users", "list", "--data-dir", str(data))
        assert listing.returncode == 0, listing.stderr
        assert listing.stdout == before_listing.stdout
        assert notice in listing.stderr
        # 3. a write is refused with the message, exit code 1, no traceback
        write = _run(prefix, home, "users", "add", "wang", "--role", "hr", "--password-env", "NEW_PW",
                     "--data-dir", str(data))
        assert write.returncode == 1, (write.returncode, write.stderr)
        assert "错误：" + notice in write.stderr and "无法保存任何更改" in write.stderr
        assert "Traceback" not in write.stderr + write.stdout
        # 4. nothing on disk changed (no journal, no -shm, no half-written file)
        assert _digest(data) == before
    finally:
        _set_writable(data, True)
    # 5. with write access back: intact, and exactly the accounts saved before
    con = sqlite3.connect(data / "hrdesk.sqlite3")
    try:
        assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert [u for (u,) in con.execute("SELECT username FROM users ORDER BY username")] == ["admin", "liqing"]
    finally:
        con.close()
    again = _run(me, home, "users", "list", "--data-dir", str(data))
    assert again.returncode == 0 and again.stdout == before_listing.stdout and "只读" not in again.stderr
