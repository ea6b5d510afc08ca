import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("rooms", "0005_housekeeping_assignment"),
    ]

    operations = [
        migrations.AddField(
            model_name="stay",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, default=django.utils.timezone.now),
            preserve_default=False,
        ),
        migrations.AddIndex(
            model_name="stay",
            index=models.Index(fields=["updated_at", "id"], name="stay_updated_idx"),
        ),
        migrations.AddIndex(
            model_name="room",
            index=models.Index(fields=["updated_at", "id"], name="room_updated_idx"),
        ),
    ]
