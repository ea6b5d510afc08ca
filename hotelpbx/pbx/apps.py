from django.apps import AppConfig


class PbxConfig(AppConfig):
    name = "hotelpbx.pbx"
    label = "pbx"
    verbose_name = "Yeastar PBX link"
