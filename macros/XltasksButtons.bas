Attribute VB_Name = "XltasksButtons"
' xltasks ribbon callbacks, route 1: Python on this PC (xlwings RunPython). One line each.
' The module name is fixed: RunPython never derives a module from the workbook's (Chinese) file name.
Option Explicit

Sub ValidateReturn(control As IRibbonControl)
    RunPython "import xltasks.excel.buttons as b; b.xl_validate_return()"
End Sub

Sub ClearMarks(control As IRibbonControl)
    RunPython "import xltasks.excel.buttons as b; b.xl_clear_marks()"
End Sub

Sub ExportReturn(control As IRibbonControl)
    RunPython "import xltasks.excel.buttons as b; b.xl_export_return()"
End Sub

Sub SplitRound(control As IRibbonControl)
    RunPython "import xltasks.excel.buttons as b; b.xl_split_round()"
End Sub

Sub ValidateFolder(control As IRibbonControl)
    RunPython "import xltasks.excel.buttons as b; b.xl_validate_folder()"
End Sub

Sub MergeFolder(control As IRibbonControl)
    RunPython "import xltasks.excel.buttons as b; b.xl_merge_folder()"
End Sub

Sub RefreshStats(control As IRibbonControl)
    RunPython "import xltasks.excel.buttons as b; b.xl_refresh_stats()"
End Sub
