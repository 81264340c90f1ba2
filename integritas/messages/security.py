"""Words for the codes of signing in (orgs.auth) and the throttles (security/), and for refused
evidence files (415): each says why, and what the sender can do instead.

A refused file keeps the error code clients rely on (``unsupported_file_type``) with the reason as
``reason`` (words ``unsupported_file_type.<reason>``); the field that held the file gets the reason's
code as its problem (``%(name)s`` is the file's cleaned name). Raised by
:func:`integritas.vault.filetypes.inspect_upload`.
"""

from django.utils.translation import gettext_lazy as _

from integritas.messages import register

TEXTS = {
    "file_type_unknown": _(
        "%(name)s: this type of file is not accepted. Send documents, photos, audio or video."
    ),
    "file_damaged": _(
        "%(name)s: the file is damaged or is not what its format says, so it cannot be accepted. "
        "Save or export it again and send the new file."
    ),
    "file_hides_content": _(
        "%(name)s: the file carries something else inside it (a program, a script or an archive), so it "
        "is not accepted."
    ),
    "archive_bomb": _(
        "%(name)s: the file unpacks to far more than its size or holds too many parts, so it is not accepted."
    ),
    "document_macros": _(
        "%(name)s: documents with macros or ActiveX controls are not accepted. Save it without macros "
        "(for example as .docx, .xlsx or PDF) and send it again."
    ),
    "document_program": _(
        "%(name)s: the document carries a program or a script (%(part)s), so it is not accepted."
    ),
    "document_foreign_part": _(
        "%(name)s: the document holds a part an office document does not have (%(part)s), so it is not "
        "accepted. Save it again as PDF or in its office format."
    ),
    "ole_not_document": _(
        "%(name)s: this is not a Word, Excel or PowerPoint document (an installer or another program "
        "file?), so it is not accepted."
    ),
    "pdf_active_content": _(
        "%(name)s: the PDF can start programs or scripts, or carries other files (%(part)s), so it is not "
        "accepted. Print it to a new PDF and send that."
    ),
    "pdf_unreadable": _(
        "%(name)s: parts of this PDF cannot be checked (encrypted or compressed in an unusual way). Print "
        "it to a new PDF and send that."
    ),
    "metadata_not_removable": _(
        "%(name)s: the hidden information in this file (such as where it was taken) cannot be removed "
        "safely. Save or export it again (for example a photo as JPEG) and send the new file."
    ),
}

register(errors={f"unsupported_file_type.{code}": words for code, words in TEXTS.items()}, problems=TEXTS)

register(
    errors={
        "bad_credentials": _("Wrong username or password."),
        "otp_required": _("Enter the 6-digit code from your authenticator app."),
        "bad_otp": _("Wrong or expired code. Enter the code shown now in your app."),
        "two_factor_setup_required": _(
            "Your unit requires two-factor sign-in: set up an authenticator app first."
        ),
        "not_authenticated.token": _("Sign in first: send Authorization: Bearer <token>."),
    },
)
