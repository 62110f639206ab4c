"""Render the default email templates with sample orders and screenshot them in headless Chromium.

    .venv/bin/python docs/email-previews/render_previews.py          # writes the PNGs beside it

Uses the production renderer (`EmailRenderer`) over the repository's templates/email/, so what
you see is what SES would send. Needs `chromium` on PATH for the screenshots.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from jinja2 import FileSystemLoader

from bbws.notifications.logic.context import template_context
from bbws.notifications.logic.rendering import EmailRenderer
from bbws.notifications.models.emails import EmailTemplate

ROOT = Path(__file__).resolve().parents[2]
OUT = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Line:
    product_id: str
    product_name: str
    quantity: int
    unit_price: Decimal
    total_price: Decimal


@dataclass(frozen=True)
class SampleOrder:
    order_id: str = "e8124b62-0afa-4dd3-b12e-db818be6d898"
    tenant_id: str | None = "ten-4b1e0d"
    customer_email: str = "thandi@acme-plumbing.co.za"
    customer_id: str | None = "cus-0192"
    status: str = "CREATED"
    currency: str = "ZAR"
    items: tuple[Line, ...] = (
        Line("website-business", "Business Website", 1, Decimal("12500.00"), Decimal("12500.00")),
        Line("hosting-standard", "Standard Hosting (monthly)", 3, Decimal("349.00"), Decimal("1047.00")),
        Line("domain-coza", "Domain registration (.co.za)", 1, Decimal("99.00"), Decimal("99.00")),
    )
    subtotal: Decimal | None = Decimal("13646.00")
    discount: Decimal | None = Decimal("1364.60")
    campaign_code: str | None = "LAUNCH10"
    total_amount: Decimal = Decimal("12281.40")
    created_at: str = "2026-01-02T21:00:00Z"


def screenshot(chromium: str, page: Path, target: Path, window: str, profile: Path) -> None:
    subprocess.run(  # noqa: S603 - fixed arguments, local file
        [
            chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--hide-scrollbars", f"--user-data-dir={profile}", f"--screenshot={target}",
            f"--window-size={window}", page.as_uri(),
        ],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip


def main() -> int:
    renderer = EmailRenderer(FileSystemLoader(ROOT / "templates" / "email"))
    context = template_context(SampleOrder(), support_email="orders@bbws.co.za")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    with tempfile.TemporaryDirectory() as scratch:
        for template in EmailTemplate:
            email = renderer.render(template, context)
            page = Path(scratch) / f"{template}.html"
            page.write_text(email.html, encoding="utf-8")
            (OUT / f"{template}.txt").write_text(f"Subject: {email.subject}\n\n{email.text}", encoding="utf-8")
            if chromium is None:
                print("chromium not found: wrote the text parts only", file=sys.stderr)
                continue
            screenshot(chromium, page, OUT / f"{template}.png", "700,1100", Path(scratch) / f"p-{template}")
            print(f"{template}: {email.subject}")
        if chromium is not None:
            # A phone-sized view of one email: the small-screen rules of _layout.html at work.
            page = Path(scratch) / f"{EmailTemplate.CUSTOMER_CONFIRMATION}.html"
            screenshot(chromium, page, OUT / "customer_confirmation-mobile.png", "390,1100", Path(scratch) / "p-m")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
