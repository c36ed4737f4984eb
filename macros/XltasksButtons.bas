Attribute VB_Name = "XltasksButtons"
' xltasks ribbon callbacks, route 1: Python on this PC (xlwings RunPython). One line each.
' The module name is fixed: RunPython never derives a module from the workbook's (Chinese) file name.
' xlwings is called by name (Application.Run "'xlwings.xlam'!RunPython"), not through a project reference: without
' the xlwings add-in a press is one message of ours, not a compile error that stops every button.
Option Explicit

Private Const XLWINGS_ADDIN As String = "xlwings.xlam"
Private Const MSG_TITLE As String = "任务报送"
' Before xltasks is imported, the workbook's folder (and a .zip of its name) that xlwings puts first on the
' Python path are taken off it: only the installed Python's own folders stay.
Private Const SAFE_PATH As String = "import sys, site; sys.path[:] = [p for p in sys.path if p and p.startswith((sys.prefix, sys.base_prefix, site.getusersitepackages()))]; "
' The xlwings settings that decide which Python runs, from where, and what it imports: this user's alone.
Private Const OWN_KEYS As String = "INTERPRETER_WIN,INTERPRETER,CONDA PATH,CONDA ENV,PYTHONPATH,ADD_WORKBOOK_TO_PYTHONPATH,USE UDF SERVER,SHOW CONSOLE,TEMP DIR,LICENSE_KEY,ONEDRIVE_CONSUMER_WIN,ONEDRIVE_COMMERCIAL_WIN,SHAREPOINT_WIN"

' xlwings takes settings and Python code from the open workbook and its folder (an xlwings.conf sheet, a sheet named
' *.py, an xlwings.conf file, and the folder itself on the Python path). A return that came by mail could bring any
' of them: the buttons refuse such a workbook before xlwings reads it. Files are looked for with GetAttr, which sees
' hidden and system files (an archive restores those attributes) as xlwings' own FileExists does; Dir without
' vbHidden + vbSystem would miss them. A workbook opened from a web location is refused: xlwings maps it to a synced
' local folder whose xlwings.conf this check could not see.
Private Function Trusted() As Boolean
    Dim sh As Object, found As String, entry As Variant
    For Each sh In ActiveWorkbook.Sheets
        If LCase(sh.Name) = "xlwings.conf" Or LCase(Right(sh.Name, 3)) = ".py" Then found = "工作表“" & sh.Name & "”"
    Next
    If found = "" And InStr(ActiveWorkbook.FullName, "://") > 0 Then
        MsgBox "为安全起见，不运行：本工作簿是从网络位置（OneDrive、SharePoint 等）打开的，请先另存到本机的文件夹中再试。", vbCritical, MSG_TITLE
        Exit Function
    End If
    If ActiveWorkbook.Path <> "" And found = "" Then
        For Each entry In Array("xlwings.conf", "xltasks", "xltasks.py", "xlwings", "xlwings.py", "sitecustomize.py", _
                               Left(ActiveWorkbook.Name, IIf(InStrRev(ActiveWorkbook.Name, ".") > 0, InStrRev(ActiveWorkbook.Name, ".") - 1, Len(ActiveWorkbook.Name))) & ".zip")
            If Present(ActiveWorkbook.Path & Application.PathSeparator & entry) Then found = "文件“" & entry & "”"
        Next
    End If
    If found <> "" Then MsgBox "为安全起见，不运行：本工作簿或它所在的文件夹中有" & found & "，可能带有别人的代码或设置。" & _
        "请把下发的报送表或总台账单独放在一个文件夹中再试。", vbCritical, MSG_TITLE
    Trusted = (found = "")
End Function

' Whether a file or folder of this name exists, hidden and system ones included.
Private Function Present(path As String) As Boolean
    Dim attributes As Long
    On Error Resume Next
    attributes = GetAttr(path)
    Present = (Err.Number = 0)
End Function

' The xlwings add-in is open (XLSTART loads it with Excel); else one message saying how to install it.
Private Function XlwingsOpen() As Boolean
    Dim book As Object
    On Error Resume Next
    Set book = Application.Workbooks(XLWINGS_ADDIN)
    On Error GoTo 0
    XlwingsOpen = Not book Is Nothing
    If Not XlwingsOpen Then MsgBox "没有找到 xlwings 加载项：请信息化人员安装它（运行 xlwings addin install，或把 xlwings.xlam 复制到 XLSTART 文件夹），重新启动 Excel 后再试。", vbCritical, MSG_TITLE
End Function

' An xlwings setting as xlwings reads it (the workbook's sheet, its folder, this user's file), or from one source.
Private Function Setting(key As String, Optional default As String = "", Optional source As String = "") As String
    Setting = Application.Run("'" & XLWINGS_ADDIN & "'!GetConfig", key, default, source)
End Function

' Each of `keys` is what this user's own xlwings.conf says (%USERPROFILE%\.xlwings): a value that differs came from
' the workbook or its folder, however it got past Trusted().
Private Function OwnSettings(keys As String) As Boolean
    Dim key As Variant
    For Each key In Split(keys, ",")
        If Setting(CStr(key)) <> Setting(CStr(key), "", "user") Then
            MsgBox "为安全起见，不运行：xlwings 的设置“" & key & "”来自本工作簿或它所在的文件夹，不是本机的设置。请把报送表或总台账单独放在一个文件夹中再试。", vbCritical, MSG_TITLE
            Exit Function
        End If
    Next
    OwnSettings = True
End Function

' xlwings writes the workbook's path into a cmd line and escapes only "&" in it: a "^" (an escape), "%" (a variable)
' or "!" (a delayed variable) would still be read by cmd, so such a path is refused.
Private Function PlainPath() As Boolean
    Dim sign As Variant
    For Each sign In Array("^", "%", "!")
        If InStr(ActiveWorkbook.FullName, sign) > 0 Then
            MsgBox "为安全起见，不运行：工作簿的路径“" & ActiveWorkbook.FullName & "”中有“" & sign & "”，命令行会把它当作命令的一部分，请把文件或文件夹改名（去掉 ^ % ! 符号）后再打开。", vbCritical, MSG_TITLE
            Exit Function
        End If
    Next
    PlainPath = True
End Function

' cmd starts in Excel's current folder, the workbook's when it was opened by double-click: with a bare `python`
' (Conda installs) cmd looks for python.bat there first, and Python puts that folder first on sys.path before
' SAFE_PATH runs. So the current folder becomes the add-in's own (XLSTART), else Excel's program folder.
Private Function SafeFolder() As Boolean
    Dim folder As Variant
    On Error Resume Next
    For Each folder In Array(ThisWorkbook.Path, Application.Path)
        If folder Like "[A-Za-z]:\*" Then
            Err.Clear
            ChDrive Left(folder, 1)
            ChDir folder
            If Err.Number = 0 And StrComp(CurDir, folder, vbTextCompare) = 0 Then SafeFolder = True: Exit Function
        End If
    Next
    On Error GoTo 0
    MsgBox "为安全起见，不运行：无法切换到加载项所在的文件夹（" & ThisWorkbook.Path & "），请信息化人员把加载项放在本机磁盘的 XLSTART 文件夹中。", vbCritical, MSG_TITLE
End Function

' One press: every check above in turn (VBA's And would run them all), then xlwings' RunPython.
Private Sub Python(code As String)
    If Not XlwingsOpen() Then Exit Sub
    If Not Trusted() Then Exit Sub
    If Not OwnSettings(OWN_KEYS) Then Exit Sub
    If Not PlainPath() Then Exit Sub
    If Not SafeFolder() Then Exit Sub
    On Error GoTo Failed
    Application.Run "'" & XLWINGS_ADDIN & "'!RunPython", SAFE_PATH & code
    Exit Sub
Failed:
    MsgBox "无法调用 xlwings 加载项（" & Err.Description & "）：请信息化人员重新安装它（运行 xlwings addin install，或把 xlwings.xlam 复制到 XLSTART 文件夹）后再试。", vbCritical, MSG_TITLE
End Sub

Sub ValidateReturn(control As IRibbonControl)
    Python "import xltasks.excel.buttons as b; b.xl_validate_return()"
End Sub

Sub ClearMarks(control As IRibbonControl)
    Python "import xltasks.excel.buttons as b; b.xl_clear_marks()"
End Sub

Sub ExportReturn(control As IRibbonControl)
    Python "import xltasks.excel.buttons as b; b.xl_export_return()"
End Sub

Sub SplitRound(control As IRibbonControl)
    Python "import xltasks.excel.buttons as b; b.xl_split_round()"
End Sub

Sub ValidateFolder(control As IRibbonControl)
    Python "import xltasks.excel.buttons as b; b.xl_validate_folder()"
End Sub

Sub MergeFolder(control As IRibbonControl)
    Python "import xltasks.excel.buttons as b; b.xl_merge_folder()"
End Sub

Sub RefreshStats(control As IRibbonControl)
    Python "import xltasks.excel.buttons as b; b.xl_refresh_stats()"
End Sub
