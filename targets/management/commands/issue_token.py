import datetime

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from targets.models import ApiToken


class Command(BaseCommand):
    help = "Issue a personal API token for a user; the key is printed once and only its hash is kept."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="command line")
        parser.add_argument("--days", type=int, default=ApiToken.LIFETIME.days, help="how long the token works (default a year)")

    def handle(self, *args, username, name, days, **options):
        if not 1 <= days <= 5 * 365:
            raise CommandError(_("--days must be between 1 and %(most)s.") % {"most": 5 * 365})
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(_("No user named %(name)s.") % {"name": repr(username)})
        _token, key = ApiToken.issue(user, name, expires_at=timezone.now() + datetime.timedelta(days=days))
        self.stdout.write(key)
