from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("dashboard", "0003_stage_visit_covering_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="stagevisit",
            name="submitted_at",
            field=models.DateTimeField(
                blank=True, null=True, verbose_name="case submitted at"
            ),
        ),
    ]
