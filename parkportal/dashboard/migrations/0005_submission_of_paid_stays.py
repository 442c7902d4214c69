"""Copies each paid case's submission onto its stays in disbursed, as
`stage_visit_record` does from now on."""

from django.db import migrations
from django.db.models import OuterRef, Subquery


def copy_submissions(apps, schema_editor):
    StageVisit = apps.get_model("dashboard", "StageVisit")
    RefundRequest = apps.get_model("refunds", "RefundRequest")
    submission = RefundRequest.objects.filter(pk=OuterRef("refund_id")).values(
        "submitted_at"
    )
    StageVisit.objects.filter(state="disbursed").update(
        submitted_at=Subquery(submission[:1])
    )


def clear_submissions(apps, schema_editor):
    StageVisit = apps.get_model("dashboard", "StageVisit")
    StageVisit.objects.filter(submitted_at__isnull=False).update(submitted_at=None)


class Migration(migrations.Migration):
    dependencies = [
        ("dashboard", "0004_stage_visit_submitted_at"),
        ("refunds", "0001_initial"),
    ]

    operations = [migrations.RunPython(copy_submissions, clear_submissions)]
