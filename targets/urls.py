from django.contrib.auth import views as auth_views
from django.urls import include, path

from targets.views import api, dashboard, emulation, entry, profile, review, system, templates

urlpatterns = [
    path("", dashboard.home, name="home"),
    path("noi-dung/<int:number>/", dashboard.theme, name="theme"),
    path("chi-tieu/<int:number>/", dashboard.indicator, name="indicator"),
    path("don-vi/<str:code>/", dashboard.unit, name="unit"),
    path("cham-bao-cao/", dashboard.late, name="late"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("healthz", system.healthz, name="healthz"),
    path("ping", system.ping, name="ping"),
    path("exports/", include("targets.export_urls")),
    path("tai-khoan/", profile.profile, name="profile"),
    path("api/v1/progress/", api.progress_view, name="api-progress"),
    path("api/v1/figures/", api.figures_view, name="api-figures"),
    path("api/v1/units/", api.units_view, name="api-units"),
    path("api/v1/measures/", api.measures_view, name="api-measures"),
    path("nhap-so-lieu/", entry.entry, name="entry"),
    path("tham-dinh/", review.queue, name="review"),
    path("bieu-mau/", templates.download, name="template-download"),
    path("tai-len/", templates.upload, name="upload"),
    path("bao-cao/<int:pk>/", review.submission, name="submission"),
    path("bao-cao/<int:pk>/xu-ly/", review.decide, name="submission-decide"),
    path("xep-hang/", emulation.ranking_page, name="ranking"),
    path("xep-hang/don-vi/<str:code>/", emulation.unit_explanation, name="ranking-unit"),
    path("xep-hang/khoa-so/", emulation.close_year, name="ranking-close"),
    path("xep-hang/xep-hang.xlsx", emulation.ranking_export, name="ranking-export"),
    path("diem-thuong-tru/", emulation.adjustments, name="adjustments"),
    path("dang-ky-thi-dua/", emulation.registrations, name="registrations"),
    path("de-nghi-khen-thuong/", emulation.proposals, name="proposals"),
    path("giao-uoc/", emulation.pledges, name="pledges"),
    path("giao-uoc/bieu-mau.xlsx", emulation.pledge_template, name="pledge-template"),
    path("api/v1/ranking/", api.ranking_view, name="api-ranking"),
    # Last: any other address under /api/ answers in JSON, not with the site's HTML page.
    path("api/<path:rest>/", api.not_found),  # with its slash: "/api/v1/progress" is still sent on to "/api/v1/progress/"
]
