"""On PostgreSQL a trigger refuses UPDATE and DELETE of posted folio lines, whatever the client (raw SQL,
a script, the ORM). Other databases rely on the model's guard (FolioLine.save/delete, its QuerySet)."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION billing_folioline_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'folio lines are append-only: post a reversal instead of % on line %', TG_OP, OLD.id
        USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS billing_folioline_append_only ON billing_folioline;
CREATE TRIGGER billing_folioline_append_only
    BEFORE UPDATE OR DELETE ON billing_folioline
    FOR EACH ROW EXECUTE FUNCTION billing_folioline_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS billing_folioline_append_only ON billing_folioline;
DROP FUNCTION IF EXISTS billing_folioline_append_only();
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("billing", "0002_ledger_tariffs_minibar_invoices")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
