from django.urls import path

from targets.views import exports

app_name = "exports"
urlpatterns = [
    path("report.xlsx", exports.report, name="report"),
    path("figures", exports.figures, name="figures"),
]
