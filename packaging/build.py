"""Build the one-folder bundle: compile translations, run PyInstaller, copy and verify the models,
then smoke-test the built program (selftest and --screenshot, offscreen).

    python packaging/build.py [--models DIR] [--skip-smoke]
    python packaging/build.py --wheelhouse DIR      # offline install kit: every wheel for this platform

Prints the build time and the bundle size.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DIST = ROOT / "dist"
BUNDLE = DIST / "hrdesk"


def run(cmd: list[str], **kw: object) -> None:
    print("+", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True, **kw)  # noqa: S603


def compile_translations() -> None:
    run([sys.executable, str(ROOT / "packaging" / "i18n_tool.py"), "compile"])


def pyinstaller() -> None:
    run([sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean", "--distpath", str(DIST),
         "--workpath", str(ROOT / "build"), str(ROOT / "packaging" / "hrdesk.spec")])


def copy_models(source: Path | None) -> None:
    target = BUNDLE / "models"
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "models" / "MANIFEST.toml", target / "MANIFEST.toml")
    if source is None:
        print("no --models given: the bundle has no models (the app says which are missing)")
        return
    for item in source.iterdir():
        dest = target / item.name
        if item.is_dir():
            shutil.copytree(item, dest, dirs_exist_ok=True)
        elif item.suffix != ".md":
            shutil.copy(item, dest)
    exe = BUNDLE / ("hrdesk.exe" if os.name == "nt" else "hrdesk")
    run([str(exe), "models", "verify", str(target)])


def smoke_test() -> None:
    exe = BUNDLE / ("hrdesk.exe" if os.name == "nt" else "hrdesk")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    with tempfile.TemporaryDirectory() as tmp:
        env["HRDESK_CONFIG_DIR"] = str(Path(tmp) / "config")
        env["HRDESK_LOG_DIR"] = str(Path(tmp) / "log")
        env.pop("HRDESK_MODELS_DIR", None)  # the bundle must find its own models folder
        run([str(exe), "selftest"], env=env)
        shots = Path(tmp) / "shots"
        run([str(exe), "--demo", "--data-dir", str(Path(tmp) / "demo"), "--screenshot", str(shots)], env=env)
        made = sorted(p.name for p in shots.glob("*.png"))
        print("screenshots:", ", ".join(made))
        if len(made) < 6:
            raise SystemExit("smoke test: expected six screenshots")


def wheelhouse(target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    run([sys.executable, "-m", "pip", "download", "--dest", str(target), f"{ROOT}[test,build]"])
    # sdists (e.g. jieba) become wheels so the kit installs with --no-index on a machine without a compiler
    for sdist in list(target.glob("*.tar.gz")) + list(target.glob("*.zip")):
        run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--wheel-dir", str(target), str(sdist)])
        sdist.unlink()
    print(f"offline kit in {target}: pip install --no-index --find-links {target} hrdesk")


def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--models", type=Path, help="models folder to copy beside the program")
    parser.add_argument("--skip-smoke", action="store_true")
    parser.add_argument("--wheelhouse", type=Path, metavar="DIR")
    args = parser.parse_args(argv)
    if args.wheelhouse:
        wheelhouse(args.wheelhouse)
        return 0
    started = time.monotonic()
    compile_translations()
    pyinstaller()
    copy_models(args.models)
    built = time.monotonic() - started
    if not args.skip_smoke:
        smoke_test()
    print(f"build time {built:.0f} s; bundle {folder_size(BUNDLE) / 1e6:.0f} MB at {BUNDLE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
