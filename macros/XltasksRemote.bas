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

Sub ValidateReturn(control As IRibbonControl)
    RunServerPython ServerUrl() & "/xlwings/custom-scripts-call/validate_return", auth:=GetConfig("AUTH"), exclude:="填报说明"
End Sub

Sub ClearMarks(control As IRibbonControl)
    RunServerPython ServerUrl() & "/xlwings/custom-scripts-call/clear_marks", auth:=GetConfig("AUTH"), exclude:="填报说明"
End Sub

Sub ExportReturn(control As IRibbonControl)
    RunServerPython ServerUrl() & "/xlwings/custom-scripts-call/export_return", auth:=GetConfig("AUTH"), exclude:="填报说明"
End Sub

Sub SplitRound(control As IRibbonControl)
    RunServerPython ServerUrl() & "/xlwings/custom-scripts-call/split_round", auth:=GetConfig("AUTH"), include:="任务清单,使用说明,_xltasks", timeout:=600000
End Sub

Sub ValidateFolder(control As IRibbonControl)
    RunServerPython ServerUrl() & "/xlwings/custom-scripts-call/validate_folder", auth:=GetConfig("AUTH"), include:="任务清单,使用说明,_xltasks", timeout:=600000
End Sub

Sub MergeFolder(control As IRibbonControl)
    RunServerPython ServerUrl() & "/xlwings/custom-scripts-call/merge_folder", auth:=GetConfig("AUTH"), include:="任务清单,使用说明,_xltasks", timeout:=600000
End Sub

Sub RefreshStats(control As IRibbonControl)
    RunServerPython ServerUrl() & "/xlwings/custom-scripts-call/refresh_stats", auth:=GetConfig("AUTH"), include:="任务清单,使用说明,_xltasks", timeout:=600000
End Sub
