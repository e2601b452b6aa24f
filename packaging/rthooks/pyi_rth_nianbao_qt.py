"""Run-time hook replacing PyInstaller's pyi_rth_pyside6 (see nianbao.spec): point Qt at the bundled plugins
without importing PySide6.QtCore at start-up. The stock hook imports QtCore in every process to register a
qt.conf, which costs ~0.1 s for each command-line call that never touches Qt; the PySide6 wheels register
their own qt.conf when QtCore is first imported, so only the plugin path is set here."""

import os
import sys

_qt = os.path.join(sys._MEIPASS, "PySide6") if sys.platform.startswith("win") else os.path.join(
    sys._MEIPASS, "PySide6", "Qt")
os.environ["QT_PLUGIN_PATH"] = os.path.join(_qt, "plugins")
if sys.platform.startswith("win"):  # as the stock hook does: DLLs collected beside the executable are found
    os.environ["PATH"] = sys._MEIPASS + os.pathsep + os.environ.get("PATH", "")
del _qt
