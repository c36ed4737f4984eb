Attribute VB_Name = "XltasksButtons"
' xltasks ribbon callbacks, route 1: Python on this PC (xlwings RunPython). One line each.
' The module name is fixed: RunPython never derives a module from the workbook's (Chinese) file name.
Option Explicit

' Before xltasks is imported, the workbook's folder (and a .zip of its name) that xlwings puts first on the
' Python path are taken off it: only the installed Python's own folders stay.
Private Const SAFE_PATH As String = "import sys, site; sys.path[:] = [p for p in sys.path if p and p.startswith((sys.prefix, sys.base_prefix, site.getusersitepackages()))]; "

' xlwings takes settings and Python code from the open workbook and its folder (an xlwings.conf sheet, a sheet named
' *.py, an xlwings.conf file, and the folder itself on the Python path). A return that came by mail could bring any
' of them: the buttons refuse such a workbook before xlwings reads it.
Private Function Trusted() As Boolean
    Dim sh As Object, found As String, name As Variant
    For Each sh In ActiveWorkbook.Sheets
        If LCase(sh.Name) = "xlwings.conf" Or LCase(Right(sh.Name, 3)) = ".py" Then found = "工作表“" & sh.Name & "”"
    Next
    If ActiveWorkbook.Path <> "" And found = "" Then
        For Each name In Array("xlwings.conf", "xltasks", "xltasks.py", "xlwings", "xlwings.py", "sitecustomize.py", _
                               Left(ActiveWorkbook.Name, IIf(InStrRev(ActiveWorkbook.Name, ".") > 0, InStrRev(ActiveWorkbook.Name, ".") - 1, Len(ActiveWorkbook.Name))) & ".zip")
            If Dir(ActiveWorkbook.Path & Application.PathSeparator & name, vbDirectory) <> "" Then found = "文件“" & name & "”"
        Next
    End If
    If found <> "" Then MsgBox "为安全起见，不运行：本工作簿或它所在的文件夹中有" & found & "，可能带有别人的代码或设置。" & _
        "请把下发的报送表或总台账单独放在一个文件夹中再试。", vbCritical, "任务报送"
    Trusted = (found = "")
End Function

Sub ValidateReturn(control As IRibbonControl)
    If Trusted() Then RunPython SAFE_PATH & "import xltasks.excel.buttons as b; b.xl_validate_return()"
End Sub

Sub ClearMarks(control As IRibbonControl)
    If Trusted() Then RunPython SAFE_PATH & "import xltasks.excel.buttons as b; b.xl_clear_marks()"
End Sub

Sub ExportReturn(control As IRibbonControl)
    If Trusted() Then RunPython SAFE_PATH & "import xltasks.excel.buttons as b; b.xl_export_return()"
End Sub

Sub SplitRound(control As IRibbonControl)
    If Trusted() Then RunPython SAFE_PATH & "import xltasks.excel.buttons as b; b.xl_split_round()"
End Sub

Sub ValidateFolder(control As IRibbonControl)
    If Trusted() Then RunPython SAFE_PATH & "import xltasks.excel.buttons as b; b.xl_validate_folder()"
End Sub

Sub MergeFolder(control As IRibbonControl)
    If Trusted() Then RunPython SAFE_PATH & "import xltasks.excel.buttons as b; b.xl_merge_folder()"
End Sub

Sub RefreshStats(control As IRibbonControl)
    If Trusted() Then RunPython SAFE_PATH & "import xltasks.excel.buttons as b; b.xl_refresh_stats()"
End Sub
