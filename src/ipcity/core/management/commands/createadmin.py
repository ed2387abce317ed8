import getpass

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

OFFICE_ADMIN_ROLE = "office_admin"


class Command(BaseCommand):
    help = (
        "Create a superuser holding the district IP office administrator role (or reset an "
        "existing one's password). Asks for what the flags do not give."
    )
    # A one-shot command: the system checks (URL configuration, API schemas) take seconds and
    # are `ipcity check`'s job.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--username")
        parser.add_argument(
            "--password",
            help="Visible to other local users in the process list; prefer the prompt.",
        )
        parser.add_argument("--email", default="")
        parser.add_argument("--organization", help="Name of the organization the admin belongs to.")

    def handle(self, *args, username=None, password=None, email="", organization=None, **options):
        from ipcity.accounts.models import Role, RoleAssignment
        from ipcity.orgs.models import Organization

        User = get_user_model()
        username = (username or self._ask("Username: ")).strip()
        if not username:
            raise CommandError("A username is required.")
        org = None
        if organization:
            org = Organization.objects.filter(name=organization).first()
            if org is None:
                raise CommandError(f"No organization named {organization!r}.")
        user = User.objects.filter(username=username).first()
        candidate = user or User(username=username, email=email)
        if password is None:
            password = self._ask_password()
        try:
            validate_password(password, candidate)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        try:
            role = Role.objects.get(code=OFFICE_ADMIN_ROLE)
        except Role.DoesNotExist:
            raise CommandError("Roles are missing: run `ipcity migrate` first.") from None
        with transaction.atomic():
            candidate.is_superuser = candidate.is_staff = candidate.is_active = True
            if email:
                candidate.email = email
            if org is not None:
                candidate.organization = org
            candidate.set_password(password)
            # Typed by whoever runs the command: the administrator chooses their own at first
            # sign-in.
            candidate.must_change_password = True
            candidate.save()
            RoleAssignment.objects.get_or_create(
                user=candidate, role=role, defaults={"scope": role.default_scope}
            )
        verb = "Updated" if user else "Created"
        self.stdout.write(f"{verb} administrator {username}.")

    def _ask(self, prompt: str) -> str:
        try:
            return input(prompt)
        except (EOFError, KeyboardInterrupt):
            raise CommandError("A username is required.") from None

    def _ask_password(self) -> str:
        try:
            password = getpass.getpass("Password: ")
            again = getpass.getpass("Password (again): ")
        except (EOFError, KeyboardInterrupt):
            raise CommandError("A password is required (or give --password).") from None
        if password != again:
            raise CommandError("The passwords do not match.")
        return password
