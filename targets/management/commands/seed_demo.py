from django.conf import settings
from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError

from targets.demo import DEMO_ADMIN, DEMO_PASSWORD, demo_accounts, seed_demo
from targets.models import Campaign


class Command(BaseCommand):
    help = "Add demo accounts and plausible demo figures (Q1–Q3) to a programme. Demo mode only."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, default=2024)

    def handle(self, *args, year, **options):
        if not settings.DEMO_MODE:
            raise CommandError("seed_demo only runs in demo mode (DEMO_MODE=1): it writes invented figures.")
        campaign = Campaign.objects.filter(year=year).first()
        if campaign is None:
            raise CommandError(f"There is no programme for {year}; load it first with load_programme.")
        # A shell where DEBUG (and so demo mode) was left at its default, pointed at a real
        # database: no superuser with the password printed in the README is planted beside real
        # users. A database seeded before (a developer's, with accounts of their own) is a demo
        # one: its admin still has the demo's password. A real admin may well be named "quantri".
        if User.objects.exists():
            admin = User.objects.filter(username=DEMO_ADMIN).first()
            if admin is None or not admin.check_password(DEMO_PASSWORD):
                raise CommandError(f"This database has accounts ({', '.join(User.objects.order_by('username').values_list('username', flat=True)[:5])}) "
                                   f"and no demo admin with the demo's password: it looks like a real site's, so no demo "
                                   "accounts or invented figures are written to it.")
        created = seed_demo(campaign)
        self.stdout.write(self.style.SUCCESS(
            f"Demo data for {year}: {created['users']} new accounts, {created['reports']} new quarterly reports, "
            f"{created['figures']} new figures."
        ))
        self.stdout.write(f"Demo accounts (password {DEMO_PASSWORD}):")
        for username, role, unit in demo_accounts(campaign):
            self.stdout.write(f"  {username:<20} {role:<9} {unit}")
