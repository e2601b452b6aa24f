"""The application's dialogs (export, history, settings, new report). Each one shows and asks; what it does
to the draft store or the files goes through forms/ and exporters/.

Shared here: the words for why a file could not be written, and the report's file name.
"""

from __future__ import annotations

import errno

from forms.draft import Draft

_REASONS = {
    errno.ENOSPC: "磁盘空间不足",
    errno.EDQUOT: "磁盘空间配额已用完",
    errno.EACCES: "没有写入权限（文件夹是只读的，或同名文件正被 Word、WPS、Excel 等程序打开）",
    errno.EPERM: "没有写入权限",
    errno.EROFS: "磁盘是只读的",
    errno.ENOENT: "文件夹不存在",
    errno.ENOTDIR: "路径中有一项不是文件夹",
    errno.EISDIR: "已有同名的文件夹",
    errno.ENAMETOOLONG: "文件名或路径太长",
    errno.EINVAL: "文件名中有不允许的字符",
    errno.EBUSY: "文件正被其他程序占用",
}


def file_error_reason(exc: OSError) -> str:
    """Why a file could not be written, in words a clerk can act on."""
    if exc.errno in _REASONS:
        return _REASONS[exc.errno]
    return exc.strerror or str(exc) or type(exc).__name__


def report_file_stem(draft: Draft) -> str:
    """<机关全称><年度>年政府信息公开工作年度报告: the name offices file the report under."""
    return f"{draft.body}{draft.year}年{draft.tpl.title_suffix}"
