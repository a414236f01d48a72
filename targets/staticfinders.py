"""Static file finders that answer "not found" for paths leaving the static folders.

Django's development server (`make run`) and the test live server serve /static/ through these
finders; Django's own raise SuspiciousFileOperation for /static/../manage.py, which that server
turns into a 500 instead of a 404."""

from django.contrib.staticfiles import finders
from django.core.exceptions import SuspiciousFileOperation


class _Contained:
    def find(self, path, *args, **kwargs):
        try:
            return super().find(path, *args, **kwargs)
        except SuspiciousFileOperation:
            return []  # what Django's finders answer for "nothing here", with or without find_all


class FileSystemFinder(_Contained, finders.FileSystemFinder):
    pass


class AppDirectoriesFinder(_Contained, finders.AppDirectoriesFinder):
    pass
