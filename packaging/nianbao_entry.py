"""Entry point of the frozen application (PyInstaller): the same `main` as the `nianbao` console script
(desktop_app.cli:main), so `dist/nianbao/nianbao check FILE --json` behaves exactly like `.venv/bin/nianbao`.

freeze_support() first: `nianbao aggregate` reads many files in worker processes (multiprocessing, spawn),
and a frozen program starts each worker as itself; freeze_support() (patched by PyInstaller's
multiprocessing run-time hook) turns such a start into the worker instead of a second `nianbao`."""

import multiprocessing
import sys

from desktop_app.cli import main

if __name__ == "__main__":
    multiprocessing.freeze_support()
    sys.exit(main())
