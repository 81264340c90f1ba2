"""Prevention of conflicts of interest (SOP part C and "Menghindari"; PermenPANRB 17/2024).

- ``declarations``   the register of interests: yearly and ad-hoc declarations, compliance, reminders
- ``names``          name matching (titles and legal forms removed; one-letter variants tolerated)
- ``screening``      the one function routing asks: which handlers' declarations name the person?
- ``gratifications`` gratification reports (UU 20/2001 art. 12C, PerKPK 2/2019 as amended 1/2026)
- ``conflicts``      self-declared conflicts, routed up the chain, the decision suspended until a measure
- ``agendas``        decision agendas: items, parties, participants' statements, warnings, minutes
- ``riskmap``        the COI risk map per position and decision kind (``selectors.risk_map``)
- ``access``         the one gate per object type; ``jobs`` what the scheduler runs
"""
