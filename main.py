"""Start the HR Desk desktop application (python main.py [--demo] [--data-dir DIR] ...)."""

from ui.bootstrap import run

if __name__ == "__main__":
    raise SystemExit(run())
