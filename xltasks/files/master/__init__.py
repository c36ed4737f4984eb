"""The master workbook (总台账): its layout, its first writing, reading it back, and each merge written into it."""
