"""Rasd (رصد): a media-monitoring alert bot for Telegram."""
