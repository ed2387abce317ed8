"""A migration operation that creates several models with their state rendered once.

Django re-renders the model state after each operation of a migration: after a `CreateModel`,
the new model and every model related to it, recursively. Here almost every model relates to
the user (the history records point at who made the change) and so to almost every other
model: each new model re-rendered all the models before it, and a fresh `migrate` spent
nearly all its time rendering states (27,044 renders for 206 new models).

`CreateTogether` holds consecutive `CreateModel` operations and the operations that complete
those models (their fields added later for a circular reference, their indexes, constraints
and unique sets). Each inner operation changes the state as before, but the models are
rendered once, after the last. The tables are created from that final state, each with its
complete columns, indexes and constraints, as `CreateModel` followed by the others would
leave them. Operations on models created elsewhere stay outside: on SQLite adding a field can
rebuild the table from its former state, which needs the state between operations.

`migrate --fake-initial` looks for the tables and columns of a first migration's top-level
`CreateModel` and `AddField` operations only; `install()` lets it see those inside.
"""

from __future__ import annotations

from django.db import migrations
from django.db.migrations.operations.base import Operation

COMPLETING = (
    migrations.AddField,
    migrations.AddIndex,
    migrations.AddConstraint,
    migrations.AlterUniqueTogether,
)


class CreateTogether(Operation):
    reversible = True
    reduces_to_sql = True

    def __init__(self, operations):
        self.operations = list(operations)
        self.created: list[str] = []  # the models created, in order
        for operation in self.operations:
            if isinstance(operation, migrations.CreateModel):
                self.created.append(operation.name_lower)
            elif not (isinstance(operation, COMPLETING) and _target(operation) in self.created):
                raise TypeError(
                    f"CreateTogether holds CreateModel operations and what completes the models "
                    f"they create, not {operation.describe()!r}"
                )
        if not self.created:
            raise TypeError("CreateTogether needs at least one CreateModel")
        super().__init__()

    def deconstruct(self):
        return (self.__class__.__qualname__, [self.operations], {})

    def state_forwards(self, app_label, state):
        # Without rendered apps, ProjectState changes only the model states (no reload).
        apps = state.__dict__.pop("apps", None)
        try:
            for operation in self.operations:
                operation.state_forwards(app_label, state)
        finally:
            if apps is not None:
                state.__dict__["apps"] = apps
        if apps is not None:
            state.reload_models([(app_label, name) for name in self.created], delay=False)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        for name in self.created:
            model = to_state.apps.get_model(app_label, name)
            if self.allow_migrate_model(schema_editor.connection.alias, model):
                schema_editor.create_model(model)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        for name in reversed(self.created):
            model = from_state.apps.get_model(app_label, name)
            if self.allow_migrate_model(schema_editor.connection.alias, model):
                schema_editor.delete_model(model)

    def references_model(self, name, app_label):
        return any(op.references_model(name, app_label) for op in self.operations)

    def describe(self):
        return f"Create {len(self.created)} models: " + ", ".join(self.created)

    @property
    def migration_name_fragment(self):
        return "_".join(self.created[:3])


def _target(operation) -> str:
    """The model an operation changes (AlterUniqueTogether names it `name`)."""
    if isinstance(operation, migrations.AlterUniqueTogether):
        return operation.name_lower
    return operation.model_name_lower


class _Unwrapped:
    """A migration as `detect_soft_applied` reads it: the operations inside each
    `CreateTogether` in their place; everything else, the state it leaves included, the
    migration's own."""

    def __init__(self, migration):
        self._migration = migration
        self.operations = [
            inner
            for operation in migration.operations
            for inner in (
                operation.operations if isinstance(operation, CreateTogether) else [operation]
            )
        ]

    def __getattr__(self, name):
        return getattr(self._migration, name)


def install() -> None:
    from django.db.migrations.executor import MigrationExecutor

    detect = MigrationExecutor.detect_soft_applied
    if getattr(detect, "sees_create_together", False):
        return

    def detect_soft_applied(self, project_state, migration):
        if any(isinstance(op, CreateTogether) for op in migration.operations):
            migration = _Unwrapped(migration)
        return detect(self, project_state, migration)

    detect_soft_applied.sees_create_together = True
    MigrationExecutor.detect_soft_applied = detect_soft_applied
