from django.apps import AppConfig


class ExotelConfig(AppConfig):
    name = "exotel"
    verbose_name = "Exotel"
