"""Code run in separate processes by the PostgreSQL race tests (a second workstation is a second process)."""

from __future__ import annotations

import os
import sys
import tempfile
from typing import Any

# fork on Linux: the second "workstation" starts in a second instead of re-importing everything (~10 s);
# it opens its own engine and never touches the parent's connections.
START_METHOD = "fork" if sys.platform.startswith("linux") else "spawn"


def _open(url: str):  # type: ignore[no-untyped-def]
    os.environ["HRDESK_DATABASE_URL"] = url
    os.environ.setdefault("HRDESK_LANG", "zh_CN")
    from app.context import open_app

    return open_app(tempfile.mkdtemp(prefix="hrdesk-ws-"))


def rename_department(url: str, dept_id: int, version: int, name: str, barrier: Any, out: Any) -> None:
    """Both workstations read version ``version``; each saves its own name at the same moment."""
    ctx = _open(url)
    try:
        barrier.wait(timeout=60)
        try:
            ctx.services.org.rename_department(dept_id, name, version)
            out.put(("ok", name))
        except Exception as exc:  # noqa: BLE001 - the test looks at what happened
            out.put((type(exc).__name__, getattr(exc, "message", str(exc))))
    finally:
        ctx.close()


def run_payroll(url: str, month: str, barrier: Any, out: Any) -> None:
    ctx = _open(url)
    try:
        barrier.wait(timeout=60)
        try:
            summary = ctx.services.payroll.run_draft(month, user=f"ws-{os.getpid()}")
            out.put(("ok", summary.headcount))
        except Exception as exc:  # noqa: BLE001
            out.put((type(exc).__name__, getattr(exc, "message", str(exc))))
    finally:
        ctx.close()


def start_app(url: str, barrier: Any, out: Any) -> None:
    """Open the app (migrating an empty database) at the same moment as another workstation."""
    os.environ["HRDESK_DATABASE_URL"] = url
    from app.context import open_app

    barrier.wait(timeout=60)
    try:
        ctx = open_app(tempfile.mkdtemp(prefix="hrdesk-ws-"))
        out.put(("ok", ctx.migrated))
        ctx.close()
    except Exception as exc:  # noqa: BLE001
        out.put((type(exc).__name__, str(exc)))
