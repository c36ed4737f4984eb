"""Workbook files below any one workbook's meaning: whole-book read and write, sheet XML, safe writes, looks."""
