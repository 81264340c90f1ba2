"""Recipients of one message share a rendering (``render_for``): each still gets what ``render`` gives
them alone, whatever their name (markup, ampersands, quotes, other scripts, odd spacing)."""

from __future__ import annotations

import pytest

from integritas.notify.render import NAME_MARK, render, render_for

CONTEXT = {
    "reference": "BK-2026-123456",
    "unit_name": "SMP Negeri 1 <Contoh> & Co",
    "unit_code": "SMPN1",
    "stage": "Pemeriksaan",
    "status": "examination",
    "due": "Jumat, 21 Agustus 2026 23.59 WIT",
    "handler_title": "Kepala Bidang SMP",
    "link": "https://integritas.example/kasus/BK-2026-123456/",
    "role": "team",
    "reason": "escalated_overdue",
    "missed_title": "Kepala Sekolah",
    "escalating": True,
    "entered_unit": "Dinas Pendidikan",
}
NAMES = [
    "Budi",
    "Siti Aminah, S.Pd.",
    "<b>Bold</b> & \"quoted\" 'name'",
    "Ñoño Çelik 王小明",
    "  spaced   name ",
    "line\nbreak",
    f"has {NAME_MARK} mark",
    "",
]


@pytest.mark.parametrize("kind", ["overdue", "assigned", "team_entered"])
@pytest.mark.parametrize("language", ["id", "en"])
def test_a_shared_rendering_gives_each_recipient_what_rendering_alone_gives(kind, language):
    shared: dict = {}
    for name in NAMES:
        alone = render(kind, language, {**CONTEXT, "recipient_name": name})
        assert render_for(kind, language, CONTEXT, name, shared) == alone, name
    assert len(shared) == 1  # one rendering for the plain names
