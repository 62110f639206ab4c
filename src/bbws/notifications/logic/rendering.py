"""Rendering an email from its three templates: HTML (autoescaped), plain text and subject.

Templates are edited by people in S3, so the environment is Jinja2's immutable sandbox (a
template cannot reach Python internals or mutate the context), undefined names are errors
(StrictUndefined: a typo fails loudly instead of mailing a blank), and only `.html` templates
are autoescaped: the text part and the subject are not HTML, and escaping them would show
`&amp;` to the reader.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jinja2 import BaseLoader, StrictUndefined, TemplateError, TemplateNotFound, select_autoescape
from jinja2.sandbox import ImmutableSandboxedEnvironment

from bbws.notifications.errors import TemplateBroken, TemplateMissing
from bbws.notifications.logic.headers import validate_subject
from bbws.notifications.models.emails import EmailTemplate, RenderedEmail


def template_files(template: EmailTemplate | str) -> tuple[str, str, str]:
    """The file names of an email's HTML part, text part and subject line."""
    return f"{template}.html", f"{template}.txt", f"{template}.subject.txt"


def build_environment(loader: BaseLoader) -> ImmutableSandboxedEnvironment:
    return ImmutableSandboxedEnvironment(
        loader=loader,
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False, default=False),
        undefined=StrictUndefined,
        # Compiled templates are cached by Jinja; `auto_reload` asks the loader's `uptodate`
        # on every use, which is where the loader's TTL takes effect.
        auto_reload=True,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


class EmailRenderer:
    """Renders the three parts of an email with one Jinja2 environment."""

    def __init__(self, loader: BaseLoader) -> None:
        self.environment = build_environment(loader)

    def _render(self, name: str, context: Mapping[str, Any]) -> str:
        try:
            return self.environment.get_template(name).render(context)
        except TemplateNotFound as exc:
            raise TemplateMissing(f"template {exc.name} is not in the templates bucket") from exc
        except TemplateError as exc:  # syntax errors, undefined names, sandbox violations
            raise TemplateBroken(f"template {name} cannot be rendered: {exc}") from exc

    def render(self, template: EmailTemplate | str, context: Mapping[str, Any]) -> RenderedEmail:
        html_name, text_name, subject_name = template_files(template)
        return RenderedEmail(
            subject=validate_subject(self._render(subject_name, context)),
            html=self._render(html_name, context),
            text=self._render(text_name, context),
        )
