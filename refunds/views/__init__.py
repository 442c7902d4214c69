"""The refund pages of the portal: the enterprise's own cases, the staff
case page, the approvals inbox and the auditor's reading room.

Each view checks who is asking, validates a form, calls one service and
shows what it refused as a message on the page.
"""

from refunds.views.case import case, decide, download, post_message, transition, upload
from refunds.views.enterprise import apply, apply_check, edit_draft, my_refunds
from refunds.views.workspaces import (
    approvals,
    audit_cases,
    audit_trail,
    audit_verify_start,
    staff_list,
)

__all__ = [
    "apply",
    "apply_check",
    "approvals",
    "audit_cases",
    "audit_trail",
    "audit_verify_start",
    "case",
    "decide",
    "download",
    "edit_draft",
    "my_refunds",
    "post_message",
    "staff_list",
    "transition",
    "upload",
]
