from django.apps import AppConfig


class TrackingConfig(AppConfig):
    name = "tracking"
    verbose_name = "Time tracking"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from tracking.middleware import remember_time_zone

        user_logged_in.connect(remember_time_zone, dispatch_uid="tracking:time_zone")
