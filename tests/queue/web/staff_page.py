"""A staff page (the clerk console, the duty screen, the guide desk) as a person uses it in Chromium."""
from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser import screenshot
from tests.conftest import PASSWORD


class StaffPage:
    def __init__(self, page: Page, base: str, shots: str):
        self.page, self.base, self.shots = page, base, shots

    def shot(self, name: str) -> None:
        screenshot(self.page, f"{self.shots}-{name}")

    def submit_sign_in(self, path: str, username: str, lang: str = "") -> None:
        """Opens the page at `path` and signs in on its form with the test password."""
        self.page.goto(f"{self.base}{path}{'?lang=' + lang if lang else ''}")
        self.page.fill("#username", username)
        self.page.fill("#password", PASSWORD)
        self.page.keyboard.press("Enter")

    def live(self) -> None:
        expect(self.page.locator("#conn")).to_have_class(re.compile(r"\blive\b"))
