"""Prevention pages (SOP part C): declarations, gratification, self-declared conflicts, agendas, the
risk map. Addresses in Indonesian, like the rest of the back office."""

from django.urls import path, re_path

from integritas.web.views import prevention, prevention_agendas, prevention_reports

GR = r"(?P<reference>GR-[0-9]{4}-[0-9]{6,12})"
KK = r"(?P<reference>KK-[0-9]{4}-[0-9]{6,12})"

urlpatterns = [
    path("pencegahan/", prevention.hub, name="prevention_hub"),
    path("deklarasi/", prevention.declaration_mine, name="prevention_declarations"),
    path("deklarasi/baru/", prevention.declaration_new, name="prevention_declaration_new"),
    path("deklarasi/kepatuhan/", prevention.compliance, name="prevention_compliance"),
    path(
        "deklarasi/surat-pernyataan/<int:year>/",
        prevention.declaration_statement,
        name="prevention_statement",
    ),
    path("deklarasi/<int:declaration_id>/", prevention.declaration_detail, name="prevention_declaration"),
    path("gratifikasi/", prevention_reports.gratification_list, name="prevention_gratifications"),
    path("gratifikasi/baru/", prevention_reports.gratification_new, name="prevention_gratification_new"),
    path(
        "gratifikasi/ekspor/", prevention_reports.gratification_export, name="prevention_gratification_export"
    ),
    re_path(
        rf"^gratifikasi/{GR}/$", prevention_reports.gratification_detail, name="prevention_gratification"
    ),
    re_path(
        rf"^gratifikasi/{GR}/tindak-lanjut/$",
        prevention_reports.gratification_outcome,
        name="prevention_gratification_outcome",
    ),
    re_path(
        rf"^gratifikasi/{GR}/bukti/(?P<evidence_id>[0-9]{{1,18}})/$",
        prevention_reports.gratification_evidence,
        name="prevention_gratification_evidence",
    ),
    path("konflik/", prevention_reports.conflict_list, name="prevention_conflicts"),
    path("konflik/baru/", prevention_reports.conflict_new, name="prevention_conflict_new"),
    re_path(rf"^konflik/{KK}/$", prevention_reports.conflict_detail, name="prevention_conflict"),
    re_path(
        rf"^konflik/{KK}/tindakan/$", prevention_reports.conflict_measure, name="prevention_conflict_measure"
    ),
    path("agenda/", prevention_agendas.agenda_list, name="prevention_agendas"),
    path("agenda/baru/", prevention_agendas.agenda_new, name="prevention_agenda_new"),
    path("agenda/<int:agenda_id>/", prevention_agendas.agenda_detail, name="prevention_agenda"),
    path(
        "agenda/<int:agenda_id>/pernyataan/",
        prevention_agendas.agenda_statements,
        name="prevention_agenda_statements",
    ),
    path(
        "agenda/<int:agenda_id>/notulen/", prevention_agendas.agenda_minutes, name="prevention_agenda_minutes"
    ),
    path(
        "agenda/<int:agenda_id>/notulen.pdf",
        prevention_agendas.agenda_minutes_pdf,
        name="prevention_agenda_minutes_pdf",
    ),
    path("peta-risiko/", prevention_agendas.risk_map, name="prevention_risk_map"),
]
