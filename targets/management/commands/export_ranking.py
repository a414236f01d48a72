from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from targets import ranking, ranking_xlsx
from targets.management.arguments import campaign_of, file_to_write


class Command(BaseCommand):
    help = "Write the emulation ranking of each bloc and the list of commendation proposals (official layout)."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--lang", choices=["vi", "en"], default="vi")
        parser.add_argument("-o", "--output", required=True, type=file_to_write)

    def handle(self, *args, year, lang, output, **options):
        campaign = campaign_of(year)
        try:
            result = ranking.build_ranking(campaign)
        except ranking.NoScheme as missing:
            raise CommandError(str(missing)) from None
        ranking_xlsx.ranking_workbook(campaign, result, lang=lang).save(output)
        kind = _("Final ranking") if result.final else _("Provisional ranking")
        self.stdout.write(self.style.SUCCESS(_("Wrote %(path)s (%(what)s).") % {"path": output, "what": kind.lower()}))
