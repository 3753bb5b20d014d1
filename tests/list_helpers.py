"""Helpers for reading the public pages in tests: which projects a list shows, in which order,
and the HTML of one element by its id."""

import re
from html.parser import HTMLParser

ROW_LINK = re.compile(r'class="project-row__title"><a href="/projects/([^/"]+)/"')
VOID_ELEMENTS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                 "source", "track", "wbr"}


def html_of(response):
    return response.content.decode()


def listed_slugs(response):
    """The slugs of the projects a list page shows, in its order."""
    return ROW_LINK.findall(html_of(response))


def get_list(client, query="", language=None):
    """GET /projects/?query, as a visitor whose browser asks for `language` if given."""
    extra = {"HTTP_ACCEPT_LANGUAGE": language} if language else {}
    return client.get(f"/projects/?{query}", **extra)


class _ElementFinder(HTMLParser):
    def __init__(self, element_id):
        super().__init__(convert_charrefs=False)
        self.element_id = element_id
        self.depth = 0
        self.parts = []

    def handle_starttag(self, tag, attrs):
        if self.depth == 0 and dict(attrs).get("id") == self.element_id:
            self.depth = 1
            self.parts.append(self.get_starttag_text())
            if tag in VOID_ELEMENTS:
                self.depth = -1
            return
        if self.depth > 0:
            self.parts.append(self.get_starttag_text())
            if tag not in VOID_ELEMENTS:
                self.depth += 1

    def handle_endtag(self, tag):
        if self.depth > 0:
            self.parts.append(f"</{tag}>")
            self.depth -= 1
            if self.depth == 0:
                self.depth = -1

    def handle_data(self, data):
        if self.depth > 0:
            self.parts.append(data)

    def handle_entityref(self, name):
        self.handle_data(f"&{name};")

    def handle_charref(self, name):
        self.handle_data(f"&#{name};")


def element_html(html, element_id):
    """The HTML of the element with `element_id`, its children included; "" when absent."""
    finder = _ElementFinder(element_id)
    finder.feed(html)
    return "".join(finder.parts)


def text_of(html):
    """The text of an HTML fragment as read: tags dropped, white space collapsed, no space
    before a comma or closing bracket nor after an opening one."""
    text = " ".join(re.sub(r"<[^>]+>", " ", html).split())
    return re.sub(r"\(\s+", "(", re.sub(r"\s+([,.;:)])", r"\1", text))
