"""Rendering: autoescaped HTML, literal text, strict variables, one-line subjects."""

from __future__ import annotations

from typing import Any

import pytest
from jinja2 import DictLoader

from bbws.notifications.errors import InvalidHeader, TemplateBroken, TemplateMissing
from bbws.notifications.logic.rendering import EmailRenderer, template_files

TEMPLATES = {
    "hello.html": "<p>{{ name }}</p>",
    "hello.txt": "Hello {{ name }}\n",
    "hello.subject.txt": "Hi {{ name }}\n",
}


def renderer(**overrides: str) -> EmailRenderer:
    return EmailRenderer(DictLoader({**TEMPLATES, **overrides}))


def test_html_part_escapes_a_script_in_a_product_name() -> None:
    # Given a product whose name is markup
    name = "<script>alert(1)</script>"
    # When the email is rendered
    email = renderer().render("hello", {"name": name})
    # Then the HTML part shows it as text, never as markup
    assert email.html == "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"


def test_text_part_and_subject_are_not_html_escaped() -> None:
    email = renderer().render("hello", {"name": "Tom & Jerry <tj@example.com>"})
    assert email.text == "Hello Tom & Jerry <tj@example.com>\n"
    assert email.subject == "Hi Tom & Jerry <tj@example.com>"


def test_an_undefined_variable_is_an_error_not_a_blank() -> None:
    with pytest.raises(TemplateBroken, match="nmae"):
        renderer(**{"hello.html": "<p>{{ nmae }}</p>"}).render("hello", {"name": "x"})


def test_an_undefined_attribute_is_an_error_too() -> None:
    with pytest.raises(TemplateBroken):
        renderer(**{"hello.txt": "{{ order.missing }}"}).render("hello", {"name": "x", "order": {}})


@pytest.mark.parametrize("injected", ["Hi\r\nBcc: victim@example.com", "Hi\nthere", "Hi\rthere"])
def test_a_subject_with_a_line_break_is_refused(injected: str) -> None:
    # Given a subject template whose value carries a line break (header injection)
    with pytest.raises(InvalidHeader, match="line break"):
        renderer().render("hello", {"name": injected})


def test_a_missing_template_file_is_reported_by_name() -> None:
    loader_without_text = {k: v for k, v in TEMPLATES.items() if k != "hello.txt"}
    with pytest.raises(TemplateMissing, match=r"hello\.txt"):
        EmailRenderer(DictLoader(loader_without_text)).render("hello", {"name": "x"})


def test_a_template_with_a_syntax_error_is_broken() -> None:
    with pytest.raises(TemplateBroken):
        renderer(**{"hello.html": "{% if %}"}).render("hello", {"name": "x"})


def test_templates_cannot_reach_python_internals() -> None:
    # S3 templates are edited by people: the sandbox keeps them away from the interpreter.
    probe = "{{ name.__class__.__mro__[1].__subclasses__() }}"
    with pytest.raises(TemplateBroken):
        renderer(**{"hello.txt": probe}).render("hello", {"name": "x"})


def test_templates_cannot_mutate_the_context() -> None:
    context: dict[str, Any] = {"name": "x", "lines": [1]}
    with pytest.raises(TemplateBroken):
        renderer(**{"hello.txt": "{{ lines.append(2) }}"}).render("hello", context)
    assert context["lines"] == [1]


def test_each_email_has_an_html_a_text_and_a_subject_file() -> None:
    assert template_files("order_receipt") == (
        "order_receipt.html",
        "order_receipt.txt",
        "order_receipt.subject.txt",
    )
