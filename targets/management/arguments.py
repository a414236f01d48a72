"""What the commands share: a file to read and a file to write, checked when the command line is
read, so that a mistyped path is a one-line error, not a Python traceback halfway through; and the
programme of a year. Messages are in the site's language (LANGUAGE_CODE), as the pages are."""

import argparse
from pathlib import Path

from django.core.management.base import CommandError
from django.utils.translation import gettext as _


def file_to_read(text: str) -> Path:
    path = Path(text)
    if not path.is_file():
        raise argparse.ArgumentTypeError((_("%(path)s: no such file") if not path.exists() else _("%(path)s is a folder, not a file"))
                                         % {"path": text})
    return path


def file_to_write(text: str) -> Path:
    path = Path(text)
    if path.is_dir():
        raise argparse.ArgumentTypeError(_("%(path)s is a folder; name the file to write") % {"path": text})
    if not path.parent.is_dir():
        raise argparse.ArgumentTypeError(_("%(path)s: no such folder") % {"path": path.parent})
    return path


def campaign_of(year: int):
    """The programme of `year`, or the error that says there is none."""
    from targets.models import Campaign

    campaign = Campaign.objects.filter(year=year).first()
    if campaign is None:
        raise CommandError(_("There is no programme for %(year)s.") % {"year": year})
    return campaign


def wrote(path) -> str:
    return _("Wrote %(path)s") % {"path": path}
