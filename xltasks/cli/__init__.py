"""The terminal view: arguments -> one action -> a rich summary or --json.

Exit codes: 0 ok, 1 input errors, 2 cannot run. app.py holds the command group and main(); each verb's command and
its summary live in prepare.py (import, split), collect.py (validate, merge), demo.py and excel.py (serve, excel
addin); common.py holds what they share.
"""
