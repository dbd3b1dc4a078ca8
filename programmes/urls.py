from django.urls import path

from . import views

app_name = "programmes"

urlpatterns = [
    path("formations/", views.catalogue, name="catalogue"),
    path("programmes/", views.programme_list, name="programme_list"),
    path("programmes/<slug:slug>/", views.programme_detail, name="programme_detail"),
    path("sessions/<int:pk>/", views.session_detail, name="session_detail"),
]
