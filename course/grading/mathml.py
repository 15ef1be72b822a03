"""TeX turned into MathML on the grader's machine, so a feedback page shows maths with no
network: no MathJax, no CDN (browsers render MathML natively). Only MathML elements and
presentation attributes survive, so the result is inert whatever the TeX held.

:func:`typeset_html` does it to an HTML fragment (a rendered markdown cell), as MathJax would in
the browser; :func:`typeset_latex` to a ``text/latex`` output.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from typing import Any

MATHML_NS = "http://www.w3.org/1998/Math/MathML"
_MATHML_TAGS = frozenset("""math mrow mi mn mo ms mtext mspace msub msup msubsup mfrac msqrt mroot mstyle
    mtable mtr mtd mlabeledtr munder mover munderover mpadded mphantom menclose merror semantics annotation
    mfenced mmultiscripts mprescripts none maligngroup malignmark""".split())
_MATHML_ATTRS = frozenset("""display stretchy fence form mathvariant displaystyle scriptlevel columnalign
    columnspacing rowspacing rowalign columnlines rowlines frame framespacing width height depth lspace rspace
    accent accentunder movablelimits separator separators largeop symmetric minsize maxsize linethickness
    notation open close encoding voffset align equalrows equalcolumns""".split())
_MATH_RE = re.compile(
    r"(?<!\\)\$\$(?P<dd>.+?)(?<!\\)\$\$"
    r"|\\\[(?P<db>.+?)\\\]"
    r"|\\begin\{(?P<env>[A-Za-z]+\*?)\}(?P<envbody>.+?)\\end\{(?P=env)\}"
    r"|(?<![\\$])\$(?P<d>[^$]+?)(?<!\\)\$"
    r"|\\\((?P<p>.+?)\\\)",
    re.S,
)
_SKIP_TAGS = {"code", "pre", "script", "style", "textarea", "math", "kbd", "samp"}
ET.register_namespace("", MATHML_NS)


def _clean_mathml(element: ET.Element) -> None:
    for child in list(element):
        tag = child.tag.rsplit("}", 1)[-1]
        if tag not in _MATHML_TAGS:
            element.remove(child)
            continue
        for name in list(child.attrib):
            if name.rsplit("}", 1)[-1] not in _MATHML_ATTRS:
                del child.attrib[name]
        _clean_mathml(child)


def tex_to_mathml(tex: str, display: bool = False) -> str | None:
    """MathML for ``tex`` (None when it cannot be converted); only MathML elements and
    presentation attributes survive, so the result is inert whatever the TeX held."""
    from latex2mathml.converter import convert

    try:
        raw = convert(tex.strip(), display="block" if display else "inline")
        root = ET.fromstring(raw)
    except Exception:
        return None
    if root.tag.rsplit("}", 1)[-1] != "math":
        return None
    for name in list(root.attrib):
        if name != "display":
            del root.attrib[name]
    _clean_mathml(root)
    root.set("alttext", " ".join(tex.split())[:500])  # the TeX, for assistive technology
    return ET.tostring(root, encoding="unicode", short_empty_elements=True)


def _typeset_text(text: str) -> list[Any]:
    """Pieces of ``text``: plain strings and ("math", mathml) pairs."""
    pieces: list[Any] = []
    pos = 0
    for m in _MATH_RE.finditer(text):
        if m.group("dd") is not None:
            tex, display = m.group("dd"), True
        elif m.group("db") is not None:
            tex, display = m.group("db"), True
        elif m.group("env") is not None:
            tex, display = m.group(0), True
        elif m.group("d") is not None:
            tex, display = m.group("d"), False
        else:
            tex, display = m.group("p"), False
        mathml = tex_to_mathml(tex, display)
        if mathml is None:
            continue  # left as it was written
        pieces.append(text[pos:m.start()])
        pieces.append(("math", mathml))
        pos = m.end()
    pieces.append(text[pos:])
    return pieces


def typeset_html(fragment: str) -> str:
    """``fragment`` (HTML) with the TeX in its text (``$...$``, ``$$...$$``, ``\\(...\\)``,
    ``\\[...\\]``, ``\\begin{env}...\\end{env}``; not inside code) replaced by MathML, as
    MathJax would typeset it in the browser."""
    if "$" not in fragment and "\\" not in fragment:
        return fragment
    from bs4 import BeautifulSoup, NavigableString

    soup = BeautifulSoup(fragment, "html.parser")
    changed = False
    for node in list(soup.find_all(string=True)):
        if type(node) is not NavigableString:  # comments, CDATA, doctype
            continue
        if any(parent.name in _SKIP_TAGS for parent in node.parents if parent.name):
            continue
        text = str(node)
        if "$" not in text and "\\" not in text:
            continue
        pieces = _typeset_text(text)
        if len(pieces) == 1:
            continue
        changed = True
        for piece in pieces:
            if isinstance(piece, tuple):
                node.insert_before(BeautifulSoup(piece[1], "html.parser"))
            elif piece:
                node.insert_before(NavigableString(piece))
        node.extract()
    return str(soup) if changed else fragment


def typeset_latex(text: str) -> str:
    """A ``text/latex`` output as MathML (escaped text when it cannot be converted)."""
    pieces = _typeset_text(text)
    if len(pieces) == 1:
        stripped = text.strip()
        mathml = tex_to_mathml(stripped, True) if stripped else None
        return mathml if mathml else html.escape(text)
    return "".join(p[1] if isinstance(p, tuple) else html.escape(p) for p in pieces)
