"""``SanitizeStudentHTML``: the student's content made inert before anyone looks at it.

nbconvert's ``SanitizeHTML`` (bleach) applied in the grader's process to every autograded
notebook, so the formgrader view, the feedback HTML and anything else that renders
``autograded/`` shows the student's markdown, HTML and outputs without running them: scripts,
event-handler attributes, SVG and JavaScript outputs and widget views are removed or escaped.
Locked cells keep their source: nbgrader's ``OverwriteCells`` has already put back the
instructor's own text there; their outputs, produced by the student's kernel, are still cleaned.
"""

from __future__ import annotations

from typing import Any

from nbconvert.preprocessors.sanitize import SanitizeHTML
from nbformat.notebooknode import NotebookNode

SAFE_TAGS = ["a", "abbr", "b", "blockquote", "br", "code", "div", "em", "h1", "h2", "h3", "h4", "h5", "h6",
             "hr", "i", "img", "li", "ol", "p", "pre", "span", "strong", "sub", "sup", "table", "tbody",
             "td", "th", "thead", "tr", "ul", "details", "summary", "figure", "figcaption"]
SAFE_ATTRIBUTES = {"a": ["href", "title"], "img": ["src", "alt", "title", "width", "height"],
                   "abbr": ["title"], "td": ["colspan", "rowspan"], "th": ["colspan", "rowspan"]}


class SanitizeStudentHTML(SanitizeHTML):
    """``SanitizeHTML`` for autograded notebooks (see the module docstring)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if "tags" not in self.config.get("SanitizeStudentHTML", {}):
            self.tags = SAFE_TAGS
        if "attributes" not in self.config.get("SanitizeStudentHTML", {}):
            self.attributes = SAFE_ATTRIBUTES
        self.strip = True  # remove unsafe markup rather than show it escaped

    def preprocess_cell(self, cell: NotebookNode, resources: Any, index: int) -> Any:
        if cell.metadata.get("nbgrader", {}).get("locked") and cell.cell_type in ("markdown", "raw"):
            return cell, resources
        cell.pop("attachments", None)
        if cell.cell_type == "markdown":
            # markdown's own links ([x](javascript:...)) become HTML only when rendered:
            # render first, then clean the HTML (bleach keeps http, https and mailto links)
            from nbconvert.filters.markdown_mistune import markdown2html_mistune

            cell.source = self.sanitize_html_tags(markdown2html_mistune(cell.source))
            return cell, resources
        return super().preprocess_cell(cell, resources, index)
