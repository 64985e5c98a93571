"""The dashboard: live view and moderator buttons for the show, history for marketers."""

from bot.web.dashboard.app import create_dashboard_app, dashboard_command

__all__ = ["create_dashboard_app", "dashboard_command"]
