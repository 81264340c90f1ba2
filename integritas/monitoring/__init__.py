"""Monitoring and evaluation (SOP part D): figures, dashboards, the periodic evaluation report (PDF and
XLSX), the ZI-WBK evidence binder and the public transparency figures."""
