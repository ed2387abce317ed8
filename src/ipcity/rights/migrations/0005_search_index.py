"""Patent search terms in the new form (rights/search.py) and the database's index over them
(rights/search_index.py)."""

from django.db import migrations


def rewrite_terms(apps, schema_editor):
    from ipcity.rights.search import SEARCH_FIELDS, build_search_text

    Patent = apps.get_model("rights", "Patent")
    PatentHolder = apps.get_model("rights", "PatentHolder")
    fields = (*SEARCH_FIELDS, "ipc_codes", "holder_names")
    last = 0
    while True:
        chunk = list(Patent.objects.filter(pk__gt=last).order_by("pk").values("pk", *fields)[:2000])
        if not chunk:
            break
        last = chunk[-1]["pk"]
        names: dict[int, list[str]] = {}
        for pk, name, recorded in PatentHolder.objects.filter(
            patent_id__in=[row["pk"] for row in chunk]
        ).values_list("patent_id", "organization__name", "name_as_recorded"):
            names.setdefault(pk, []).extend([name, recorded])
        updated = []
        for row in chunk:
            holders = names.get(row["pk"], []) + row["holder_names"].split(";")
            updated.append(Patent(pk=row["pk"], search_text=build_search_text(row, holders)))
        Patent.objects.bulk_update(updated, ["search_text"])


def create_index(apps, schema_editor):
    from ipcity.rights import search_index

    search_index.ensure(schema_editor.connection)


def drop_index(apps, schema_editor):
    from ipcity.rights import search_index

    search_index.drop(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("rights", "0004_alter_historicallegalevent_kind_and_more"),
    ]

    operations = [
        migrations.RunPython(drop_index, migrations.RunPython.noop),
        migrations.RunPython(rewrite_terms, migrations.RunPython.noop),
        migrations.RunPython(create_index, drop_index),
    ]
