from django.db import migrations

from parkportal.core.db import append_only


class Migration(migrations.Migration):
    dependencies = [("finance", "0001_pool_ledger_disbursement")]

    operations = [append_only("finance_ledgerentry")]
