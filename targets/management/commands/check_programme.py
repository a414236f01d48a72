from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from targets.management.arguments import campaign_of
from targets.overview import build_overview


class Command(BaseCommand):
    help = "Check that a programme is loaded and its progress can be computed; prints a one-line summary."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True)

    def handle(self, *args, year, **options):
        campaign = campaign_of(year)
        overview = build_overview(campaign, 4)
        self.stdout.write(_("%(programme)s: %(themes)s themes, %(indicators)s indicators, %(measures)s measures.") % {
            "programme": campaign, "themes": len(overview.themes), "indicators": len(overview.indicators),
            "measures": len(overview.measures)})
