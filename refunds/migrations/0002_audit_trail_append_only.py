from django.db import migrations

from parkportal.core.db import append_only


class Migration(migrations.Migration):
    dependencies = [("refunds", "0001_initial")]

    operations = [
        append_only("refunds_auditevent"),
        append_only("refunds_auditseal"),
    ]
