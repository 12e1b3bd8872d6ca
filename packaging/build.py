"""Build the one-folder bundle: compile translations, run PyInstaller, copy and verify the models,
then smoke-test the built program (selftest and --screenshot, offscreen).

    python packaging/build.py [--models DIR] [--out DIR] [--skip-smoke]
    python packaging/build.py --wheelhouse DIR [--check]   # offline install kit: every wheel for this platform

Everything the build writes goes under ``--out`` (default: ``<temp>/hrdesk-build``), never into the
repository: ``OUT/work`` (PyInstaller's work files), ``OUT/dist/hrdesk`` (the bundle to copy to a USB stick).

The smoke test moves the bundle to a folder whose path has Chinese characters and a space
(``OUT/smoke/人事 工作台/hrdesk``) and runs it there, without HRDESK_MODELS_DIR, so the program must find
its own ``models/`` beside the executable: ``models verify``, ``selftest``, ``--demo --screenshot`` (the
demo writes and reads PDF/DOCX/GBK resumes, builds rosters and payroll) in Chinese, then ``--screenshot``
of the same database with ``--lang en``. Prints build time, bundle size and smoke-test time.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = Path(tempfile.gettempdir()) / "hrdesk-build"
SMOKE_PARENT = "人事 工作台"  # non-ASCII and a space: the path a Chinese hospital PC may well have
EXPECTED_SCREENSHOTS = 6


def run(cmd: list[str], **kw: object) -> None:
    print("+", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True, **kw)  # noqa: S603


def exe_name() -> str:
    return "hrdesk.exe" if os.name == "nt" else "hrdesk"


def compile_translations() -> None:
    run([sys.executable, str(ROOT / "packaging" / "i18n_tool.py"), "compile"])


def pyinstaller(out: Path) -> Path:
    dist = out / "dist"
    run([sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean", "--log-level", "WARN",
         "--distpath", str(dist), "--workpath", str(out / "work"), str(ROOT / "packaging" / "hrdesk.spec")])
    return dist / "hrdesk"


def copy_models(bundle: Path, source: Path | None) -> None:
    target = bundle / "models"
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "models" / "MANIFEST.toml", target / "MANIFEST.toml")
    shutil.copy(ROOT / "models" / "README.md", target / "README.md")
    if source is None:
        print("no --models given: the bundle has no models (the app says which are missing)")
        return
    for item in sorted(source.iterdir()):
        dest = target / item.name
        if item.is_dir():
            shutil.copytree(item, dest, dirs_exist_ok=True)
        elif item.suffix != ".md":
            shutil.copy(item, dest)


def smoke_env(tmp: Path) -> dict[str, str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env["HRDESK_CONFIG_DIR"] = str(tmp / "config")
    env["HRDESK_LOG_DIR"] = str(tmp / "log")
    for var in ("HRDESK_MODELS_DIR", "HRDESK_LANG", "PYTHONPATH"):
        env.pop(var, None)  # the bundle must find its own models and modules
    return env


def smoke_test(bundle: Path, out: Path, expect_models: bool) -> float:
    """Run the bundle from a non-ASCII path with a space; returns the seconds it took."""
    started = time.monotonic()
    smoke_dir = out / "smoke" / SMOKE_PARENT
    smoke_dir.mkdir(parents=True, exist_ok=True)
    moved = smoke_dir / bundle.name
    if moved.exists():
        shutil.rmtree(moved)
    bundle.rename(moved)  # same file system: instant, and the real path really is non-ASCII
    try:
        exe = moved / exe_name()
        with tempfile.TemporaryDirectory(prefix="hrdesk-smoke-") as tmp_name:
            tmp = Path(tmp_name)
            env = smoke_env(tmp)
            run([str(exe), "models", "verify"], env=env)
            run([str(exe), "selftest"], env=env)
            if expect_models:
                check_models_found(exe, env, moved / "models")
            data = tmp / "demo"
            shots = tmp / "shots"
            run([str(exe), "--demo", "--data-dir", str(data), "--screenshot", str(shots / "zh_CN"),
                 "--today", "2026-11-22"], env=env)
            run([str(exe), "--data-dir", str(data), "--screenshot", str(shots / "en"), "--lang", "en"], env=env)
            smoke_postgresql(exe, env, data)
            for lang in ("zh_CN", "en"):
                made = sorted(p.name for p in (shots / lang).glob("*.png"))
                print(f"screenshots ({lang}):", ", ".join(made))
                if len(made) < EXPECTED_SCREENSHOTS:
                    raise SystemExit(f"smoke test: expected {EXPECTED_SCREENSHOTS} screenshots in {lang}")
            log = tmp / "log" / "hrdesk.log"
            if log.exists() and "unexpected error" in log.read_text(encoding="utf-8", errors="replace"):
                raise SystemExit(f"smoke test: the log records an unexpected error:\n{log.read_text()}")
    finally:
        moved.rename(bundle)
    return time.monotonic() - started


def smoke_postgresql(exe: Path, env: dict[str, str], data: Path) -> None:
    """With a test server (HRDESK_TEST_PG_URL, set by .ci/postgres.sh): the bundle's psycopg and PostgreSQL dialect
    load, it copies the demo to a fresh database (migrations, COPY, checksums) and runs its selftest on it."""
    base = os.environ.get("HRDESK_TEST_PG_URL", "").strip()
    if not base:
        print("PostgreSQL smoke test skipped: HRDESK_TEST_PG_URL is not set (source .ci/postgres.sh)")
        return
    import psycopg  # the build's own interpreter: only to create and drop the scratch database
    from sqlalchemy.engine import make_url

    url = make_url(base)
    name = f"hrdesk_bundle_{os.getpid()}"
    admin = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as con:
        con.execute(f'CREATE DATABASE "{name}"')
    try:
        target = url.set(database=name).render_as_string(hide_password=False)
        run([str(exe), "db", "copy", "--data-dir", str(data), "--to", target], env=env)
        run([str(exe), "selftest"], env=dict(env, HRDESK_DATABASE_URL=target))
        print("PostgreSQL smoke test: demo copied and selftest passed on", url.set(database=name).render_as_string())
    finally:
        with psycopg.connect(admin, autocommit=True) as con:
            con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def check_models_found(exe: Path, env: dict[str, str], models: Path) -> None:
    """selftest --json must report every model copied into the bundle as found inside it."""
    import json

    out = subprocess.run([str(exe), "selftest", "--json"], env=env, check=False,  # noqa: S603
                         capture_output=True, text=True, encoding="utf-8")
    checks = json.loads(out.stdout)["checks"]
    found = [c for c in checks if c["status"] == "ok" and str(models) in c["detail"]]
    print(f"models found inside the bundle: {len(found)}")
    if not found:
        raise SystemExit(f"smoke test: selftest found no model in {models}:\n{out.stdout}")


def wheelhouse(target: Path) -> None:
    """Every wheel the program needs on this platform and Python (no test or build tools: the kit is for
    hospital PCs); sdists are built into wheels."""
    target.mkdir(parents=True, exist_ok=True)
    # `pip wheel` resolves the same set as `pip download` but also builds sdists (e.g. jieba) and the
    # project itself into wheels, so the kit installs with --no-index on a PC without a compiler.
    run([sys.executable, "-m", "pip", "wheel", "--wheel-dir", str(target), str(ROOT)])
    sdists = list(target.glob("*.tar.gz")) + list(target.glob("*.zip"))
    for sdist in sdists:
        sdist.unlink()
    print(f"offline kit in {target}: {len(list(target.glob('*.whl')))} wheels, "
          f"{folder_size(target) / 1e6:.0f} MB; install with: "
          f"pip install --no-index --find-links {target} hrdesk")


def check_wheelhouse(target: Path) -> float:
    """Install the kit into a fresh venv with --no-index and run its selftest; returns seconds."""
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="hrdesk-kit-") as tmp_name:
        tmp = Path(tmp_name)
        venv.EnvBuilder(with_pip=True).create(tmp / "venv")
        py = tmp / "venv" / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
        env = smoke_env(tmp)
        env["PIP_CONFIG_FILE"] = os.devnull  # no index configured anywhere: the kit alone must do
        run([str(py), "-m", "pip", "install", "--no-index", "--find-links", str(target), "hrdesk"], env=env)
        # run outside the source tree so the installed package, not the checkout, is imported
        run([str(py), "-m", "app", "selftest"], env=env, cwd=tmp)
    return time.monotonic() - started


def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", type=Path, help="models folder to copy beside the program")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"build folder (default {DEFAULT_OUT})")
    parser.add_argument("--skip-smoke", action="store_true", help="build only")
    parser.add_argument("--smoke-only", action="store_true", help="smoke-test the bundle already in OUT")
    parser.add_argument("--wheelhouse", type=Path, metavar="DIR", help="write the offline install kit to DIR")
    parser.add_argument("--check", action="store_true", help="with --wheelhouse: install it in a fresh venv, run selftest")
    args = parser.parse_args(argv)
    if args.wheelhouse:
        started = time.monotonic()
        wheelhouse(args.wheelhouse)
        print(f"wheelhouse time {time.monotonic() - started:.0f} s")
        if args.check:
            print(f"offline kit check: installed and selftest passed in {check_wheelhouse(args.wheelhouse):.0f} s")
        return 0
    out = args.out.resolve()
    if ROOT in (out, *out.parents):
        parser.error("--out must be outside the repository")
    bundle = out / "dist" / "hrdesk"
    built = 0.0
    if not args.smoke_only:
        started = time.monotonic()
        compile_translations()
        bundle = pyinstaller(out)
        copy_models(bundle, args.models)
        built = time.monotonic() - started
        print(f"build time {built:.0f} s; bundle {folder_size(bundle) / 1e6:.0f} MB at {bundle}", flush=True)
    if not args.skip_smoke:
        expect_models = any(p.is_dir() for p in (bundle / "models").iterdir())
        print(f"smoke test passed in {smoke_test(bundle, out, expect_models):.0f} s")
    print(f"build time {built:.0f} s; bundle {folder_size(bundle) / 1e6:.0f} MB at {bundle}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
