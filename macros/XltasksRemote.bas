Attribute VB_Name = "XltasksRemote"
' xltasks ribbon callbacks, route 2: the office's server (xltasks serve) through xlwings' RunServerPython.
' XLTASKS_URL (e.g. http://server:8000) and AUTH (the token) come from the xlwings.conf settings.
' Coordinator buttons send only the sheets they need (VBA's payload overflows past 32,767 rows) and wait up to
' 10 minutes (the client's default is 30 s; a merge of a large master takes longer).
Option Explicit

Sub ValidateReturn(control As IRibbonControl)
    RunServerPython GetConfig("XLTASKS_URL") & "/xlwings/custom-scripts-call/validate_return", auth:=GetConfig("AUTH"), exclude:="填报说明"
End Sub

Sub ClearMarks(control As IRibbonControl)
    RunServerPython GetConfig("XLTASKS_URL") & "/xlwings/custom-scripts-call/clear_marks", auth:=GetConfig("AUTH"), exclude:="填报说明"
End Sub

Sub ExportReturn(control As IRibbonControl)
    RunServerPython GetConfig("XLTASKS_URL") & "/xlwings/custom-scripts-call/export_return", auth:=GetConfig("AUTH"), exclude:="填报说明"
End Sub

Sub SplitRound(control As IRibbonControl)
    RunServerPython GetConfig("XLTASKS_URL") & "/xlwings/custom-scripts-call/split_round", auth:=GetConfig("AUTH"), include:="任务清单,使用说明,_xltasks", timeout:=600000
End Sub

Sub ValidateFolder(control As IRibbonControl)
    RunServerPython GetConfig("XLTASKS_URL") & "/xlwings/custom-scripts-call/validate_folder", auth:=GetConfig("AUTH"), include:="任务清单,使用说明,_xltasks", timeout:=600000
End Sub

Sub MergeFolder(control As IRibbonControl)
    RunServerPython GetConfig("XLTASKS_URL") & "/xlwings/custom-scripts-call/merge_folder", auth:=GetConfig("AUTH"), include:="任务清单,使用说明,_xltasks", timeout:=600000
End Sub

Sub RefreshStats(control As IRibbonControl)
    RunServerPython GetConfig("XLTASKS_URL") & "/xlwings/custom-scripts-call/refresh_stats", auth:=GetConfig("AUTH"), include:="任务清单,使用说明,_xltasks", timeout:=600000
End Sub
