from django.core.management.base import BaseCommand, CommandError

from targets.models import Campaign
from targets.overview import build_overview


class Command(BaseCommand):
    help = "Check that a programme is loaded and its progress can be computed; prints a one-line summary."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True)

    def handle(self, *args, year, **options):
        campaign = Campaign.objects.filter(year=year).first()
        if campaign is None:
            raise CommandError(f"No programme for {year}.")
        overview = build_overview(campaign, 4)
        self.stdout.write(
            f"{campaign}: {len(overview.themes)} themes, {len(overview.indicators)} indicators, "
            f"{len(overview.measures)} measures."
        )
