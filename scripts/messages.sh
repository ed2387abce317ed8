#!/usr/bin/env bash
# Refresh the Simplified Chinese catalog and compile it.
#
#   scripts/messages.sh          extract new msgids, compile, print statistics
#   scripts/messages.sh --check  same, but exit 1 if any entry is untranslated or fuzzy (for CI)
#
# One catalog for the whole project lives in src/ipcity/locale (settings.LOCALE_PATHS); running
# makemessages from the repository root puts every app's strings there. --no-location keeps
# source line numbers out of the .po so that moving code does not rewrite the catalog.
set -euo pipefail

cd "$(dirname "$0")/.."
export UV_PYTHON_DOWNLOADS=never
# Extraction only reads settings; keep it away from the developer's database and media.
if [[ -z "${IPCITY_VAR_DIR:-}" ]]; then
    IPCITY_VAR_DIR="$(mktemp -d)"
    trap 'rm -rf "$IPCITY_VAR_DIR"' EXIT
fi
export IPCITY_VAR_DIR

LOCALE=zh_Hans
PO="src/ipcity/locale/$LOCALE/LC_MESSAGES/django.po"
IGNORE=(--ignore=.venv --ignore=node_modules --ignore=var --ignore=tests)

mkdir -p "$(dirname "$PO")"

# makemessages stamps POT-Creation-Date on every run; put the old stamp back when nothing
# else changed so that an idle run leaves the catalog byte-for-byte unchanged.
old_po=""
if [[ -f "$PO" ]]; then
    old_po="$(mktemp)"
    cp "$PO" "$old_po"
fi

uv run python manage.py makemessages -l "$LOCALE" "${IGNORE[@]}" --no-location \
    --extension=html,txt,py

if [[ -n "$old_po" ]]; then
    if diff -q <(grep -v '^"POT-Creation-Date:' "$old_po") <(grep -v '^"POT-Creation-Date:' "$PO") >/dev/null; then
        cp "$old_po" "$PO"
    fi
    rm -f "$old_po"
fi

uv run python manage.py compilemessages -l "$LOCALE" --ignore=.venv --ignore=node_modules

stats="$(msgfmt --statistics -o /dev/null "$PO" 2>&1)"
echo "$PO: $stats"

if [[ "${1:-}" == "--check" ]]; then
    if grep -Eq 'untranslated|fuzzy' <<<"$stats"; then
        echo "Some entries still need a translation:" >&2
        msgattrib --untranslated --no-wrap "$PO" | grep '^msgid' | grep -v '^msgid ""$' >&2 || true
        msgattrib --only-fuzzy --no-wrap "$PO" | grep '^msgid' | grep -v '^msgid ""$' >&2 || true
        exit 1
    fi
fi
