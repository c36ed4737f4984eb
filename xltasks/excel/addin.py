"""xltasks.xlam: the ribbon (macros/customUI14.xml) and one VBA module from macros/, built without Excel.

Why built from our .bas text, not patched into a template: the ribbon's onAction names must be subs of the
add-in's own VBA project, and the only add-ins shipped with xlwings (xlwings.xlam, quickstart_addin_ribbon.xlam)
carry their own projects, which cannot gain our subs without rewriting vbaProject.bin anyway. The PyPI package
ms-ovba (0.0.1) that claims to write one garbles our module (olevba reads "IRibbonCeltask" back from its output for
the third sub on), its author reports its files cannot yet be enabled in Excel, and it writes scratch files into
the working and source folders; so vba_project.py writes the project from the MS-OVBA specification, in the shape
of xlwings' own add-in (source only, no p-code), and cfb.py its OLE container.

The add-in holds one module: XltasksButtons (RunPython, Python on this PC) or, built with --remote URL,
XltasksRemote (RunServerPython to `xltasks serve`). Both define the same subs, the ribbon's callbacks, so one
project cannot hold both. RunPython, RunServerPython and GetConfig are the xlwings add-in's, called by name
(Application.Run "'xlwings.xlam'!RunPython"): the project references no other project, so a missing xlwings add-in
is a message of ours, never a MISSING reference that stops every button from compiling. With --clerk the add-in
holds only the 填报 group and its subs: a clerk's PC then has no coordinator button to hold a coordinator token for.
"""

from __future__ import annotations

import re
import zipfile
from importlib import resources
from pathlib import Path

from xltasks.core.oserrors import describe_os_error
from xltasks.excel.vba_project import Reference, vba_project
from xltasks.files.xlsx.safe_write import WriteRefused, write_atomically

RIBBON = "customUI14.xml"
LOCAL_MODULE, REMOTE_MODULE = "XltasksButtons", "XltasksRemote"
URL_LINE = 'Private Const DEFAULT_URL As String = ""'  # in XltasksRemote.bas; --remote writes the address here
PROJECT_NAME, PROJECT_ID = "xltasks", "{3F6C2B1E-9A4D-4E8B-B7C5-2D1A0E6F9C43}"  # fixed: the same sources, the same file
REFERENCES = [  # no xlwings project: it is called by name, see the module's docstring
    Reference("stdole", r"*\G{00020430-0000-0000-C000-000000000046}#2.0#0#C:\Windows\System32\stdole2.tlb"
                        "#OLE Automation"),
    Reference("Office", r"*\G{2DF8D04C-5BFA-101B-BDE5-00AA0044DE52}#2.0#0#C:\Program Files\Common Files"
                        r"\Microsoft Shared\OFFICE16\MSO.DLL#Microsoft Office 16.0 Object Library"),  # IRibbonControl
]
UI_RELATIONSHIP = "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"
# scheme://host[:port][/path] in plain ASCII: the buttons append "/xlwings/custom-scripts-call/NAME" to it, so a
# query or fragment would swallow the button's name, and the VBA line must stay within VBA's 1,023 characters.
URL = re.compile(r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[A-Za-z0-9._~%/-]*)?", re.I)
MAX_URL = 200


class AddinError(Exception):
    """The add-in could not be written (not .xlam, a bad server address, a folder missing or not writable)."""


def macro_text(name: str) -> str:
    """A file of macros/ as text: the .bas files are GBK, as the VBA editor of a Chinese Windows imports them."""
    return resources.files("xltasks.macros").joinpath(name).read_bytes().decode("gbk")


def clerk_only(ribbon: str, source: str) -> tuple[str, str]:
    """The ribbon without its 汇总 group, and the module without that group's subs (a clerk add-in)."""
    group = re.search(r'\n *<group id="grpMerge".*?</group>', ribbon, re.S)
    if group is None:
        raise RuntimeError(f"macros/{RIBBON} must hold the group grpMerge")
    for action in re.findall(r'onAction="(\w+)"', group[0]):
        sub = re.compile(rf"^Sub {action}\(control As IRibbonControl\)\r\n.*?^End Sub\r\n(\r\n)?", re.M | re.S)
        source, found = sub.subn("", source)
        if found != 1:
            raise RuntimeError(f"the module must hold the sub {action} once")
    return ribbon.replace(group[0], ""), source


def module_source(remote: str | None) -> tuple[str, str]:
    """The module the add-in carries: its name and text, with the server's address written in for --remote."""
    if remote is None:
        return LOCAL_MODULE, macro_text(f"{LOCAL_MODULE}.bas")
    url = remote.strip().rstrip("/")
    if len(url) > MAX_URL or not URL.fullmatch(url) or "custom-scripts-call" in url:
        raise AddinError(f"服务器地址“{remote}”无效：请写成 http://服务器:8000 的形式（xltasks serve 的地址，不含按钮名）。")
    text = macro_text(f"{REMOTE_MODULE}.bas")
    if text.count(URL_LINE) != 1:
        raise RuntimeError(f"macros/{REMOTE_MODULE}.bas must hold the line {URL_LINE!r} once")
    return REMOTE_MODULE, text.replace(URL_LINE, URL_LINE.replace('""', f'"{url}"'))


def build_addin(output: Path, remote: str | None = None, clerk: bool = False) -> Path:
    """Write the add-in to `output` (replaced if it exists, through a temporary file beside it); with `clerk`,
    the 填报 group alone."""
    if output.suffix.lower() != ".xlam":
        raise AddinError(f"加载项必须保存为 .xlam 文件，当前为“{output.name}”。")
    if not output.parent.is_dir():
        raise AddinError(f"“{output.parent}”不是已有的文件夹，请先建好文件夹或换一个位置。")
    module, source = module_source(remote)
    ribbon = resources.files("xltasks.macros").joinpath(RIBBON).read_bytes()
    if clerk:
        text, source = clerk_only(ribbon.decode("utf-8"), source)
        ribbon = text.encode("utf-8")
    project = vba_project(PROJECT_NAME, PROJECT_ID, {module: source}, REFERENCES)
    route = (f"方式二：服务器 {remote}" if remote else "方式一：本机 Python") + ("，仅填报" if clerk else "")
    parts = _package(project, ribbon, route)

    def save(temp: Path) -> None:
        with zipfile.ZipFile(temp, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, data in parts.items():  # fixed dates: the same sources give the same file
                zf.writestr(zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0)), data, zipfile.ZIP_DEFLATED)

    try:  # as every file we write: atomically, the user's umask, refused while Excel holds it open
        write_atomically(output, save, replace=True)
    except WriteRefused as exc:
        raise AddinError(str(exc)) from exc
    except OSError as exc:
        raise AddinError(f"加载项未生成：{describe_os_error(exc, output.parent)}"
                         "如果 Excel 正打开着这个加载项，请先退出 Excel。") from exc
    return output


def _package(project: bytes, ribbon: bytes, route: str) -> dict[str, bytes]:
    """The parts of a macro-enabled add-in package: one hidden sheet, the VBA project, the ribbon, a title."""
    ns = 'xmlns="http://schemas.openxmlformats.org/package/2006/relationships"'
    office = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    sheet_ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    xml = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    types = {"/xl/workbook.xml": "application/vnd.ms-excel.addin.macroEnabled.main+xml",
             "/xl/worksheets/sheet1.xml": "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml",
             "/xl/styles.xml": "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml",
             "/xl/vbaProject.bin": "application/vnd.ms-office.vbaProject",
             "/docProps/core.xml": "application/vnd.openxmlformats-package.core-properties+xml"}
    parts = {
        "[Content_Types].xml": xml + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'  # customUI14.xml is plain XML, as Office writes it
        + "".join(f'<Override PartName="{p}" ContentType="{t}"/>' for p, t in types.items()) + "</Types>",
        "_rels/.rels": xml + f"<Relationships {ns}>"
        f'<Relationship Id="rId1" Type="{office}/officeDocument" Target="xl/workbook.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/'
        'core-properties" Target="docProps/core.xml"/>'
        f'<Relationship Id="rIdXltasksRibbon" Type="{UI_RELATIONSHIP}" Target="customUI/{RIBBON}"/></Relationships>',
        "docProps/core.xml": xml + '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/'
        'metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>任务报送（xltasks）</dc:title>'
        f"<dc:description>「任务报送」选项卡：校验本表、导出报送文件、生成下发表、汇总报送等按钮（{route}）。</dc:description>"
        "</cp:coreProperties>",
        "xl/workbook.xml": xml + f'<workbook xmlns="{sheet_ns}" xmlns:r="{office}">'
        '<workbookPr codeName="ThisWorkbook"/>'
        '<bookViews><workbookView visibility="hidden"/></bookViews>'
        '<sheets><sheet name="xltasks" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": xml + f"<Relationships {ns}>"
        f'<Relationship Id="rId1" Type="{office}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{office}/styles" Target="styles.xml"/>'
        '<Relationship Id="rId3" Type="http://schemas.microsoft.com/office/2006/relationships/vbaProject" '
        'Target="vbaProject.bin"/></Relationships>',
        "xl/worksheets/sheet1.xml": xml + f'<worksheet xmlns="{sheet_ns}"><sheetPr codeName="Sheet1"/>'
        '<dimension ref="A1"/><sheetData/></worksheet>',
        "xl/styles.xml": xml + f'<styleSheet xmlns="{sheet_ns}"><fonts count="1"><font><sz val="11"/>'
        '<name val="等线"/><charset val="134"/></font></fonts>'
        '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/>'
        '</fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
        '<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>',
    }
    encoded = {name: text.encode("utf-8") for name, text in parts.items()}
    return encoded | {"xl/vbaProject.bin": project, f"customUI/{RIBBON}": ribbon}
