from django.conf import settings
from django.db import migrations, models

from parkportal.core.db import AddIndexConcurrently, RemoveIndexConcurrently


class Migration(migrations.Migration):
    # Built concurrently on PostgreSQL: the case table takes writes while
    # the index is built, which cannot happen inside a transaction.
    atomic = False

    dependencies = [
        ("accounts", "0004_fill_user_role_names"),
        ("refunds", "0006_payee_account_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="refundrequest",
            index=models.Index(
                condition=models.Q(
                    (
                        "state__in",
                        [
                            "approved",
                            "disbursement_failed",
                            "disbursing",
                            "info_requested",
                            "on_hold",
                            "pending_approval",
                            "submitted",
                            "under_review",
                        ],
                    )
                ),
                fields=["next_deadline", "id", "state", "owner"],
                name="refund_queue_open_by_deadline",
            ),
        ),
        RemoveIndexConcurrently(model_name="refundrequest", name="refund_queue_open"),
    ]
