"""The `ipcity` command: manage.py under a name, with the platform's own commands.

`ipcity <command>` runs any Django management command. The platform adds `serve` (production web
server), `worker` (background jobs), `run` (web server and worker together with demo data, for a
local trial), `demo`, `createadmin`, `region load` and `workdays`.
"""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ipcity.settings")
    from django.core.management import execute_from_command_line

    argv = list(sys.argv if argv is None else argv)
    argv[0] = "ipcity"
    if len(argv) == 1:
        argv.append("help")
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
