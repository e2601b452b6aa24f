"""Every error and warning of the report in one list: errors first, then warnings, then the warnings the
clerk has checked and acknowledged (greyed, with their reason). Activating a line emits `problem_activated`
so the editor can jump to its cell or part. A warning can be acknowledged with a reason ("确认无误…"), which
the session keeps in the draft; an error cannot: it has to be corrected.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import QAction, QBrush, QColor, QFontMetrics
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPushButton,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from desktop_app.prompts import Prompts
from desktop_app.session import DraftSession, problem_key
from forms.checks import Problem

SEVERITY_NAMES = {"error": "错误", "warning": "警告", "info": "提示"}
SEVERITY_COLOURS = {"error": "#b71c1c", "warning": "#8a5a00", "info": "#455a64"}
ACKNOWLEDGED_COLOUR = "#8a8a8a"
ProblemRole = Qt.ItemDataRole.UserRole + 1  # the Problem of an item
AcknowledgedRole = Qt.ItemDataRole.UserRole + 2  # True for an acknowledged warning


class WrapDelegate(QStyledItemDelegate):
    """Rows as tall as their wrapped text at the list's current width (QListView alone would elide)."""

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        view = self.parent()
        width = view.viewport().width() if isinstance(view, QAbstractItemView) else 400
        icon = opt.decorationSize.width() + 12 if not opt.icon.isNull() else 0
        text_width = max(width - icon - 14, 60)
        rect = QFontMetrics(opt.font).boundingRect(QRect(0, 0, text_width, 100_000),
                                                   int(Qt.TextFlag.TextWordWrap), opt.text)
        return QSize(width, max(rect.height(), opt.decorationSize.height()) + 8)


class ProblemsPanel(QWidget):
    problem_activated = Signal(object)  # Problem

    def __init__(self, session: DraftSession, prompts: Prompts | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.prompts = prompts or Prompts(self)

        self.summary = QLabel()
        font = self.summary.font()
        font.setBold(True)
        self.summary.setFont(font)
        self.acknowledge_button = QPushButton("确认无误…")
        self.acknowledge_button.setToolTip("这条警告核对过、确实不用改时，写明理由后确认；错误不能确认，只能改正")
        self.acknowledge_button.clicked.connect(self.acknowledge_current)
        self.fix_button = QPushButton("一键修正")
        self.fix_button.setToolTip("按提示自动改正这一部分的文字（可撤销）")
        self.fix_button.clicked.connect(self.fix_current)
        self.unacknowledge_button = QPushButton("取消确认")
        self.unacknowledge_button.setToolTip("让这条已确认的警告重新算作未处理")
        self.unacknowledge_button.clicked.connect(self.unacknowledge_current)

        self.list = QListWidget()
        self.list.setAccessibleName("错误和警告")
        self.list.setItemDelegate(WrapDelegate(self.list))
        self.list.setWordWrap(True)
        self.list.setUniformItemSizes(False)
        self.list.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list.customContextMenuRequested.connect(self._context_menu)
        self.list.itemClicked.connect(self._on_item)
        self.list.itemActivated.connect(self._on_item)
        self.list.currentItemChanged.connect(lambda *_: self._update_buttons())

        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.summary, 1)
        top.addWidget(self.fix_button)
        top.addWidget(self.acknowledge_button)
        top.addWidget(self.unacknowledge_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)
        layout.addLayout(top)
        layout.addWidget(self.list, 1)

        style = self.style()
        self._icons = {
            "error": style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxCritical),
            "warning": style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning),
            "info": style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxInformation),
        }
        session.problems_changed.connect(self.refresh)
        self.refresh()

    # --- reading ---------------------------------------------------------------------------------------------

    def problems(self) -> list[Problem]:
        """The problems in the order shown."""
        return [self.list.item(i).data(ProblemRole) for i in range(self.list.count())]

    def item_for(self, problem: Problem) -> QListWidgetItem | None:
        key = problem_key(problem)
        for i in range(self.list.count()):
            if problem_key(self.list.item(i).data(ProblemRole)) == key:
                return self.list.item(i)
        return None

    def current_problem(self) -> Problem | None:
        item = self.list.currentItem()
        return item.data(ProblemRole) if item else None

    def can_acknowledge(self, problem: Problem | None) -> bool:
        return problem is not None and problem.severity != "error" and not self.session.is_acknowledged(problem)

    # --- actions ---------------------------------------------------------------------------------------------

    def select(self, problem: Problem) -> bool:
        item = self.item_for(problem)
        if item is None:
            return False
        self.list.setCurrentItem(item)
        return True

    def acknowledge_current(self) -> bool:
        """Ask for a reason and acknowledge the selected warning; False if there is none or no reason."""
        problem = self.current_problem()
        if not self.can_acknowledge(problem):
            return False
        reason = self.prompts.text(
            "确认无误", f"{problem.message}\n\n这条警告核对过、确实不用改？请写明理由（会保存在草稿里）：")
        if reason is None:
            return False
        if not reason.strip():
            self.prompts.warn("确认无误", "请写明理由；没有理由不能确认。")
            return False
        self.session.acknowledge(problem, reason)
        return True

    def unacknowledge_current(self) -> bool:
        problem = self.current_problem()
        if problem is None or not self.session.is_acknowledged(problem):
            return False
        self.session.unacknowledge(problem)
        return True

    # --- drawing ---------------------------------------------------------------------------------------------

    def refresh(self) -> None:
        current = self.current_problem()
        keep = problem_key(current) if current else None
        order = {"error": 0, "warning": 1, "info": 2}
        shown = [p for p in self.session.problems if p.severity in order]
        shown.sort(key=lambda p: (self.session.is_acknowledged(p), order[p.severity]))  # stable: template order
        errors = sum(p.severity == "error" for p in shown)
        acknowledged = sum(self.session.is_acknowledged(p) for p in shown)
        warnings = sum(p.severity == "warning" for p in shown) - acknowledged

        self.list.clear()
        for p in shown:
            reason = self.session.acknowledgement(p) if p.severity != "error" else None
            name = SEVERITY_NAMES[p.severity]
            if p.section and p.rule != "REQUIRED":  # "本部分…" needs its part named in a report-wide list
                part = self.session.tpl.part(p.section)
                name += f"［{part.heading or '开头段落'}］"
            if reason:
                text = f"{name}（已确认无误：{reason}）：{p.message}"
            else:
                text = f"{name}：{p.message}"
            item = QListWidgetItem(self._icons[p.severity], text)
            item.setData(ProblemRole, p)
            item.setData(AcknowledgedRole, bool(reason))
            item.setToolTip(text)
            item.setForeground(QBrush(QColor(ACKNOWLEDGED_COLOUR if reason else SEVERITY_COLOURS[p.severity])))
            if reason:
                f = item.font()
                f.setItalic(True)
                item.setFont(f)
            self.list.addItem(item)
            if keep and problem_key(p) == keep:
                self.list.setCurrentItem(item)

        if not shown:
            self.summary.setText("✓ 没有错误和警告")
            self.summary.setStyleSheet("color: #2e7d32;")
        else:
            text = f"{errors} 个错误，{warnings} 个警告"
            if acknowledged:
                text += f"（另有 {acknowledged} 个警告已确认无误）"
            self.summary.setText(text)
            self.summary.setStyleSheet("color: #b71c1c;" if errors else "color: #8a5a00;" if warnings else "")
        self._update_buttons()

    def _update_buttons(self) -> None:
        problem = self.current_problem()
        self.acknowledge_button.setEnabled(self.can_acknowledge(problem))
        if problem is not None and problem.severity == "error":
            self.acknowledge_button.setToolTip("错误不能确认，只能改正")
        else:
            self.acknowledge_button.setToolTip("这条警告核对过、确实不用改时，写明理由后确认")
        acknowledged = problem is not None and self.session.is_acknowledged(problem)
        self.unacknowledge_button.setVisible(acknowledged)
        self.fix_button.setVisible(problem is not None and bool(problem.fix))

    def fix_current(self) -> bool:
        """Apply the current problem's one-click fix (繁体 → 简体, 半角 → 全角) to its part, as one undo step."""
        problem = self.current_problem()
        if problem is None or not problem.fix:
            return False
        return self.session.apply_fix(problem)

    def _on_item(self, item: QListWidgetItem) -> None:
        self.problem_activated.emit(item.data(ProblemRole))

    def context_actions(self, problem: Problem) -> list[QAction]:
        go = QAction("转到", self)
        go.triggered.connect(lambda: self.problem_activated.emit(problem))
        ack = QAction("确认无误…", self)
        ack.setEnabled(self.can_acknowledge(problem))
        ack.triggered.connect(self.acknowledge_current)
        actions = [go, ack]
        if problem.fix:
            fix = QAction("一键修正", self)
            fix.triggered.connect(self.fix_current)
            actions.append(fix)
        if self.session.is_acknowledged(problem):
            undo = QAction("取消确认", self)
            undo.triggered.connect(self.unacknowledge_current)
            actions.append(undo)
        return actions

    def _context_menu(self, pos: QPoint) -> None:
        item = self.list.itemAt(pos)
        if item is None:
            return
        self.list.setCurrentItem(item)
        menu = QMenu(self)
        for action in self.context_actions(item.data(ProblemRole)):
            menu.addAction(action)
        menu.exec(self.list.viewport().mapToGlobal(pos))
