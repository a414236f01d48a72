from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from targets.models import ApiToken


class Command(BaseCommand):
    help = "Issue a personal API token for a user; the key is printed once and only its hash is kept."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="command line")

    def handle(self, *args, username, name, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        _token, key = ApiToken.issue(user, name)
        self.stdout.write(key)
