"""The `nianbao` command (reference draft-file.md, "The command line").

`nianbao` alone opens the application; the sub-commands work on draft files and the store. Every answer
is for a clerk: bad input gives exit status 2 and one line saying what is wrong, never a traceback.
Qt is imported only when the window is opened, so the sub-commands start fast and run without a display.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from forms import carryover, checks
from forms.draft import (
    Draft,
    DraftError,
    from_dict,
    new_draft,
    read_draft,
    template_for_year,
    to_dict,
    write_draft,
)
from forms.store import Store, StoreError
from forms.template import TemplateError, available_templates

EXIT_OK, EXIT_ERRORS, EXIT_UNUSABLE = 0, 1, 2
SEVERITY_NAMES = {"error": "错误", "warning": "警告", "info": "提示"}


class Refusal(Exception):
    """Input the command cannot use: printed as one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse's own messages, kept to one line plus usage
        self.print_usage(sys.stderr)
        print(f"nianbao：参数错误：{message}", file=sys.stderr)
        sys.exit(EXIT_UNUSABLE)


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="nianbao", description="年报 — 政府信息公开工作年度报告")
    sub = p.add_subparsers(dest="command", metavar="命令", parser_class=_Parser)

    c = sub.add_parser("check", help="检查草稿文件：勾稽关系、数字格式、空格、必填部分、文字校对")
    c.add_argument("file")
    c.add_argument("--json", action="store_true", help="以 JSON 列表输出")
    c.add_argument("--previous", metavar="LAST",
                   help="对照上年报告（草稿库编号、草稿文件或上年的 .docx/.xlsx）：核对上年结转、现行有效件数和与上年雷同的文字")

    n = sub.add_parser("new", help="新建草稿文件（空白，或从上年报告开始）")
    n.add_argument("--template", choices=available_templates(), help="报告格式（默认按年度选择）")
    n.add_argument("--body", required=True, help="机关全称")
    n.add_argument("--year", required=True, type=int, help="报告年度")
    n.add_argument("-o", "--output", required=True, help="输出文件（.nianbao.json）")
    n.add_argument("--from", dest="from_last", metavar="LAST",
                   help="从上年报告开始（草稿库编号、草稿文件或上年的 .docx/.xlsx）：填入上年结转，复制文字")
    n.add_argument("--force", action="store_true", help="覆盖已有文件；草稿库中已有同一机关同一年度的草稿时也新建")

    e = sub.add_parser("export", help="导出 Word 报告和/或 Excel 统计附表")
    e.add_argument("file")
    e.add_argument("--docx", metavar="OUT", help="Word 报告（.docx）")
    e.add_argument("--xlsx", metavar="OUT", help="Excel 统计附表（.xlsx）")
    e.add_argument("--draft", action="store_true", help="导出征求意见稿（每页标注“征求意见稿”；有错误时只能这样导出）")

    i = sub.add_parser("import", help="从 Word 报告、Excel 附表或旧版草稿文件生成草稿文件")
    i.add_argument("source")
    i.add_argument("-o", "--output", required=True, help="输出草稿文件（.nianbao.json）")
    i.add_argument("--force", action="store_true", help="覆盖已有文件")

    a = sub.add_parser("aggregate", help="汇总多个单位的报告（草稿文件、Excel 统计附表、Word 报告）")
    a.add_argument("files", nargs="+", metavar="FILE",
                   help="各单位的报告文件，或存放报告的文件夹（读取其中的 .nianbao.json、.xlsx、.docx）")
    a.add_argument("-o", "--output", required=True, help="汇总表（.xlsx）")
    a.add_argument("--draft-out", metavar="FILE", help="同时用汇总数生成本级报告的草稿文件（.nianbao.json）")
    a.add_argument("--body", default="", help="本级机关全称（写在汇总表封面和本级报告草稿中）")
    a.add_argument("--force", action="store_true", help="覆盖已有的草稿文件")

    sub.add_parser("drafts", help="列出本机保存的草稿")

    s = sub.add_parser("save", help="把草稿文件存入本机草稿库")
    s.add_argument("file")

    d = sub.add_parser("dump", help="把草稿库中的一份草稿写成文件")
    d.add_argument("id", type=int)
    d.add_argument("-o", "--output", required=True)
    d.add_argument("--force", action="store_true", help="覆盖已有文件")
    return p


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) == 1 and argv[0] not in COMMANDS and Path(argv[0]).is_file():
        return open_application(argv[0])  # `nianbao FILE`: a draft file double-clicked in the file manager
    args = build_parser().parse_args(argv)
    try:
        if args.command is None:
            return open_application()
        return COMMANDS[args.command](args)
    except (Refusal, DraftError, TemplateError, StoreError) as exc:
        print(f"nianbao：{exc}", file=sys.stderr)
        return EXIT_UNUSABLE
    except KeyboardInterrupt:
        return 130


# --- Commands ------------------------------------------------------------------------------------------------


def cmd_check(args) -> int:
    draft = read_draft(args.file)
    previous = load_last(args.previous) if args.previous else None
    problems = checks.check(draft, previous=previous)
    notice = previous_notice(draft, previous) if previous is not None else ""
    if args.json:
        if notice:
            print(notice, file=sys.stderr)
        print(json.dumps([p.to_json() for p in problems], ensure_ascii=False, indent=2))
    else:
        print(f"{draft.body} {draft.year} 年（{draft.tpl.name}）")
        if previous is not None:
            print(f"对照上年报告：{previous.body} {previous.year} 年（{previous.tpl.name}）")
        if notice:
            print(notice)
        for p in problems:
            print(f"{SEVERITY_NAMES[p.severity]} [{p.rule}] {p.message}")
        n_err = sum(p.severity == "error" for p in problems)
        n_warn = sum(p.severity == "warning" for p in problems)
        print(f"共 {n_err} 个错误，{n_warn} 个警告。" if problems else "没有发现问题。")
    return EXIT_ERRORS if any(p.severity == "error" for p in problems) else EXIT_OK


def cmd_new(args) -> int:
    template = args.template or template_for_year(args.year)
    if not args.body.strip():
        raise Refusal("机关全称不能为空")
    draft = new_draft(template, args.body.strip(), args.year)
    from_dict(to_dict(draft))  # the same validation every file gets (year range, ...)
    result = None
    if args.from_last:
        previous = load_last(args.from_last)
        if previous.year >= args.year:
            raise Refusal(f"上年报告是 {previous.year} 年度的，应早于本报告的年度 {args.year}")
        result = carryover.start_from(previous, body=draft.body, year=draft.year, template=template)
        draft = result.draft
    out = writable_output(args.output, args.force)
    existing = carryover.existing_draft(open_store(), draft.body, draft.year)
    if existing is not None and not args.force:
        raise Refusal(f"草稿库中已有{draft.body} {draft.year} 年的草稿（编号 {existing.id}）；"
                      "如确要另起一份，请加 --force")
    write_output(draft, out)
    print(f"已新建 {out}（{draft.tpl.name}）")
    if result is not None:
        print(f"从上年报告开始：{previous.body} {previous.year} 年（{previous.tpl.name}）")
        for note in result.notes:
            print(f"  {note}")
        notice = previous_notice(draft, previous)
        if notice:
            print(notice)
    return EXIT_OK


def cmd_drafts(args) -> int:
    store = open_store()
    infos = store.list()
    if not infos:
        print("草稿库是空的。")
    for info in infos:
        print(f"{info.id:>4}  {info.year}  {info.body}  {info.template}  {info.updated}  {state_text(info.state)}"
              + ("  示例" if info.is_sample else ""))
    return EXIT_OK


def cmd_save(args) -> int:
    draft = read_draft(args.file)
    store = open_store()
    info = store.create(to_dict(draft), state=checks.state_of(draft), summary=f"从文件 {Path(args.file).name} 存入")
    print(f"已存入草稿库，编号 {info.id}：{info.body} {info.year} 年")
    return EXIT_OK


def cmd_dump(args) -> int:
    store = open_store()
    _, data = store.load(args.id)
    draft = from_dict(data)
    out = writable_output(args.output, args.force)
    write_output(draft, out)
    print(f"已写出 {out}")
    return EXIT_OK


def cmd_export(args) -> int:
    from exporters.docx import write_docx
    from exporters.xlsx import write_xlsx

    draft = read_draft(args.file)
    if not args.docx and not args.xlsx:
        raise Refusal("请用 --docx 和/或 --xlsx 给出要导出的文件")
    outputs = [(writable_output(p, force=True), writer) for p, writer in
               ((args.docx, write_docx), (args.xlsx, write_xlsx)) if p]
    errors = [p for p in checks.check(draft) if p.severity == "error"]
    if errors and not args.draft:
        print(f"草稿还有 {len(errors)} 个错误，没有导出。改正后再导出，或用 --draft 导出征求意见稿：", file=sys.stderr)
        for p in errors:
            print(f"错误 [{p.rule}] {p.message}", file=sys.stderr)
        return EXIT_ERRORS
    for out, writer in outputs:
        try:
            if writer is write_docx:
                writer(draft, out, draft_mark=args.draft)
            else:
                writer(draft, out)
        except OSError as exc:
            raise Refusal(f"无法写入 {out}（{exc.strerror or exc}）") from None
        print(f"已导出 {out}" + ("（征求意见稿）" if args.draft else ""))
    return EXIT_OK


def cmd_import(args) -> int:
    from exporters.importing import read_source
    from exporters.safety import SourceError

    out = writable_output(args.output, args.force)
    try:
        result = read_source(Path(args.source))
    except SourceError as exc:
        raise Refusal(str(exc)) from None
    for line in result.unread:
        print(f"未能读取：{line}")
    for p in checks.check(result.draft):
        if p.severity == "error" and p.rule != "REQUIRED":
            print(f"原文不相符 [{p.rule}] {p.message}")
    write_output(result.draft, out)
    print(f"已导入 {out}：{result.draft.body} {result.draft.year} 年（{result.draft.tpl.name}）")
    return EXIT_OK


def cmd_aggregate(args) -> int:
    from exporters import aggregate as agg

    out = writable_output(args.output, force=True)
    draft_out = writable_output(args.draft_out, args.force) if args.draft_out else None
    body = args.body.strip()
    if draft_out and not body:
        raise Refusal("生成本级报告草稿需要机关全称：请用 --body 给出，如 --body 某某县人民政府")
    outputs = {p.resolve() for p in (out, draft_out) if p}
    paths = [p for p in agg.expand_inputs(args.files) if p.resolve() not in outputs]
    if not paths:
        raise Refusal("所给文件夹中没有报告文件（.nianbao.json、.xlsx、.docx）")
    progress = _progress_line if sys.stderr.isatty() else None
    try:
        result = agg.combine(agg.read_sources(paths, progress=progress))
    except agg.MixedInputsError as exc:
        print(f"nianbao：{exc}", file=sys.stderr)
        return EXIT_ERRORS
    except agg.NothingToSumError as exc:
        for u in exc.unreadable:
            print(f"无法读取：{u.reason}", file=sys.stderr)
        raise Refusal(f"没有可以汇总的报告（{len(exc.unreadable)} 个文件都无法读取），没有写出任何文件") from None
    except agg.AggregateError as exc:
        raise Refusal(str(exc)) from None
    finally:
        if progress:
            print(file=sys.stderr)
    try:
        agg.write_summary(result, out, body)
        if draft_out:
            write_draft(agg.summary_draft(result, body), draft_out)
    except OSError as exc:
        raise Refusal(f"无法写入 {exc.filename or out}（{exc.strerror or exc}）") from None
    tpl = result.tpl
    print(f"已汇总 {len(result.bodies)} 个单位的报告（{result.year} 年度，{tpl.short_name}），写出 {out}")
    if draft_out:
        print(f"已用汇总数生成本级报告草稿 {draft_out}")
    failing = result.failing
    if failing:
        print(f"其中 {len(failing)} 个单位的报告有错误，见汇总表的“{agg.PROBLEMS_SHEET}”表：" + "、".join(b.body for b in failing[:10])
              + (" 等" if len(failing) > 10 else ""))
    if result.unreadable:
        print(f"警告：{len(result.unreadable)} 个文件无法读取，未计入汇总（见汇总表的“{agg.UNREADABLE_SHEET}”表）：",
              file=sys.stderr)
        for u in result.unreadable:
            print(f"  {u.reason}", file=sys.stderr)
    return EXIT_OK


def _progress_line(done: int, total: int, name: str) -> None:
    print(f"\r正在读取 {done}/{total}：{name[:40]:<40}", end="", file=sys.stderr, flush=True)


COMMANDS = {"check": cmd_check, "new": cmd_new, "export": cmd_export, "import": cmd_import,
            "drafts": cmd_drafts, "save": cmd_save, "dump": cmd_dump, "aggregate": cmd_aggregate}


# --- Helpers -------------------------------------------------------------------------------------------------


def load_last(spec: str) -> Draft:
    """Last year's report, named as the clerk names it: a draft id in the store (an integer that is not a
    file name), a draft file, or last year's Word report / Excel annex (read by the importer)."""
    path = Path(spec)
    if spec.strip().isdigit() and not path.exists():
        _, data = open_store().load(int(spec))
        return from_dict(data, f"草稿库编号 {spec.strip()}")
    if path.suffix.lower() in (".docx", ".xlsx"):
        return read_office_report(path)
    return read_draft(path)


def read_office_report(path: Path) -> Draft:
    try:
        from exporters.importing import read_source
        from exporters.safety import SourceError
    except ImportError:
        raise Refusal("这一版本还不能读取 Word/Excel 报告，请改用草稿文件或草稿库编号") from None
    if not path.is_file():
        raise Refusal(f"{path.name}：文件不存在")
    try:
        return read_source(path).draft
    except SourceError as exc:
        raise Refusal(str(exc)) from None
    except ImportError:  # the readers of .docx / .xlsx are not installed in this version
        raise Refusal(f"这一版本还不能读取 {path.suffix.lower()} 文件，请改用草稿文件或草稿库编号") from None


def previous_notice(draft: Draft, previous: Draft) -> str:
    """A line when the report given as last year's is of another year or body than expected."""
    notes = []
    if previous.year != draft.year - 1:
        notes.append(f"所给上年报告是 {previous.year} 年度的，不是 {draft.year - 1} 年度")
    if previous.body != draft.body:
        notes.append(f"所给上年报告的机关是“{previous.body}”，不是“{draft.body}”")
    return f"注意：{'；'.join(notes)}。" if notes else ""


def state_text(state: dict | None) -> str:
    if not state:
        return ""
    if state.get("errors"):
        return f"{state['errors']} 个错误"
    if state.get("warnings"):
        return f"{state['warnings']} 个警告"
    return "可以导出"


def writable_output(path: str, force: bool) -> Path:
    """An output path the clerk can write, or a refusal that says why (before anything is written)."""
    out = Path(path)
    if out.is_dir():
        raise Refusal(f"{out} 是文件夹，请给出文件名")
    if not out.parent.is_dir():
        raise Refusal(f"文件夹 {out.parent} 不存在")
    if not os.access(out.parent, os.W_OK):
        raise Refusal(f"文件夹 {out.parent} 不可写")
    if out.exists() and not force:
        raise Refusal(f"{out} 已存在；如要覆盖请加 --force")
    return out


def write_output(draft: Draft, out: Path) -> None:
    try:
        write_draft(draft, out)
    except OSError as exc:
        raise Refusal(f"无法写入 {out}（{exc.strerror or exc}）") from None


def open_store() -> Store:
    store = Store()
    if store.recovered_from:
        print(f"注意：原草稿库文件已损坏或不是年报草稿库，已移到 {store.recovered_from} 保留，现已新建草稿库。",
              file=sys.stderr)
    from desktop_app.samples import seed_samples

    seed_samples(store)
    return store


def open_application(path: str | None = None) -> int:
    """The window (with `path` imported and opened). Qt is imported only here, so the sub-commands run
    without a display."""
    from desktop_app.app import main as app_main

    return app_main([sys.argv[0]], open_path=path)


if __name__ == "__main__":
    sys.exit(main())
