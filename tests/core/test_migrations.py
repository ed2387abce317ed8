"""The migrations themselves. The suite builds its test database from the models
(`--nomigrations`, much faster); these tests prove the migrations build the same schema on an
empty database of the engine under test, and that the models have no change without one."""

import os
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[2]
ENGINE = settings.DATABASES["default"]["ENGINE"]


@pytest.mark.django_db
def test_models_have_no_change_without_a_migration():
    call_command("makemigrations", check=True, dry_run=True, verbosity=0)


def _env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST_"))}
    env.update(PYTHONPATH=os.pathsep.join([str(ROOT / "src"), str(ROOT)]), **extra)
    return env


def _migrate(env: dict, *args: str) -> subprocess.CompletedProcess:
    """`ipcity migrate` in a subprocess on the database `env` names."""
    return subprocess.run(
        [sys.executable, "-m", "ipcity.cli", "migrate", "--no-input", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


def _columns(path: Path) -> dict[str, set[str]]:
    with sqlite3.connect(path) as conn:
        tables = [
            name
            for (name,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {t: {row[1] for row in conn.execute(f'PRAGMA table_info("{t}")')} for t in tables}


def _indexes(path: Path) -> tuple[dict, set]:
    """Named indexes by name, and SQLite's own (unique columns), each with its table, columns
    and uniqueness. SQLite numbers its own by column order, hence the set."""
    named, own = {}, set()
    with sqlite3.connect(path) as conn:
        for name, table in conn.execute(
            "SELECT name, tbl_name FROM sqlite_master WHERE type = 'index'"
        ):
            columns = tuple(r[2] for r in conn.execute(f'PRAGMA index_xinfo("{name}")') if r[5])
            unique = next(
                r[2] for r in conn.execute(f'PRAGMA index_list("{table}")') if r[1] == name
            )
            if name.startswith("sqlite_autoindex_"):
                own.add((table, columns, unique))
            else:
                named[name] = (table, columns, unique)
    return named, own


@pytest.mark.skipif(ENGINE != "django.db.backends.sqlite3", reason="the SQLite pass runs this")
def test_migrations_apply_to_an_empty_sqlite_file_and_match_the_models(tmp_path, migrated_sqlite):
    """`ipcity migrate` builds an empty SQLite file (what `make run` does on a fresh machine) with
    the same tables and columns as the models (the template the platform tests copy)."""
    db = tmp_path / "db.sqlite3"
    env = _env(IPCITY_VAR_DIR=str(tmp_path), DATABASE_URL=f"sqlite:///{db}")
    result = _migrate(env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Applying" in result.stdout  # it really migrated an empty file
    assert _columns(db) == _columns(migrated_sqlite)
    assert _indexes(db) == _indexes(migrated_sqlite)
    # Backwards and forwards again: an app with nothing depending on it.
    tables = {t for t in _columns(db) if t.startswith("incentives_")}
    assert tables
    result = _migrate(env, "incentives", "zero")
    assert result.returncode == 0, result.stdout + result.stderr
    assert not {t for t in _columns(db) if t.startswith("incentives_")}
    result = _migrate(env, "incentives")
    assert result.returncode == 0, result.stdout + result.stderr
    assert _columns(db) == _columns(migrated_sqlite)
    assert _indexes(db) == _indexes(migrated_sqlite)
    # Tables that exist without their migrations on record (a database adopted with
    # `--fake-initial`): the first migration is recorded, not run again.
    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM django_migrations WHERE app = 'incentives'")
    result = _migrate(env, "incentives", "--fake-initial")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0001_initial... FAKED" in result.stdout
    assert _columns(db) == _columns(migrated_sqlite)


@pytest.mark.skipif(
    ENGINE != "django.db.backends.postgresql", reason="the PostgreSQL pass runs this"
)
def test_migrations_apply_to_an_empty_postgresql_database(tmp_path):
    import psycopg

    db = settings.DATABASES["default"]
    name = f"ipcity_migrate_{uuid.uuid4().hex[:10]}"
    params = {
        "host": db.get("HOST") or None,
        "port": db.get("PORT") or None,
        "user": db.get("USER") or None,
        "password": db.get("PASSWORD") or None,
        "dbname": "postgres",
        "autocommit": True,
    }
    with psycopg.connect(**{k: v for k, v in params.items() if v is not None}) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        user = db.get("USER") or "postgres"
        host = db.get("HOST") or "127.0.0.1"
        port = db.get("PORT") or 5432
        auth = f"{user}:{db['PASSWORD']}" if db.get("PASSWORD") else user
        env = _env(
            IPCITY_VAR_DIR=str(tmp_path),
            DATABASE_URL=f"postgres://{auth}@{host}:{port}/{name}",
        )
        result = _migrate(env)
        assert result.returncode == 0, result.stdout + result.stderr
        shown = subprocess.run(
            [sys.executable, "manage.py", "showmigrations", "--plan"],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert shown.returncode == 0, shown.stderr
        assert "[ ]" not in shown.stdout, shown.stdout
    finally:
        with psycopg.connect(**{k: v for k, v in params.items() if v is not None}) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
