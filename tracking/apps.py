from django.apps import AppConfig


class TrackingConfig(AppConfig):
    name = "tracking"
    verbose_name = "Time tracking"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in
        from django.db.models.signals import post_save

        from tracking import alerts
        from tracking.middleware import remember_time_zone
        from tracking.models import Project, TimeEntry, budgets
        from tracking.signals import budget_threshold_reached, time_adding

        user_logged_in.connect(remember_time_zone, dispatch_uid="tracking:time_zone")
        post_save.connect(budgets.entry_saved, sender=TimeEntry, dispatch_uid="tracking:budget")
        post_save.connect(
            budgets.project_saved, sender=Project, dispatch_uid="tracking:project_budget"
        )
        time_adding.connect(budgets.refuse_past_hard_limit, dispatch_uid="tracking:hard_limit")
        budget_threshold_reached.connect(
            alerts.mail_after_commit, dispatch_uid="tracking:alert_mail"
        )
