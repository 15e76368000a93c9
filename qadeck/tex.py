"""Math: TeX that must never reach MathJax (``$…$`` / ``$$…$$`` become Anki's MathJax delimiters in
markdown_render, so the loader and the sanitiser use this module without loading Markdown).

Anki's MathJax (3.x, no ``safe`` extension; its config loads ``autoload``, ``require`` and
``newcommand``) turns ``\\href{javascript:…}{x}`` into a live link and ``\\class``/``\\style``/
``\\cssId``/``\\data``/``\\unicode`` into markup or CSS. So every field's text is checked with an
allow-list: a TeX command (``\\`` + letters) that is not on :data:`ALLOWED` loses its backslash's
power -- the backslash becomes U+2216 (∖), which reads the same and which MathJax shows as a symbol.

Where that applies: all prose text, whatever the delimiters (MathJax joins text across ``<br>``,
and Anki strips tags inside ``\\(…\\)`` of cloze fields before MathJax sees them, so a command can
also be glued together from pieces; the check reads the text with tags removed). Code (``<code>``,
``<pre>``) is left exactly as written, since MathJax skips it -- except inside ``\\(…\\)``/``\\[…\\]``
regions of that tag-less text, where Anki's cloze filter would hand it to MathJax.
"""
from __future__ import annotations

import bisect
import re
from html import unescape

from .htmltree import escape_text

# --- The allow-list -------------------------------------------------------------------------

ALLOWED = frozenset("""
alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa varkappa lambda mu nu xi
omicron pi varpi rho varrho sigma varsigma tau upsilon phi varphi chi psi omega
Gamma Delta Theta Lambda Xi Pi Sigma Upsilon Phi Psi Omega
varGamma varDelta varTheta varLambda varXi varPi varSigma varUpsilon varPhi varPsi varOmega
frac dfrac tfrac cfrac binom dbinom tbinom sqrt root of over choose atop
left right middle big Big bigg Bigg bigl bigr Bigl Bigr biggl biggr Biggl Biggr
sum prod coprod int iint iiint oint bigcup bigcap bigsqcup bigoplus bigotimes bigodot biguplus bigvee bigwedge
lim limsup liminf max min sup inf arg det dim exp gcd deg hom ker Pr log ln lg
sin cos tan cot sec csc arcsin arccos arctan sinh cosh tanh coth
operatorname mathop mathbin mathrel mathord mathopen mathclose mathpunct mathinner limits nolimits
displaystyle textstyle scriptstyle scriptscriptstyle
mathrm mathbf mathit mathsf mathtt mathcal mathbb mathfrak mathscr mathnormal boldsymbol
text textrm textbf textit textsf texttt textup textnormal mbox
hat widehat bar overline underline vec tilde widetilde dot ddot dddot breve check acute grave mathring
overrightarrow overleftarrow overleftrightarrow underrightarrow underleftarrow
overbrace underbrace overset underset stackrel xrightarrow xleftarrow boxed cancel bcancel xcancel
quad qquad enspace thinspace negthinspace hspace kern mkern mskip phantom hphantom vphantom smash
pm mp times div cdot ast star circ bullet oplus ominus otimes oslash odot dagger ddagger amalg
cup cap sqcup sqcap uplus wedge vee land lor lnot neg setminus smallsetminus wr diamond triangleleft triangleright
le leq ge geq ne neq lt gt leqslant geqslant ll gg lll ggg approx approxeq sim simeq cong equiv propto
prec succ preceq succeq perp parallel nparallel mid nmid asymp doteq models vdash dashv
in notin ni subset subseteq subsetneq supset supseteq supsetneq sqsubseteq sqsupseteq not
to gets rightarrow leftarrow Rightarrow Leftarrow leftrightarrow Leftrightarrow longrightarrow longleftarrow
Longrightarrow Longleftarrow longleftrightarrow Longleftrightarrow mapsto longmapsto implies impliedby iff
uparrow downarrow Uparrow Downarrow updownarrow nearrow searrow swarrow nwarrow hookrightarrow hookleftarrow
rightharpoonup rightleftharpoons leadsto
forall exists nexists emptyset varnothing infty partial nabla prime backprime hbar hslash ell wp Re Im aleph beth
angle measuredangle triangle square blacksquare top bot checkmark therefore because
dots ldots cdots vdots ddots dotsc dotsb dotsm
langle rangle lceil rceil lfloor rfloor lvert rvert lVert rVert vert Vert backslash lbrace rbrace lbrack rbrack
begin end cr hline hdashline substack displaylines tag notag nonumber
matrix pmatrix bmatrix Bmatrix vmatrix Vmatrix smallmatrix cases
mod bmod pmod pod
intercal colon cdotp triangleq coloneqq eqqcolon leqq geqq lesssim gtrsim nsim ncong nleq ngeq nless ngtr
imath jmath surd flat sharp natural
ce pu
""".split())

_NAME = re.compile(r"\\([A-Za-z]+)")
_MATH_REGION = re.compile(r"\\[(\[].*?\\[)\]]", re.S)
NEUTRAL_BACKSLASH = "\u2216"  # SET MINUS: looks like "\", means nothing to TeX


def neutralise_text(text: str) -> str:
    """Plain text with every non-allowed TeX command's backslash replaced (see module doc)."""
    if "\\" not in text:
        return text
    return _NAME.sub(lambda m: m.group(0) if m.group(1) in ALLOWED else NEUTRAL_BACKSLASH + m.group(1), text)


# A tag in nh3's output: html5ever writes every attribute value in double quotes and escapes "<",
# ">" and "&" in text, so outside quotes "<" and ">" only ever delimit tags. That canonical form is
# why a tokenizer suffices here (5-10x faster than html.parser); guard never sees unsanitised HTML.
_TAG = re.compile(r'<(/?)([A-Za-z][A-Za-z0-9]*)[^">]*(?:"[^"]*"[^">]*)*>')


def _pieces(html: str) -> tuple[list[tuple[str, str, bool]], bool]:
    """Sanitised HTML as ("tag"|"text", value, in_code) pieces: tags as written (a backslash in an
    attribute replaced, since Anki looks for "\\(" in the raw HTML, attributes included), text
    unescaped; and whether an attribute had to change."""
    pieces: list[tuple[str, str, bool]] = []
    depth, changed, pos = 0, False, 0
    for m in _TAG.finditer(html):
        if m.start() > pos:
            pieces.append(("text", unescape(html[pos:m.start()]), depth > 0))
        tag, closing, name = m.group(0), m.group(1), m.group(2).lower()
        if "\\" in tag:
            tag, changed = tag.replace("\\", "%5C"), True
        pieces.append(("tag", tag, False))
        if name in ("code", "pre"):
            depth = max(depth - 1, 0) if closing else depth + 1
        pos = m.end()
    if pos < len(html):
        pieces.append(("text", unescape(html[pos:]), depth > 0))
    return pieces, changed


def guard(html: str, transparent: str = "") -> str:
    """Sanitised HTML with every TeX command that is not allow-listed neutralised (see module doc).

    ``transparent``: a regex of text (cloze placeholders) that Anki removes before MathJax runs,
    so it must not separate the letters of a command name.
    """
    if "\\" not in html:
        return html
    pieces, tags_changed = _pieces(html)
    skip = re.compile(transparent) if transparent else None
    # The text as Anki's cloze filter and MathJax may read it: tags and placeholders removed.
    parts, starts, maps, total = [], [], {}, 0
    for i, (kind, value, _code) in enumerate(pieces):
        if kind != "text":
            continue
        if skip is not None and skip.search(value):
            spans = [m.span() for m in skip.finditer(value)]
            kept = [k for k in range(len(value)) if not any(a <= k < b for a, b in spans)]
            maps[i] = kept
            value = "".join(value[k] for k in kept)
        starts.append((total, i))
        parts.append(value)
        total += len(value)
    flat = "".join(parts)
    math = [(m.start(), m.end()) for m in _MATH_REGION.finditer(flat)]
    changes: dict[int, set[int]] = {}
    for m in _NAME.finditer(flat):
        if m.group(1) in ALLOWED:
            continue
        at = m.start()
        offset, piece = starts[bisect.bisect_right(starts, (at, len(pieces))) - 1]
        if pieces[piece][2] and not any(a <= at < b for a, b in math):
            continue  # code outside math: MathJax skips it, and code stays as written
        k = at - offset
        changes.setdefault(piece, set()).add(maps[piece][k] if piece in maps else k)
    if not changes and not tags_changed:
        return html
    out = []
    for i, (kind, value, _code) in enumerate(pieces):
        if kind == "tag":
            out.append(value)
            continue
        if i in changes:
            value = "".join(NEUTRAL_BACKSLASH if k in changes[i] else c for k, c in enumerate(value))
        out.append(escape_text(value))
    return "".join(out)
