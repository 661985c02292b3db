"""A full-text index on what Wagtail's PostgreSQL search backend actually matches.

The database backend (modelsearch) filters ``(title || body) @@ query`` on its index
table; its own GIN indexes cover ``title`` and ``body`` one at a time, which no plan can
use for the concatenation, so every search read and concatenated every row's vectors
(docs/benchmarks.md). This GIN index is on the very expression the backend writes.
Nothing on SQLite, whose backend uses FTS5.
"""

from django.db import migrations

INDEX = "cgm_search_title_body_gin"
TABLE = "wagtailsearch_indexentry"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON {TABLE} USING gin ((title || body))"
        )
        # Statistics for the new expression: until the next autovacuum the planner would
        # guess one match and pick plans that are fine for one row and slow for thousands.
        schema_editor.execute(f"ANALYZE {TABLE}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("cgmsite", "0002_standardpage"),
        ("wagtailsearch", "0010_add_text_fields"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
