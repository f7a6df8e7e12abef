"""Render jobs arrive with the render issue; the app is registered now so its migrations start clean."""

from __future__ import annotations
