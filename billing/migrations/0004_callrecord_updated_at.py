"""Call records carry updated_at (touched by a re-rating) for incremental readers; existing records
start at the time they were received."""

from django.db import migrations, models
from django.db.models import F


def backfill(apps, schema_editor):
    apps.get_model("billing", "CallRecord").objects.update(updated_at=F("received_at"))


class Migration(migrations.Migration):
    dependencies = [("billing", "0003_folio_lines_append_only")]

    operations = [
        migrations.AddField(
            model_name="callrecord",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, null=True),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="callrecord",
            name="updated_at",
            field=models.DateTimeField(auto_now=True),
        ),
        migrations.AddIndex(
            model_name="callrecord",
            index=models.Index(fields=["updated_at", "id"], name="callrecord_updated_idx"),
        ),
    ]
