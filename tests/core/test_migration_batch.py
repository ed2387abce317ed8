"""`CreateTogether`: model creations with the state rendered once (core/migration_batch.py),
and the script that writes them into migration files (scripts/create_together.py). That the
migrations build the models' schema on each engine is tests/core/test_migrations.py's."""

from __future__ import annotations

import importlib
import importlib.util
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import migrations, models
from django.db.migrations.loader import MigrationLoader

from ipcity.core.migration_batch import CreateTogether

ROOT = Path(__file__).resolve().parents[2]


def _script():
    spec = importlib.util.spec_from_file_location(
        "create_together", ROOT / "scripts/create_together.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def loader():
    return MigrationLoader(None, ignore_no_migrations=True)


def _batched(loader):
    found = [
        (key, migration)
        for key, migration in loader.disk_migrations.items()
        if key in loader.graph.nodes
        and any(isinstance(op, CreateTogether) for op in migration.operations)
    ]
    assert len(found) >= 10  # the squashes and first migrations a fresh `migrate` applies
    return found


def _one_by_one(operations):
    for operation in operations:
        yield from operation.operations if isinstance(operation, CreateTogether) else [operation]


def _shape(apps) -> dict:
    """Every rendered model's fields, reverse relations included, and its indexes."""
    return {
        model._meta.label_lower: (
            sorted(f.name for f in model._meta.get_fields(include_hidden=True)),
            sorted(index.name for index in model._meta.indexes),
            sorted(constraint.name for constraint in model._meta.constraints),
        )
        for model in apps.get_models()
    }


def test_each_migration_leaves_the_state_its_operations_leave_one_by_one(loader):
    for (app_label, name), migration in _batched(loader):
        before = loader.project_state((app_label, name), at_end=False)
        together, single = before.clone(), before.clone()
        for operation in migration.operations:
            operation.state_forwards(app_label, together)
        for operation in _one_by_one(migration.operations):
            operation.state_forwards(app_label, single)
        assert together.models == single.models, (app_label, name)


def test_the_rendered_models_are_those_rendered_after_each_operation(loader):
    """With the models already rendered (as `migrate` holds them), the models re-rendered once
    after the batch, and those related to them, are the ones rendered after every operation."""
    key = ("orgs", "0001_initial")  # six models pointing at each other and at the user
    migration = loader.disk_migrations[key]
    before = loader.project_state(key, at_end=False)
    together, single = before.clone(), before.clone()
    together.apps  # noqa: B018  rendered before, as the executor renders them
    single.apps  # noqa: B018
    for operation in migration.operations:
        operation.state_forwards(key[0], together)
    for operation in _one_by_one(migration.operations):
        operation.state_forwards(key[0], single)
    assert _shape(together.apps) == _shape(single.apps)
    # The user, rendered before the batch, now knows the new models that point at it.
    user = together.apps.get_model("accounts", "user")
    assert any(
        f.related_model._meta.app_label == "orgs"
        for f in user._meta.get_fields(include_hidden=True)
        if f.auto_created and not f.concrete
    )


def test_only_what_completes_the_models_it_creates_may_join():
    created = migrations.CreateModel("Thing", [("id", models.AutoField(primary_key=True))])
    with pytest.raises(TypeError, match="what completes the models"):
        CreateTogether([created, migrations.AddField("other", "x", models.IntegerField())])
    with pytest.raises(TypeError, match="what completes the models"):
        CreateTogether([created, migrations.RunSQL("SELECT 1")])
    with pytest.raises(TypeError, match="at least one CreateModel"):
        CreateTogether([])
    joined = CreateTogether([created, migrations.AlterUniqueTogether("thing", {("id",)})])
    assert joined.describe() == "Create 1 models: thing"
    name, args, kwargs = joined.deconstruct()
    assert name == "CreateTogether" and args == [joined.operations] and kwargs == {}


@pytest.mark.django_db(transaction=True)  # SQLite edits a schema outside a transaction
def test_the_sql_creates_every_table_and_backwards_drops_them_in_reverse():
    migration = MigrationLoader(None).disk_migrations[("orgs", "0001_initial")]
    batch = next(op for op in migration.operations if isinstance(op, CreateTogether))
    tables = [f"orgs_{name}" for name in batch.created]

    def sql(**options) -> str:
        from io import StringIO

        out = StringIO()
        call_command("sqlmigrate", "orgs", "0001", stdout=out, **options)
        return out.getvalue()

    forwards, backwards = sql(), sql(backwards=True)
    created = re.findall(r'CREATE TABLE "(\w+)"', forwards)
    dropped = re.findall(r'DROP TABLE "(\w+)"', backwards)
    assert [t for t in created if t in tables] == tables
    assert [t for t in dropped if t in tables] == tables[::-1]
    # The indexes a later AddIndex named are part of the tables created.
    named = [op.index.name for op in batch.operations if isinstance(op, migrations.AddIndex)]
    assert named and all(name in forwards for name in named)


SOURCE = """
from django.db import migrations, models


class Migration(migrations.Migration):
    operations = [
        migrations.CreateModel(
            name='A',
            fields=[('id', models.AutoField(primary_key=True))],
        ),
        migrations.CreateModel(
            name='B',
            fields=[('id', models.AutoField(primary_key=True))],
        ),
        migrations.AddField(
            model_name='a',
            name='b',
            field=models.ForeignKey(on_delete=models.CASCADE, to='x.b'),
        ),
        migrations.RunSQL('SELECT 1'),
        migrations.AddIndex(
            model_name='b',
            index=models.Index(fields=['id'], name='b_id'),
        ),
        migrations.CreateModel(
            name='C',
            fields=[('id', models.AutoField(primary_key=True))],
        ),
    ]
"""


def test_the_script_wraps_each_run_of_creations_and_leaves_the_rest(tmp_path):
    script = _script()
    after = script.rewrite(SOURCE)
    assert after.count("CreateTogether(") == 1
    assert "from ipcity.core.migration_batch import CreateTogether\n" in after
    namespace: dict = {}
    exec(compile(after, "m.py", "exec"), namespace)
    ops = namespace["Migration"].operations
    assert [type(op).__name__ for op in ops] == [
        "CreateTogether",
        "RunSQL",
        "AddIndex",  # after the RunSQL: on a model of an earlier run, it stays
        "CreateModel",  # a run of one is left alone
    ]
    assert [type(op).__name__ for op in ops[0].operations] == [
        "CreateModel",
        "CreateModel",
        "AddField",
    ]
    assert script.rewrite(after) == after
    path = tmp_path / "0001_initial.py"
    path.write_text(SOURCE)
    assert script.main(["--check", str(path)]) == 1 and path.read_text() == SOURCE
    assert script.main([str(path)]) == 0 and path.read_text() == after
    assert script.main(["--check", str(path)]) == 0


def test_every_migration_a_fresh_migrate_applies_has_its_creations_together(loader):
    """A new app's first migration, or a new squash, goes through the script too."""
    replaced = {tuple(old) for m in loader.replacements.values() for old in m.replaces}
    files = [
        str(Path(importlib.import_module(m.__module__).__file__))
        for key, m in loader.disk_migrations.items()
        if key not in replaced and m.__module__.startswith("ipcity.")
    ]
    assert _script().main(["--check", *files]) == 0
