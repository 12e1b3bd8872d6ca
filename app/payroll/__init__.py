"""Payroll engine under Chinese rules: pure, exact (Decimal), no database.

Modules:
- ``money``: Decimal helpers, fen <-> yuan, half-up rounding to the fen;
- ``tax``: cumulative withholding of individual income tax (累计预扣法), annual one-off bonus;
- ``social``: social insurance, housing fund and occupational annuity employee shares, dated city settings;
- ``rules``: probation pay, mid-month pro-ration on 21.75 paid days, overtime, absence deduction;
- ``formula``: a small safe expression language for custom pay items;
- ``structure``: pay structures and the one employee-month evaluation;
- ``excel`` / ``payslip``: the pay sheet, payslips (PDF) and bank transfer lists from plain data;
- ``documents``: pay settings as TOML text, checked with line numbers and a trial calculation;
- ``accounts``: bank-account checks (digits, length, Luhn for card numbers) and masking;
- ``notice``: warnings as msgid + parameters, translated when shown.

``app.services.payroll`` / ``app.services.pay_settings`` (database, workflow) call these; nothing here
stores anything.
"""
