from django.core.management.base import BaseCommand, CommandError

from targets import ranking, ranking_xlsx
from targets.management.arguments import file_to_write
from targets.models import Campaign


class Command(BaseCommand):
    help = "Write the emulation ranking of each bloc and the list of commendation proposals (official layout)."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--lang", choices=["vi", "en"], default="vi")
        parser.add_argument("-o", "--output", required=True, type=file_to_write)

    def handle(self, *args, year, lang, output, **options):
        campaign = Campaign.objects.filter(year=year).first()
        if campaign is None:
            raise CommandError(f"There is no programme for {year}.")
        try:
            result = ranking.build_ranking(campaign)
        except ranking.NoScheme as missing:
            raise CommandError(str(missing)) from None
        ranking_xlsx.ranking_workbook(campaign, result, lang=lang).save(output)
        kind = "final" if result.final else "provisional"
        self.stdout.write(self.style.SUCCESS(f"Wrote {output} ({kind} ranking)."))
