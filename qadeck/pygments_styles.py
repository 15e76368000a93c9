"""Pygments styles for cards: GitHub-like colours with every token at least 4.5:1 (WCAG AA)
against its code background. ``templates/pygments.yaml`` picks them as
``qadeck.pygments_styles:QadeckLight`` / ``qadeck.pygments_styles:QadeckDark``;
``tests/test_contrast.py`` checks the ratios.

Both styles style the same token types, so switching a card to night mode never leaves a light
colour behind (``notetype.pygments_css`` also resets anything the night style leaves unset).
Comments stay upright: browsers fake italics for Chinese, which makes CJK comments hard to read.
"""
from __future__ import annotations

from pygments.style import Style
from pygments.token import (Comment, Error, Generic, Keyword, Name, Number, Operator, Punctuation,
                            String, Text, Token)


class QadeckLight(Style):
    """Light code on a soft grey panel (worst token contrast ≈ 5.0:1, keywords)."""

    name = "qadeck-light"
    background_color = "#f6f8fa"
    highlight_color = "#fff8c5"

    styles = {
        Token: "#1f2328",
        Text.Whitespace: "#1f2328",
        Comment: "#57606a",
        Comment.Preproc: "#cf222e",
        Comment.Special: "#57606a",
        Keyword: "#cf222e",
        Keyword.Constant: "#0550ae",
        Keyword.Type: "#953800",
        Operator: "#1f2328",
        Operator.Word: "#cf222e",
        Punctuation: "#1f2328",
        Name: "#1f2328",
        Name.Builtin: "#6639ba",
        Name.Builtin.Pseudo: "#953800",
        Name.Function: "#6639ba",
        Name.Function.Magic: "#6639ba",
        Name.Class: "#953800",
        Name.Exception: "#953800",
        Name.Namespace: "#953800",
        Name.Decorator: "#6639ba",
        Name.Constant: "#0550ae",
        Name.Variable: "#953800",
        Name.Attribute: "#0550ae",
        Name.Tag: "#116329",
        Name.Label: "#0550ae",
        String: "#0a3069",
        String.Doc: "#0a3069",
        String.Escape: "#0550ae",
        String.Interpol: "#0550ae",
        String.Regex: "#116329",
        Number: "#0550ae",
        Generic.Deleted: "#82071e bg:#ffebe9",
        Generic.Inserted: "#116329 bg:#dafbe1",
        Generic.Heading: "bold #0550ae",
        Generic.Subheading: "bold #0550ae",
        Generic.Emph: "italic",
        Generic.Strong: "bold",
        Generic.EmphStrong: "bold italic",
        Generic.Prompt: "#57606a",
        Generic.Output: "#57606a",
        Generic.Error: "#82071e",
        Generic.Traceback: "#82071e",
        Error: "#82071e bg:#ffebe9",
    }


class QadeckDark(Style):
    """Light-on-dark code for night mode (worst token contrast ≈ 6.9:1, keywords)."""

    name = "qadeck-dark"
    background_color = "#161b22"
    highlight_color = "#3a3320"

    styles = {
        Token: "#e6edf3",
        Text.Whitespace: "#e6edf3",
        Comment: "#9ea7b3",
        Comment.Preproc: "#ff7b72",
        Comment.Special: "#9ea7b3",
        Keyword: "#ff7b72",
        Keyword.Constant: "#79c0ff",
        Keyword.Type: "#ffa657",
        Operator: "#e6edf3",
        Operator.Word: "#ff7b72",
        Punctuation: "#e6edf3",
        Name: "#e6edf3",
        Name.Builtin: "#d2a8ff",
        Name.Builtin.Pseudo: "#ffa657",
        Name.Function: "#d2a8ff",
        Name.Function.Magic: "#d2a8ff",
        Name.Class: "#ffa657",
        Name.Exception: "#ffa657",
        Name.Namespace: "#ffa657",
        Name.Decorator: "#d2a8ff",
        Name.Constant: "#79c0ff",
        Name.Variable: "#ffa657",
        Name.Attribute: "#79c0ff",
        Name.Tag: "#7ee787",
        Name.Label: "#79c0ff",
        String: "#a5d6ff",
        String.Doc: "#a5d6ff",
        String.Escape: "#79c0ff",
        String.Interpol: "#79c0ff",
        String.Regex: "#7ee787",
        Number: "#79c0ff",
        Generic.Deleted: "#ffdcd7 bg:#67060c",
        Generic.Inserted: "#aff5b4 bg:#033a16",
        Generic.Heading: "bold #79c0ff",
        Generic.Subheading: "bold #79c0ff",
        Generic.Emph: "italic",
        Generic.Strong: "bold",
        Generic.EmphStrong: "bold italic",
        Generic.Prompt: "#9ea7b3",
        Generic.Output: "#9ea7b3",
        Generic.Error: "#ffa198",
        Generic.Traceback: "#ffa198",
        Error: "#ffa198 bg:#490202",
    }
