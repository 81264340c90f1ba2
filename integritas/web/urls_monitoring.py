"""Monitoring pages (SOP part D) and the public transparency page. Addresses in Indonesian."""

from django.urls import path

from integritas.web.views import monitoring, monitoring_binder

urlpatterns = [
    path("pemantauan/", monitoring.dashboard, name="monitoring"),
    path("pemantauan/laporan/", monitoring.report_file, name="monitoring_report"),
    path("pemantauan/catatan/", monitoring.note_edit, name="monitoring_note"),
    path("pemantauan/berkas-zi/", monitoring_binder.binder_page, name="monitoring_binder"),
    path("pemantauan/berkas-zi/unduh/", monitoring_binder.binder_download, name="monitoring_binder_zip"),
    path(
        "pemantauan/berkas-zi/dokumen/<int:file_id>/",
        monitoring_binder.evidence_download,
        name="monitoring_evidence",
    ),
    path("transparansi/", monitoring.transparency_page, name="transparency"),
]
