"""The app's pages: one small module each, rendering only and calling into ``coach``."""
