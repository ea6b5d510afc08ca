from django.apps import AppConfig


class WakeupConfig(AppConfig):
    name = "wakeup"
    verbose_name = "Wake-up calls"
