"""Dash web app for clients, clinicians, researchers and admins."""
