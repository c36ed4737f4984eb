Attribute VB_Name = "XltasksRemote"
' xltasks ribbon callbacks, route 2: the office's server (xltasks serve) through xlwings' RunServerPython. One line each.
' The server's address is XLTASKS_URL in xlwings.conf, else DEFAULT_URL, which `xltasks excel addin --remote URL` writes;
' the token is AUTH in xlwings.conf. Coordinator buttons send only the sheets they need (VBA's payload overflows past
' 32,767 rows) and wait up to 10 minutes (the client's default is 30 s; a merge of a large master takes longer).
Option Explicit

Private Const DEFAULT_URL As String = ""

Private Function ServerUrl() As String
    ServerUrl = GetConfig("XLTASKS_URL", DEFAULT_URL)
    If ServerUrl = "" Then MsgBox "还没有设置 xltasks 服务器地址：请信息化人员在 xlwings.conf 中写入 XLTASKS_URL。", vbExclamation, "任务报送": End
End Function

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
    If Trusted() Then RunServerPython ServerUrl() & "/xlwings/custom-scripts-call/validate_return", auth:=GetConfig("AUTH"), exclude:="填报说明"
End Sub

Sub ClearMarks(control As IRibbonControl)
    If Trusted() Then RunServerPython ServerUrl() & "/xlwings/custom-scripts-call/clear_marks", auth:=GetConfig("AUTH"), exclude:="填报说明"
End Sub

Sub ExportReturn(control As IRibbonControl)
    If Trusted() Then RunServerPython ServerUrl() & "/xlwings/custom-scripts-call/export_return", auth:=GetConfig("AUTH"), exclude:="填报说明"
End Sub

Sub SplitRound(control As IRibbonControl)
    If Trusted() Then RunServerPython ServerUrl() & "/xlwings/custom-scripts-call/split_round", auth:=GetConfig("AUTH"), include:="任务清单,使用说明,_xltasks", timeout:=600000
End Sub

Sub ValidateFolder(control As IRibbonControl)
    If Trusted() Then RunServerPython ServerUrl() & "/xlwings/custom-scripts-call/validate_folder", auth:=GetConfig("AUTH"), include:="任务清单,使用说明,_xltasks", timeout:=600000
End Sub

Sub MergeFolder(control As IRibbonControl)
    If Trusted() Then RunServerPython ServerUrl() & "/xlwings/custom-scripts-call/merge_folder", auth:=GetConfig("AUTH"), include:="任务清单,使用说明,_xltasks", timeout:=600000
End Sub

Sub RefreshStats(control As IRibbonControl)
    If Trusted() Then RunServerPython ServerUrl() & "/xlwings/custom-scripts-call/refresh_stats", auth:=GetConfig("AUTH"), include:="任务清单,使用说明,_xltasks", timeout:=600000
End Sub
