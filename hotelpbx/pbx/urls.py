from django.urls import path

app_name = "pbx"

urlpatterns: list = []
