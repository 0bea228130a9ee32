"""python manage.py create_demo_users: the demo editor and reviewers for a local `make run`."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

# Published in the README: these accounts exist only on a developer's DEBUG site.
DEMO_USERS = (
    ("editor", "editor-demo-2021", True),
    ("reviewer1", "reviewer1-demo-2021", False),
    ("reviewer2", "reviewer2-demo-2021", False),
)


class Command(BaseCommand):
    help = "Create the demo editor and two reviewers (DEBUG only); existing users stay as they are."

    @transaction.atomic
    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(
                "Demo users have published passwords; create them only with DEBUG=1."
            )
        user_model = get_user_model()
        for username, password, is_editor in DEMO_USERS:
            if user_model.objects.filter(username=username).exists():
                self.stdout.write(f"{username}: exists, left unchanged")
                continue
            user = user_model(username=username, is_staff=is_editor, is_superuser=is_editor)
            user.set_password(password)
            user.save()
            self.stdout.write(f"{username}: created, password {password}")
