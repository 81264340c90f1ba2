"""Administration pages (/kelola/), one module per concern, plus the approvals page (/persetujuan/)."""
