from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from targets import exports
from targets.management.arguments import campaign_of, file_to_write
from targets.models import Figure


class Command(BaseCommand):
    help = "Write every figure of a year in long format, as xlsx (default) or CSV (UTF-8 with BOM)."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--format", choices=["xlsx", "csv"], default="xlsx")
        parser.add_argument("--lang", choices=["vi", "en"], default="vi")
        parser.add_argument("-o", "--output", required=True, type=file_to_write)

    def handle(self, *args, year, format, lang, output, **options):
        campaign_of(year)
        rows = exports.raw_figures(Figure.objects.filter(submission__campaign__year=year))
        if format == "csv":
            count = -1  # the header line
            with open(output, "w", encoding="utf-8", newline="") as handle:
                for line in exports.raw_csv_lines(rows, lang=lang):
                    handle.write(line)
                    count += 1
        else:
            count = exports.write_raw_xlsx(rows, output, lang=lang)
        self.stdout.write(self.style.SUCCESS(_("Wrote %(count)s figures to %(path)s") % {"count": count, "path": output}))
