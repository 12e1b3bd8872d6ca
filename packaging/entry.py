"""Entry of the frozen program: ``hrdesk`` opens the window; ``hrdesk <command> ...`` is the CLI.

The same executable serves both, so hospital IT can run ``hrdesk selftest`` on a bundle.
"""

import sys

GUI_FLAGS = {"--demo", "--data-dir", "--screenshot", "--lang", "--exam", "--today"}


def main() -> int:
    args = sys.argv[1:]
    if args and not args[0].startswith("-") or args[:1] in (["--version"], ["-h"], ["--help"]):
        from app.cli import main as cli_main

        return cli_main(args)
    from ui.bootstrap import run

    return run(args)


if __name__ == "__main__":
    raise SystemExit(main())
