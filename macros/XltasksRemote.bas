Attribute VB_Name = "XltasksRemote"
' xltasks ribbon callbacks, route 2: the office's server (xltasks serve) through xlwings' RunServerPython. One line each.
' The server's address is XLTASKS_URL in xlwings.conf, else DEFAULT_URL, which `xltasks excel addin --remote URL` writes;
' the token is AUTH in xlwings.conf (a clerk's PC holds the clerk token, the coordinator's the coordinator token).
' xlwings is called by name (Application.Run "'xlwings.xlam'!RunServerPython"), not through a project reference:
' without the xlwings add-in a press is one message of ours, not a compile error that stops every button.
Option Explicit

Private Const DEFAULT_URL As String = ""
Private Const XLWINGS_ADDIN As String = "xlwings.xlam"
Private Const MSG_TITLE As String = "任务报送"
' The xlwings settings that decide where the workbook and the token go, and how: this user's alone.
Private Const OWN_KEYS As String = "XLTASKS_URL,AUTH,API_KEY,INCLUDE,EXCLUDE,TIMEOUT,PROXY_SERVER,PROXY_BYPASS_LIST,PROXY_USERNAME,PROXY_PASSWORD,ENABLE_AUTO_PROXY,INSECURE,FOLLOW_REDIRECTS"

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

' A coordinator's request carries 使用说明 and _xltasks only: VBA's payload overflows past 32,767 rows of a sheet, and
' the 任务清单 of a large master passes that. The server works on the saved file, so unsaved edits are caught here,
' before sending. Never saved for the user: a window opened before a merge would write its old content over it.
Private Function SavedFirst() As Boolean
    SavedFirst = ActiveWorkbook.Saved
    If Not SavedFirst Then MsgBox "总台账有未保存的修改：请先保存（Ctrl+S）再点；如果刚刚汇总过，请关闭本窗口（不保存）并重新打开总台账。", vbExclamation, MSG_TITLE
End Function

' One press: every check above in turn (VBA's And would run them all), then xlwings' RunServerPython. Application.Run
' takes no named arguments, so they go by position: url, auth, apiKey, include, exclude, headers, timeout. headers is
' an empty dictionary (xlwings reads its .Keys unless it is missing); an empty text or 0 is what xlwings takes for
' "not given" (the default, or the user's INCLUDE, TIMEOUT...). A coordinator's script waits up to 10 minutes (the
' client's default is 30 s; a merge of a large master takes longer).
Private Sub Server(script As String, include As String, exclude As String, Optional timeout As Long = 0)
    Dim url As String
    If Not XlwingsOpen() Then Exit Sub
    If Not Trusted() Then Exit Sub
    If Not OwnSettings(OWN_KEYS) Then Exit Sub
    url = Setting("XLTASKS_URL", DEFAULT_URL)
    If url = "" Then MsgBox "还没有设置 xltasks 服务器地址：请信息化人员在 xlwings.conf 中写入 XLTASKS_URL。", vbExclamation, MSG_TITLE: Exit Sub
    On Error GoTo Failed
    Application.Run "'" & XLWINGS_ADDIN & "'!RunServerPython", url & "/xlwings/custom-scripts-call/" & script, _
        Setting("AUTH"), "", include, exclude, CreateObject("Scripting.Dictionary"), timeout
    Exit Sub
Failed:
    MsgBox "无法调用 xlwings 加载项（" & Err.Description & "）：请信息化人员重新安装它（运行 xlwings addin install，或把 xlwings.xlam 复制到 XLSTART 文件夹）后再试。", vbCritical, MSG_TITLE
End Sub

Sub ValidateReturn(control As IRibbonControl)
    Server "validate_return", "", "填报说明"
End Sub

Sub ClearMarks(control As IRibbonControl)
    Server "clear_marks", "", "填报说明"
End Sub

Sub ExportReturn(control As IRibbonControl)
    Server "export_return", "", "填报说明"
End Sub

Sub SplitRound(control As IRibbonControl)
    If SavedFirst() Then Server "split_round", "使用说明,_xltasks", "", 600000
End Sub

Sub ValidateFolder(control As IRibbonControl)
    If SavedFirst() Then Server "validate_folder", "使用说明,_xltasks", "", 600000
End Sub

Sub MergeFolder(control As IRibbonControl)
    If SavedFirst() Then Server "merge_folder", "使用说明,_xltasks", "", 600000
End Sub

Sub RefreshStats(control As IRibbonControl)
    If SavedFirst() Then Server "refresh_stats", "使用说明,_xltasks", "", 600000
End Sub
