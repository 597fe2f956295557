"""A hand-written parser for Windows PowerShell 5.1 (replaces tree-sitter-powershell).

PowerShell cannot be tokenized ahead of parsing: the same characters are read differently in
*expression mode* (``8GB / 1GB``, ``$a -eq 'x'``) and in *argument mode* (``Get-Service -Name
WinRM,vmms``, ``Test-Path $d\\System32``), and the parser decides the mode from what it has seen
(PowerShell Language Specification 3.0, sections 2.3 and 8.2; PowerShell's own
``engine/parser/tokenizer.cs`` and ``Parser.cs`` work the same way). So this is a recursive-descent
parser that scans characters directly, asking for a token in the mode it needs.

The nodes it builds have the interface the interpreter walks (``type``, ``children``, named
fields through ``child_by_field_name``, ``text`` as bytes, ``start_point``), with the node type
names of the grammar the interpreter was first written against, so ``interp.py`` stays readable.
Syntax errors raise :class:`ParseError` with Windows' ErrorId and message (ParserStrings.resx in
the PowerShell repository) and the position PowerShell reports.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable
from typing import Any

# --------------------------------------------------------------------------- nodes


class SourceText:
    """The text being parsed and its line starts (for line/column positions)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.line_starts = [0] + [m.end() for m in re.finditer(r"\r\n|\n|\r(?!\n)", text)]

    def point(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.line_starts, offset) - 1
        return line, offset - self.line_starts[line]


class Node:
    """One syntax node (anonymous nodes are the punctuation and keywords between named ones)."""

    __slots__ = ("type", "children", "fields", "src", "start", "end", "is_named", "value", "parts", "extra")

    has_error = False
    is_missing = False

    def __init__(self, type_: str, src: SourceText, start: int, end: int, children: list[Node] | None = None,
                 fields: dict[str, Node] | None = None, named: bool = True) -> None:
        self.type = type_
        self.src = src
        self.start = start
        self.end = end
        self.children = children or []
        self.fields = fields or {}
        self.is_named = named
        self.value: Any = None
        self.parts: list[Any] | None = None
        self.extra: dict[str, Any] = {}

    @property
    def text(self) -> bytes:
        return self.src.text[self.start:self.end].encode("utf-8")

    @property
    def str_text(self) -> str:
        return self.src.text[self.start:self.end]

    @property
    def start_point(self) -> tuple[int, int]:
        return self.src.point(self.start)

    @property
    def end_point(self) -> tuple[int, int]:
        return self.src.point(self.end)

    @property
    def start_byte(self) -> int:
        return self.start

    @property
    def end_byte(self) -> int:
        return self.end

    @property
    def child_count(self) -> int:
        return len(self.children)

    def child_by_field_name(self, name: str) -> Node | None:
        return self.fields.get(name)

    def __repr__(self) -> str:
        return f"Node({self.type!r}, {self.str_text[:40]!r})"


class ParseError(Exception):
    """A syntax error as PowerShell reports it (ParseException, category ParserError)."""

    def __init__(self, error_id: str, message: str, src: SourceText, offset: int, length: int = 1) -> None:
        super().__init__(message)
        self.error_id = error_id
        self.message = message
        line, col = src.point(min(offset, len(src.text)))
        self.line = line + 1
        self.column = col + 1
        lines = src.text.splitlines()
        self.line_text = lines[line] if line < len(lines) else ""
        self.length = max(1, length)


# --------------------------------------------------------------------------- character classes

_DASHES = "-\u2013\u2014\u2015"
_SQUOTES = "'\u2018\u2019\u201a\u201b"
_DQUOTES = '"\u201c\u201d\u201e'
_WS = " \t\f\v\u00a0\ufeff"
_NL = "\r\n"
# characters that end a generic (bare word) token in argument mode
_ARG_STOP = set(_WS + _NL + ";|&(){},<>") | {""}
_KEYWORDS = {"if", "elseif", "else", "switch", "foreach", "for", "while", "do", "until", "try", "catch", "finally",
             "trap", "function", "filter", "workflow", "configuration", "break", "continue", "return", "exit",
             "throw", "param", "begin", "process", "end", "dynamicparam", "class", "enum", "data", "using",
             "in", "inlinescript", "parallel", "sequence", "define", "from", "var", "hidden", "static"}
_COMPARISON = {"eq", "ne", "gt", "ge", "lt", "le", "like", "notlike", "match", "notmatch", "contains",
               "notcontains", "in", "notin", "replace", "split"}
_COMPARISON_ALL = ({p + o for o in _COMPARISON for p in ("", "i", "c")}
                   | {"is", "isnot", "as", "join", "shl", "shr"})
_BITWISE = {"band", "bor", "bxor"}
_LOGICAL = {"and", "or", "xor"}
_UNARY_WORDS = {"not", "bnot", "split", "join", "isplit", "csplit"}
# the characters a binary operator can start with (a dash, + * / %, the .. of a range): anything else
# after an operand ends the expression at every precedence level at once
_BINARY_STARTS = frozenset(_DASHES + "+*/%.")
_NUMBER_RE = re.compile(
    r"(?:0[xX](?P<hex>[0-9a-fA-F]+)|(?P<dec>(?:\d+\.\d+|\d+\.(?![.\w])|\.\d+|\d+)(?:[eE][+-]?\d+)?))"
    r"(?P<suffix>[lLdD])?(?P<mult>[kKmMgGtTpP][bB])?")
_MULT = {"kb": 1024, "mb": 1024**2, "gb": 1024**3, "tb": 1024**4, "pb": 1024**5}
_REDIR_RE = re.compile(r"(?:[1-6*])?>>?(?:&[12])?")


def _is_name_char(c: str) -> bool:
    return c.isalnum() or c == "_"


class Parser:
    """One parse of one script text (see the module docstring)."""

    def __init__(self, text: str) -> None:
        self.s = text
        self.src = SourceText(text)
        self.pos = 0
        self.n = len(text)

    # ------------------------------------------------------------ helpers
    def peek(self, k: int = 0) -> str:
        i = self.pos + k
        return self.s[i] if i < self.n else ""

    def eof(self) -> bool:
        return self.pos >= self.n

    def error(self, error_id: str, message: str, offset: int | None = None, length: int = 1) -> ParseError:
        return ParseError(error_id, message, self.src, self.pos if offset is None else offset, length)

    def node(self, type_: str, start: int, children: list[Node] | None = None, fields: dict[str, Node] | None = None,
             end: int | None = None) -> Node:
        return Node(type_, self.src, start, self.pos if end is None else end, children, fields)

    def anon(self, text: str, start: int | None = None, type_: str | None = None) -> Node:
        s = self.pos - len(text) if start is None else start
        return Node(type_ or text, self.src, s, s + len(text), named=False)

    def skip_ws(self, newlines: bool = False) -> bool:
        """Skip blanks, comments and line continuations (and line breaks if ``newlines``)."""
        start = self.pos
        while self.pos < self.n:
            c = self.s[self.pos]
            if c in _WS:
                self.pos += 1
            elif c == "`" and self.peek(1) in _NL and self.peek(1) != "":
                self.pos += 2
                if self.s[self.pos - 1] == "\r" and self.peek() == "\n":
                    self.pos += 1
            elif c == "#":
                while self.pos < self.n and self.s[self.pos] not in _NL:
                    self.pos += 1
            elif c == "<" and self.peek(1) == "#":
                end = self.s.find("#>", self.pos + 2)
                if end < 0:
                    raise self.error("MissingEndMultiLineComment", "The terminator '#>' is missing from the multiline comment.",
                                     self.n)
                self.pos = end + 2
            elif newlines and c in _NL:
                self.pos += 1
            else:
                break
        return self.pos > start

    def skip_ws_nl(self) -> None:
        self.skip_ws(newlines=True)

    def skip_separators(self) -> None:
        while True:
            self.skip_ws(newlines=True)
            if self.peek() == ";":
                self.pos += 1
                continue
            break

    def word_at(self, pos: int | None = None) -> str:
        """The bare word at ``pos`` (for keyword checks)."""
        i = self.pos if pos is None else pos
        j = i
        while j < self.n and (_is_name_char(self.s[j]) or self.s[j] in "-"):
            j += 1
        return self.s[i:j]

    def keyword(self) -> str | None:
        w = self.word_at()
        if not w or w.lower() not in _KEYWORDS:
            return None
        nxt = self.peek(len(w))
        if nxt and nxt not in _WS + _NL + "({;})" and nxt != "#":
            return None
        return w.lower()

    def take_keyword(self, kw: str) -> Node:
        start = self.pos
        self.pos += len(kw)
        return Node(kw, self.src, start, self.pos, named=False)

    def expect(self, ch: str, error_id: str, message: str, offset: int | None = None) -> Node:
        if self.peek() != ch:
            raise self.error(error_id, message, offset)
        self.pos += 1
        return self.anon(ch)

    def at_statement_end(self) -> bool:
        c = self.peek()
        return c == "" or c in _NL or c in ";)}"

    # ------------------------------------------------------------ script and blocks
    def parse_script(self) -> Node:
        root = self.parse_block_body(0, end="")
        if not self.eof():
            c = self.peek()
            raise self.error("UnexpectedToken", f"Unexpected token '{c}' in expression or statement.")
        root.type = "program"
        return root

    def parse_block_body(self, start: int, end: str) -> Node:
        """``[attributes] [param(...)]`` then named blocks or statements, up to ``end`` (not consumed)."""
        self.skip_separators()
        children: list[Node] = []
        fields: dict[str, Node] = {}
        pb = self.try_param_block()
        if pb is not None:
            children.append(pb)
            self.skip_separators()
        kw = self.keyword()
        if kw in ("begin", "process", "end", "dynamicparam") and self._named_block_follows(kw):
            nbl = self.parse_named_blocks(end)
            children.append(nbl)
            fields["named_block_list"] = nbl
        else:
            sl = self.parse_statement_list(end)
            children.append(sl)
            fields["statement_list"] = sl
        body = self.node("script_block_body", start, children, fields)
        return body

    def _named_block_follows(self, kw: str) -> bool:
        save = self.pos
        self.pos += len(kw)
        self.skip_ws_nl()
        ok = self.peek() == "{"
        self.pos = save
        return ok

    def parse_named_blocks(self, end: str) -> Node:
        start = self.pos
        blocks: list[Node] = []
        seen: set[str] = set()
        while True:
            self.skip_separators()
            if self.peek() == end or self.eof():
                break
            kw = self.keyword()
            if kw not in ("begin", "process", "end", "dynamicparam"):
                w = self.word_at() or self.peek()
                raise self.error("MissingNamedBlocks",
                                 f"unexpected token '{w}', expected 'begin', 'process', 'end', or 'dynamicparam'.",
                                 length=len(w))
            if kw in seen:
                raise self.error("DuplicateScriptCommandClause", f"Script command clause '{kw}' has already been defined.",
                                 length=len(kw))
            seen.add(kw)
            bstart = self.pos
            name = self.node("block_name", bstart, [self.take_keyword(kw)])
            self.skip_ws_nl()
            block = self.parse_statement_block("MissingNamedStatementBlock", f"Missing statement block after '{kw}'.")
            blocks.append(self.node("named_block", bstart, [name, block]))
        return self.node("named_block_list", start, blocks)

    def try_param_block(self) -> Node | None:
        save = self.pos
        start = self.pos
        attrs: list[Node] = []
        try:
            while self.peek() == "[":
                attrs.append(self.parse_attribute_or_type())
                self.skip_ws_nl()
        except ParseError:
            self.pos = save
            return None
        if self.keyword() != "param":
            self.pos = save
            return None
        self.pos += 5
        self.skip_ws_nl()
        if self.peek() != "(":
            self.pos = save
            return None
        children: list[Node] = []
        if attrs:
            children.append(self.node("attribute_list", attrs[0].start, attrs, end=attrs[-1].end))
        children.append(self.anon("param", start=self.pos - 5))
        open_at = self.pos
        self.pos += 1
        plist = self.parse_parameter_list(")", open_at)
        children.append(plist)
        self.pos += 1
        return self.node("param_block", start, children)

    def parse_parameter_list(self, close: str, open_at: int) -> Node:
        start = self.pos
        params: list[Node] = []
        names: set[str] = set()
        while True:
            self.skip_ws_nl()
            if self.peek() == close:
                break
            if self.eof():
                raise self.error("MissingEndParenthesisInFunctionParameterList", "Missing ')' in function parameter list.")
            pstart = self.pos
            kids: list[Node] = []
            attrs: list[Node] = []
            while self.peek() == "[":
                attrs.append(self.parse_attribute_or_type())
                self.skip_ws_nl()
            if attrs:
                kids.append(self.node("attribute_list", attrs[0].start, attrs, end=attrs[-1].end))
            if self.peek() != "$":
                raise self.error("InvalidFunctionParameter", "Parameter declarations are a comma-separated list of "
                                 "variable names with optional initializer expressions.")
            var = self.parse_variable()
            low = var.str_text[1:].lower()
            if low in names:
                raise self.error("DuplicateFormalParameter", f"Duplicate parameter ${var.str_text[1:]} in parameter list.",
                                 var.start, len(var.str_text))
            names.add(low)
            kids.append(var)
            self.skip_ws_nl()
            if self.peek() == "=":
                dstart = self.pos
                self.pos += 1
                self.skip_ws_nl()
                expr = self.parse_expression()
                if expr is None:
                    raise self.error("MissingExpressionAfterToken", "Missing expression after '='.")
                kids.append(self.node("script_parameter_default", dstart, [self.anon("=", dstart), expr]))
                self.skip_ws_nl()
            params.append(self.node("script_parameter", pstart, kids))
            if self.peek() == ",":
                self.pos += 1
                continue
            if self.peek() != close:
                if close == ")":
                    raise self.error("MissingEndParenthesisInFunctionParameterList", "Missing ')' in function parameter list.")
                raise self.error("UnexpectedToken", f"Unexpected token '{self.peek()}' in expression or statement.")
        return self.node("parameter_list", start, params)

    def parse_attribute_or_type(self) -> Node:
        """``[Name(args)]`` (attribute) or ``[Type]`` (type constraint) at ``[``."""
        start = self.pos
        self.pos += 1
        self.skip_ws()
        name = self.scan_type_name()
        self.skip_ws()
        if self.peek() == "(":
            self.pos += 1
            pos_args: list[Node] = []
            named_args: list[tuple[str, Node | None]] = []
            while True:
                self.skip_ws_nl()
                if self.peek() == ")":
                    self.pos += 1
                    break
                m = re.compile(r"[A-Za-z_][A-Za-z0-9_]*").match(self.s, self.pos)
                after = self.pos
                if m:
                    after = m.end()
                    while after < self.n and self.s[after] in _WS + _NL:
                        after += 1
                if m and (after >= self.n or self.s[after] in ",)="):
                    aname = m.group(0)
                    self.pos = m.end()
                    self.skip_ws_nl()
                    if self.peek() == "=":
                        self.pos += 1
                        self.skip_ws_nl()
                        expr = self.parse_expression(comma=False)
                        if expr is None:
                            raise self.error("MissingExpressionInNamedArgument", "Missing statement after '=' in named argument.")
                        named_args.append((aname, expr))
                    else:
                        named_args.append((aname, None))
                else:
                    expr = self.parse_expression(comma=False)
                    if expr is None:
                        raise self.error("MissingExpressionAfterToken", "Missing expression after ','." if pos_args or named_args
                                         else "Missing expression after '('.")
                    pos_args.append(expr)
                self.skip_ws_nl()
                if self.peek() == ",":
                    self.pos += 1
                    continue
                if self.peek() != ")":
                    raise self.error("MissingEndParenthesisInMethodCall", "Missing ')' in method call.")
            self.skip_ws()
            if self.peek() != "]":
                raise self.error("EndSquareBracketExpectedAtEndOfAttribute", "Missing ] at end of attribute or type literal.")
            self.pos += 1
            an = Node("attribute_name", self.src, start + 1, start + 1 + len(name))
            node = self.node("attribute", start, [an, *pos_args, *[v for _, v in named_args if v is not None]])
            node.value = name
            node.extra = {"positional": pos_args, "named": named_args}
            return node
        if self.peek() != "]":
            raise self.error("EndSquareBracketExpectedAtEndOfAttribute", "Missing ] at end of attribute or type literal.")
        self.pos += 1
        return self._type_literal(start, name)

    def _type_literal(self, start: int, name: str) -> Node:
        spec = Node("type_spec", self.src, start + 1, self.pos - 1)
        node = self.node("type_literal", start, [self.anon("[", start), spec, self.anon("]")])
        node.value = name
        return node

    def scan_type_name(self) -> str:
        """A type name with generic arguments and array ranks: ``System.Collections.Generic.List[string][]``."""
        start = self.pos
        while self.pos < self.n and (_is_name_char(self.s[self.pos]) or self.s[self.pos] in ".`+"):
            self.pos += 1
        if self.pos == start:
            raise self.error("MissingTypename", "Missing type name after '['.")
        while self.peek() == "[":
            save = self.pos
            self.pos += 1
            self.skip_ws()
            if self.peek() in "],":
                while self.peek() == ",":
                    self.pos += 1
                if self.peek() != "]":
                    self.pos = save
                    break
                self.pos += 1
                continue
            # generic arguments
            while True:
                self.skip_ws()
                if self.peek() == "[":
                    self.pos += 1
                    self.scan_type_name()
                    self.skip_ws()
                    if self.peek() != "]":
                        raise self.error("EndSquareBracketExpectedAtEndOfType", "Missing ] at end of type token.")
                    self.pos += 1
                else:
                    self.scan_type_name()
                self.skip_ws()
                if self.peek() == ",":
                    self.pos += 1
                    continue
                break
            if self.peek() != "]":
                raise self.error("EndSquareBracketExpectedAtEndOfType", "Missing ] at end of type token.")
            self.pos += 1
        return self.s[start:self.pos]

    def parse_statement_block(self, error_id: str, message: str) -> Node:
        start = self.pos
        if self.peek() != "{":
            raise self.error(error_id, message)
        self.pos += 1
        sl = self.parse_statement_list("}")
        if self.peek() != "}":
            raise self.error("MissingEndCurlyBrace", "Missing closing '}' in statement block or type definition.", start)
        self.pos += 1
        return self.node("statement_block", start, [self.anon("{", start), sl, self.anon("}")], {"statement_list": sl})

    def parse_statement_list(self, end: str) -> Node:
        start = self.pos
        stmts: list[Node] = []
        while True:
            self.skip_separators()
            c = self.peek()
            if c == "" or c == end or (c in ")}" and end != ""):
                break
            if c in ")}" and end == "":
                raise self.error("UnexpectedToken", f"Unexpected token '{c}' in expression or statement.")
            st = self.parse_statement()
            if st is None:
                raise self.error("UnexpectedToken", f"Unexpected token '{self.peek()}' in expression or statement.")
            stmts.append(st)
            self.skip_ws()
            c = self.peek()
            if c and c not in _NL and c != ";" and c not in ")}":
                tok = self.word_at() or c
                raise self.error("UnexpectedToken", f"Unexpected token '{tok}' in expression or statement.",
                                 length=len(tok))
        return self.node("statement_list", start, stmts)

    # ------------------------------------------------------------ statements
    def parse_statement(self) -> Node | None:
        self.skip_ws()
        start = self.pos
        label: Node | None = None
        if self.peek() == ":" and _is_name_char(self.peek(1)):
            self.pos += 1
            while _is_name_char(self.peek()):
                self.pos += 1
            label = self.node("label", start)
            self.skip_ws_nl()
        kw = self.keyword()
        if label is not None and kw not in ("foreach", "for", "while", "do", "switch"):
            if kw is None and self.at_statement_end():
                return self.node("empty_statement", start, [label])
            # a label before anything else is ignored by PowerShell
        st: Node | None
        if kw in self._KEYWORD_STATEMENTS:
            st = self._KEYWORD_STATEMENTS[kw](self)
        elif kw in ("function", "filter", "workflow"):
            st = self.parse_function(kw)
        elif kw in ("break", "continue", "return", "exit", "throw"):
            st = self.parse_flow(kw)
        elif kw == "param":
            pb = self.try_param_block()
            if pb is None:
                return self.parse_pipeline()
            st = pb
        elif kw in ("class", "enum", "configuration", "data", "using"):
            st = self.parse_unmodelled(kw)
        elif kw in ("else", "elseif", "catch", "finally"):
            raise self.error("UnexpectedToken", f"Unexpected token '{kw}' in expression or statement.", length=len(kw))
        else:
            st = self.parse_pipeline()
        if st is not None and label is not None:
            st.children.insert(0, label)
            st.start = start
        return st

    def _paren_pipeline(self, kw: str, missing_id: str, missing_msg: str) -> tuple[Node, Node, Node]:
        self.skip_ws_nl()
        if self.peek() != "(":
            raise self.error("MissingOpenParenthesisAfterKeyword" if kw != "if" else "MissingOpenParenthesisInIfStatement",
                             f"Missing '(' after '{kw}' in if statement." if kw in ("if", "elseif")
                             else f"Missing opening '(' after keyword '{kw}'.")
        open_at = self.pos
        self.pos += 1
        self.skip_ws_nl()
        cond = self.parse_statement() if self.peek() != ")" else None
        if cond is None:
            raise self.error(missing_id, missing_msg)
        self.skip_ws_nl()
        if self.peek() != ")":
            raise self.error("MissingEndParenthesisAfterStatement",
                             f"Missing closing ')' after expression in '{kw}' statement.")
        self.pos += 1
        return self.anon("(", open_at), cond, self.anon(")")

    def parse_if(self) -> Node:
        start = self.pos
        kids: list[Node] = [self.take_keyword("if")]
        o, cond, c = self._paren_pipeline("if", "IfStatementMissingCondition", "Missing condition in if statement after 'if ('.")
        self.skip_ws_nl()
        block = self.parse_statement_block("MissingStatementBlock", "Missing statement block after if ( condition ).")
        kids += [o, cond, c, block]
        fields = {"condition": cond}
        elifs: list[Node] = []
        while True:
            save = self.pos
            self.skip_ws_nl()
            kw = self.keyword()
            if kw == "elseif":
                estart = self.pos
                ek = self.take_keyword("elseif")
                o2, c2, cl2 = self._paren_pipeline("elseif", "IfStatementMissingCondition",
                                                   "Missing condition in if statement after 'elseif ('.")
                self.skip_ws_nl()
                b2 = self.parse_statement_block("MissingStatementBlock", "Missing statement block after elseif ( condition ).")
                elifs.append(self.node("elseif_clause", estart, [ek, o2, c2, cl2, b2], {"condition": c2}))
                continue
            if kw == "else":
                if elifs:
                    eic = self.node("elseif_clauses", elifs[0].start, elifs, end=elifs[-1].end)
                    kids.append(eic)
                    fields["elseif_clauses"] = eic
                    elifs = []
                estart = self.pos
                ek = self.take_keyword("else")
                self.skip_ws_nl()
                b3 = self.parse_statement_block("MissingStatementBlockAfterElse", "Missing statement block after 'else' keyword.")
                ec = self.node("else_clause", estart, [ek, b3])
                kids.append(ec)
                fields["else_clause"] = ec
                break
            self.pos = save
            break
        if elifs:
            eic = self.node("elseif_clauses", elifs[0].start, elifs, end=elifs[-1].end)
            kids.append(eic)
            fields["elseif_clauses"] = eic
        return self.node("if_statement", start, kids, fields)

    def parse_foreach(self) -> Node:
        start = self.pos
        kids: list[Node] = [self.take_keyword("foreach")]
        self.skip_ws()
        while self.peek() in _DASHES and self.peek():
            pstart = self.pos
            self.pos += 1
            w = self.word_at()
            self.pos += len(w)
            if w.lower() != "parallel":
                raise self.error("InvalidForeachFlag", f"The parameter -{w} is not valid for the foreach statement.",
                                 pstart, len(w) + 1)
            kids.append(self.node("foreach_parameter", pstart))
            self.skip_ws()
        self.skip_ws_nl()
        if self.peek() != "(":
            raise self.error("MissingOpenParenthesisAfterKeyword", "Missing opening '(' after keyword 'foreach'.")
        open_at = self.pos
        self.pos += 1
        self.skip_ws_nl()
        if self.peek() != "$":
            raise self.error("MissingVariableNameAfterForeach",
                             "Missing variable name after foreach.\nThe correct form is: foreach ($a in $b) {...}")
        var = self.parse_variable()
        self.skip_ws_nl()
        if self.keyword() != "in":
            raise self.error("MissingInInForeach",
                             "Missing 'in' after variable in foreach loop.\nThe correct form is: foreach ($a in $b) {...}")
        kin = self.take_keyword("in")
        self.skip_ws_nl()
        coll = self.parse_pipeline()
        if coll is None:
            raise self.error("MissingForeachExpression",
                             "Missing expression in foreach loop.\nThe correct form is: foreach ($a in $b) {...}")
        self.skip_ws_nl()
        if self.peek() != ")":
            raise self.error("MissingEndParenthesisAfterForeach", "Missing closing ')' after expression part of foreach "
                             "loop.\nThe correct form is: foreach ($a in $b) {...}")
        self.pos += 1
        self.skip_ws_nl()
        block = self.parse_statement_block("MissingForeachStatement",
                                           "Missing statement body in foreach loop.\nThe correct form is: foreach ($a in $b) {...}")
        kids += [self.anon("(", open_at), var, kin, coll, self.anon(")", self.pos - 1), block]
        return self.node("foreach_statement", start, kids)

    def parse_for(self) -> Node:
        start = self.pos
        kids: list[Node] = [self.take_keyword("for")]
        fields: dict[str, Node] = {}
        self.skip_ws_nl()
        if self.peek() != "(":
            raise self.error("MissingOpenParenthesisAfterKeyword", "Missing opening '(' after keyword 'for'.")
        self.pos += 1
        for part in ("for_initializer", "for_condition", "for_iterator"):
            self.skip_ws()
            while self.peek() in _NL and self.peek():
                self.pos += 1
                self.skip_ws()
            if self.peek() not in (";", ")") and not self.at_statement_end():
                st = self.parse_statement()
                if st is not None:
                    kids.append(st)
                    fields[part] = st
            self.skip_ws()
            if part != "for_iterator":
                if self.peek() == ";" or self.peek() in _NL and self.peek():
                    self.pos += 1
                elif self.peek() != ")":
                    raise self.error("MissingEndParenthesisAfterStatement", "Missing closing ')' after expression in 'for' statement.")
        self.skip_ws_nl()
        if self.peek() != ")":
            raise self.error("MissingEndParenthesisAfterStatement", "Missing closing ')' after expression in 'for' statement.")
        self.pos += 1
        self.skip_ws_nl()
        kids.append(self.parse_statement_block("MissingLoopStatement", "Missing statement body in for loop."))
        return self.node("for_statement", start, kids, fields)

    def parse_while(self) -> Node:
        start = self.pos
        kw = self.take_keyword("while")
        o, cond, c = self._paren_pipeline("while", "MissingExpressionAfterKeyword", "Missing expression after 'while' in loop.")
        self.skip_ws_nl()
        block = self.parse_statement_block("MissingLoopStatement", "Missing statement body in while loop.")
        return self.node("while_statement", start, [kw, o, cond, c, block], {"condition": cond})

    def parse_do(self) -> Node:
        start = self.pos
        kw = self.take_keyword("do")
        self.skip_ws_nl()
        block = self.parse_statement_block("MissingLoopStatement", "Missing statement body in do loop.")
        self.skip_ws_nl()
        w = self.keyword()
        if w not in ("while", "until"):
            raise self.error("MissingWhileOrUntilInDoWhile", "Missing while or until keyword in do loop.")
        wk = self.take_keyword(w)
        o, cond, c = self._paren_pipeline(w, "MissingExpressionAfterKeyword", f"Missing expression after '{w}' in loop.")
        return self.node("do_statement", start, [kw, block, wk, o, cond, c], {"condition": cond})

    def parse_switch(self) -> Node:
        start = self.pos
        kids: list[Node] = [self.take_keyword("switch")]
        self.skip_ws()
        params: list[Node] = []
        while self.peek() in _DASHES and self.peek():
            pstart = self.pos
            self.pos += 1
            w = self.word_at()
            self.pos += len(w)
            low = w.lower()
            if low not in ("regex", "wildcard", "exact", "casesensitive", "file", "parallel"):
                raise self.error("InvalidSwitchFlag", f"The parameter -{w} is not valid for the switch statement.",
                                 pstart, len(w) + 1)
            p = self.node("switch_parameter", pstart)
            params.append(p)
            self.skip_ws()
            if low == "file":
                arg = self.parse_argument()
                if arg is None:
                    raise self.error("MissingFilenameOption", "Cannot process the 'switch' statement because of a missing "
                                     "file name argument to the -file option.")
                p.children.append(arg)
                self.skip_ws()
        if params:
            kids.append(self.node("switch_parameters", params[0].start, params, end=params[-1].end))
        self.skip_ws_nl()
        if not any(p.str_text.lower().lstrip(_DASHES).startswith("file") for p in params):
            if self.peek() != "(":
                raise self.error("PipelineValueRequired", "A switch statement must have one of the following:  "
                                 "'-file file_name' or '( expression )'.")
            cstart = self.pos
            self.pos += 1
            self.skip_ws_nl()
            pipe = self.parse_pipeline()
            if pipe is None:
                raise self.error("MissingSwitchValueExpression", "Missing expression after '(' in switch statement.")
            self.skip_ws_nl()
            if self.peek() != ")":
                raise self.error("MissingEndParenthesisInSwitchStatement", "Missing ')' after expression in switch statement.")
            self.pos += 1
            kids.append(self.node("switch_condition", cstart, [self.anon("(", cstart), pipe, self.anon(")")]))
        self.skip_ws_nl()
        if self.peek() != "{":
            raise self.error("MissingCurlyBraceInSwitchStatement", "Missing '{' in switch statement.")
        bstart = self.pos
        self.pos += 1
        clauses: list[Node] = []
        have_default = False
        while True:
            self.skip_separators()
            if self.peek() == "}":
                self.pos += 1
                break
            if self.eof():
                raise self.error("MissingEndCurlyBrace", "Missing closing '}' in statement block or type definition.", bstart)
            clstart = self.pos
            if self.peek() == "{":
                cond = self.parse_script_block_expression()
            else:
                cond = self.parse_argument(switch_clause=True)
                if cond is None:
                    raise self.error("MissingSwitchConditionExpression", "Missing condition in switch statement clause.")
            if cond.type == "generic_token" and cond.str_text.lower() == "default":
                if have_default:
                    raise self.error("MultipleSwitchDefaultClauses", "A switch statement can have only one default clause.",
                                     cond.start, 7)
                have_default = True
            ccond = self.node("switch_clause_condition", clstart, [cond])
            self.skip_ws_nl()
            block = self.parse_statement_block("MissingSwitchStatementClause", "Missing statement block in switch statement clause.")
            clauses.append(self.node("switch_clause", clstart, [ccond, block]))
        cl = self.node("switch_clauses", bstart + 1, clauses, end=self.pos - 1)
        kids.append(self.node("switch_body", bstart, [self.anon("{", bstart), cl, self.anon("}")]))
        return self.node("switch_statement", start, kids)

    def parse_try(self) -> Node:
        start = self.pos
        kids: list[Node] = [self.take_keyword("try")]
        self.skip_ws_nl()
        kids.append(self.parse_statement_block("MissingTryStatement", "Incomplete 'try' statement. A try statement requires a body."))
        catches: list[Node] = []
        fin: Node | None = None
        while True:
            save = self.pos
            self.skip_ws_nl()
            kw = self.keyword()
            if kw == "catch" and fin is None:
                cstart = self.pos
                ck = self.take_keyword("catch")
                self.skip_ws_nl()
                types: list[Node] = []
                while self.peek() == "[":
                    tstart = self.pos
                    self.pos += 1
                    self.skip_ws()
                    name = self.scan_type_name()
                    self.skip_ws()
                    if self.peek() != "]":
                        raise self.error("EndSquareBracketExpectedAtEndOfAttribute", "Missing ] at end of attribute or type literal.")
                    self.pos += 1
                    types.append(self._type_literal(tstart, name))
                    self.skip_ws_nl()
                    if self.peek() == ",":
                        self.pos += 1
                        self.skip_ws_nl()
                        if self.peek() != "[":
                            raise self.error("MissingTypeLiteralToken", "Missing type literal.")
                cc = [ck]
                if types:
                    cc.append(self.node("catch_type_list", types[0].start, types, end=types[-1].end))
                cc.append(self.parse_statement_block("MissingCatchHandlerBlock", "Missing statement block in catch block."))
                catches.append(self.node("catch_clause", cstart, cc))
                continue
            if kw == "finally" and fin is None:
                fstart = self.pos
                fk = self.take_keyword("finally")
                self.skip_ws_nl()
                fb = self.parse_statement_block("MissingFinallyStatementBlock", "Missing statement block in finally block.")
                fin = self.node("finally_clause", fstart, [fk, fb])
                continue
            self.pos = save
            break
        if not catches and fin is None:
            raise self.error("MissingCatchOrFinally", "The Try statement is missing its Catch or Finally block.")
        if catches:
            kids.append(self.node("catch_clauses", catches[0].start, catches, end=catches[-1].end))
        if fin is not None:
            kids.append(fin)
        return self.node("try_statement", start, kids)

    def parse_trap(self) -> Node:
        start = self.pos
        kids: list[Node] = [self.take_keyword("trap")]
        self.skip_ws_nl()
        if self.peek() == "[":
            tstart = self.pos
            self.pos += 1
            name = self.scan_type_name()
            self.expect("]", "EndSquareBracketExpectedAtEndOfAttribute", "Missing ] at end of attribute or type literal.")
            kids.append(self._type_literal(tstart, name))
            self.skip_ws_nl()
        kids.append(self.parse_statement_block("MissingTrapStatement",
                                               "The 'trap' statement was incomplete. A trap statement requires a body."))
        return self.node("trap_statement", start, kids)

    # The statements a keyword starts whose parser needs nothing but the position (parse_statement).
    _KEYWORD_STATEMENTS: dict[str, Callable[[Parser], Node]] = {
        "if": parse_if, "foreach": parse_foreach, "for": parse_for, "while": parse_while, "do": parse_do,
        "switch": parse_switch, "try": parse_try, "trap": parse_trap,
    }

    def parse_function(self, kw: str) -> Node:
        start = self.pos
        kids: list[Node] = [self.take_keyword(kw)]
        self.skip_ws_nl()
        nstart = self.pos
        while self.pos < self.n and self.s[self.pos] not in _WS + _NL + "(){};|&":
            self.pos += 1
        if self.pos == nstart:
            raise self.error("MissingNameAfterKeyword", f"Missing name after {kw} keyword.")
        kids.append(self.node("function_name", nstart))
        self.skip_ws_nl()
        if self.peek() == "(":
            dstart = self.pos
            self.pos += 1
            plist = self.parse_parameter_list(")", dstart)
            self.pos += 1
            kids.append(self.node("function_parameter_declaration", dstart, [self.anon("(", dstart), plist, self.anon(")")]))
            self.skip_ws_nl()
        if self.peek() != "{":
            raise self.error("MissingFunctionBody", "Missing function body in function declaration.")
        bstart = self.pos
        self.pos += 1
        body = self.parse_block_body(self.pos, "}")
        if self.peek() != "}":
            raise self.error("MissingEndCurlyBrace", "Missing closing '}' in statement block or type definition.", bstart)
        pb = next((c for c in body.children if c.type == "param_block"), None)
        if pb is not None and any(c.type == "function_parameter_declaration" for c in kids):
            raise self.error("OnlyOneParameterListAllowed",
                             "The param statement cannot be used if arguments were specified in the function declaration.",
                             pb.start, 5)
        sb_kids = ([pb] if pb is not None else []) + [body]
        sb = self.node("script_block", bstart + 1, sb_kids, {"script_block_body": body})
        body.children = [c for c in body.children if c.type != "param_block"]
        self.pos += 1
        kids += [self.anon("{", bstart), sb, self.anon("}")]
        return self.node("function_statement", start, kids)

    def parse_flow(self, kw: str) -> Node:
        start = self.pos
        kids: list[Node] = [self.take_keyword(kw)]
        self.skip_ws()
        if not self.at_statement_end() and self.peek() != "|":
            if kw in ("break", "continue"):
                lstart = self.pos
                if self.peek() in "$(":
                    e = self.parse_expression()
                    if e is not None:
                        kids.append(e)
                else:
                    while self.pos < self.n and _is_name_char(self.s[self.pos]):
                        self.pos += 1
                    kids.append(self.node("label", lstart))
            else:
                p = self.parse_pipeline()
                if p is not None:
                    kids.append(p)
        return self.node("flow_control_statement", start, kids)

    def parse_unmodelled(self, kw: str) -> Node:
        """``class``/``enum``/``data``/``configuration``/``using``: parsed (balanced braces) and refused when run."""
        start = self.pos
        self.pos += len(kw)
        if kw == "using":
            while not self.at_statement_end():
                self.pos += 1
            return self.node("using_statement", start)
        depth = 0
        while self.pos < self.n:
            c = self.s[self.pos]
            if c in _SQUOTES + _DQUOTES:
                self.parse_string()
                continue
            if c == "#":
                self.skip_ws()
                continue
            self.pos += 1
            if c == "{":
                depth += 1
            elif c == "}":
                depth -= 1
                if depth == 0:
                    break
        if depth > 0:
            raise self.error("MissingEndCurlyBrace", "Missing closing '}' in statement block or type definition.", start)
        return self.node(f"{kw}_statement", start)

    # ------------------------------------------------------------ pipelines
    def parse_pipeline(self) -> Node | None:
        self.skip_ws()
        start = self.pos
        first = self.parse_pipeline_element(first=True)
        if first is None:
            return None
        elements = [first]
        if first.type != "command":
            self.skip_ws()
            op = self.assignment_operator()
            if op is not None:
                ostart = self.pos
                self.pos += len(op)
                if first.type not in ("variable", "braced_variable", "member_access", "element_access", "cast_expression",
                                      "array_literal_expression", "parenthesized_expression"):
                    raise self.error("InvalidLeftHandSide", "The assignment expression is not valid. The input to an "
                                     "assignment operator must be an object that is able to accept assignments, such as "
                                     "a variable or a property.", first.start, first.end - first.start)
                opnode = self.node("assignement_operator", ostart, [self.anon(op, ostart)])
                self.skip_ws_nl()
                value = self.parse_statement()
                if value is None:
                    raise self.error("ExpectedValueExpression", f"You must provide a value expression following the '{op}' operator.")
                assign = self.node("assignment_expression", start, [first, opnode, value], {"value": value})
                return self.node("pipeline", start, [assign])
            redirs = self.parse_redirections()
            if redirs:
                first = self.node("redirected_expression", start, [first, *redirs])
                elements = [first]
        while True:
            self.skip_ws()
            if self.peek() == "|" and self.peek(1) != "|":
                bar = self.pos
                self.pos += 1
                self.skip_ws_nl()
                if self.at_statement_end() or self.peek() == "|":
                    raise self.error("EmptyPipeElement", "An empty pipe element is not allowed.", bar)
                el = self.parse_pipeline_element(first=False)
                if el is None:
                    raise self.error("EmptyPipeElement", "An empty pipe element is not allowed.", bar)
                elements.append(el)
                continue
            if self.peek() == "&" and self.peek(1) == "&" or self.peek() == "|" and self.peek(1) == "|":
                op = self.s[self.pos:self.pos + 2]
                raise self.error("InvalidEndOfLine", f"The token '{op}' is not a valid statement separator in this version.",
                                 length=2)
            break
        return self.node("pipeline", start, elements)

    def assignment_operator(self) -> str | None:
        c, d = self.peek(), self.peek(1)
        if c == "=" and d != "=":
            return "="
        if c in "+*/%" and c and d == "=":
            return c + "="
        if c in _DASHES and c and d == "=":
            return "-="
        return None

    def parse_pipeline_element(self, first: bool) -> Node | None:
        self.skip_ws()
        c = self.peek()
        if c == "":
            return None
        if c == "&" and self.peek(1) != "&":
            return self.parse_command()
        if c == "." and self.peek(1) and (self.peek(1) in _WS or self.peek(1) in "$'\"{("):
            return self.parse_command()
        if self._starts_expression():
            if not first:
                start = self.pos
                expr = self.parse_expression()
                raise self.error("ExpressionsMustBeFirstInPipeline", "Expressions are only allowed as the first element of "
                                 "a pipeline.", start, (expr.end - start) if expr is not None else 1)
            return self.parse_expression()
        if c in ")};" or c in _NL:
            return None
        return self.parse_command()

    def _starts_expression(self) -> bool:
        c = self.peek()
        d = self.peek(1)
        if c in "$@(" or c in _SQUOTES or c in _DQUOTES or c in "[{!,":
            return True
        if c == "+" or (c in _DASHES and c):
            if d in "+-" and d:
                return True
            if c in _DASHES and (d.isalpha()):
                w = self.word_at(self.pos + 1).lower()
                return w in _UNARY_WORDS
            if c == "+" and not (d.isdigit() or d in "$(.'\"@["):
                return False
            return d.isdigit() or d in "$(.'\"@[" and bool(d)
        if c.isdigit() or (c == "." and d.isdigit()):
            m = _NUMBER_RE.match(self.s, self.pos)
            if m is None:
                return False
            nxt = self.s[m.end()] if m.end() < self.n else ""
            return not (_is_name_char(nxt) or (nxt and nxt in "\\:-")) or (nxt == "." and self.s[m.end():m.end() + 2] == "..")
        return False

    # ------------------------------------------------------------ commands (argument mode)
    def parse_command(self) -> Node:
        start = self.pos
        kids: list[Node] = []
        fields: dict[str, Node] = {}
        c = self.peek()
        if c in "&." and c:
            istart = self.pos
            self.pos += 1
            kids.append(self.node("command_invokation_operator", istart, [self.anon(c, istart)]))
            self.skip_ws()
            nstart = self.pos
            if self.peek() in "$({@" or self.peek() in _SQUOTES or self.peek() in _DQUOTES:
                inner = self.parse_argument()
                if inner is None:
                    raise self.error("MissingExpression", f"Missing expression after '{c}' in pipeline element.")
            else:
                inner = self.parse_bareword(command_name=True)
                if inner is None:
                    raise self.error("MissingExpression", f"Missing expression after '{c}' in pipeline element.")
                inner.type = "command_name"
            name = self.node("command_name_expr", nstart, [inner])
        else:
            name = self.parse_bareword(command_name=True)
            if name is None:
                raise self.error("UnexpectedToken", f"Unexpected token '{self.peek()}' in expression or statement.")
            name.type = "command_name"
        kids.append(name)
        fields["command_name"] = name
        elems = self.parse_command_elements()
        kids.append(elems)
        fields["command_elements"] = elems
        return self.node("command", start, kids, fields)

    def parse_redirections(self) -> list[Node]:
        out: list[Node] = []
        while True:
            save = self.pos
            self.skip_ws()
            r = self.parse_redirection()
            if r is None:
                self.pos = save
                return out
            out.append(r)

    def parse_redirection(self) -> Node | None:
        if self.peek() == "<":
            raise self.error("RedirectionNotSupported", "The '<' operator is reserved for future use.")
        m = _REDIR_RE.match(self.s, self.pos)
        if m is None:
            return None
        rstart = self.pos
        op = m.group(0)
        self.pos = m.end()
        if "&" in op:
            kid = self.node("merging_redirection_operator", rstart, [self.anon(op, rstart)])
            return self.node("redirection", rstart, [kid])
        kid = self.node("file_redirection_operator", rstart, [self.anon(op, rstart)])
        self.skip_ws()
        if self.at_statement_end() or self.peek() == "|":
            raise self.error("MissingFileSpecification", "Missing file specification after redirection operator.")
        target = self.parse_argument()
        if target is None:
            raise self.error("MissingFileSpecification", "Missing file specification after redirection operator.")
        fname = self.node("redirected_file_name", target.start, [target])
        return self.node("redirection", rstart, [kid, fname])

    def parse_command_elements(self) -> Node:
        start = self.pos
        kids: list[Node] = []
        end_of_params = False
        while True:
            self.skip_ws()
            c = self.peek()
            if c == "" or c in _NL or c in ";)}|":
                break
            if c == "&":
                if self.peek(1) == "&":
                    break
                raise self.error("AmpersandNotAllowed", "The ampersand (&) character is not allowed. The & operator is "
                                 "reserved for future use; wrap an ampersand in double quotation marks (\"&\") to pass "
                                 "it as part of a string.")
            r = self.parse_redirection() if (c in ">*<" or (c.isdigit() and self.peek(1) == ">")) else None
            if r is not None:
                kids.append(r)
                continue
            if c in _DASHES and not end_of_params:
                d = self.peek(1)
                if d == "-" and self.peek(2) == "%":
                    pstart = self.pos
                    while self.pos < self.n and self.s[self.pos] not in _NL:
                        self.pos += 1
                    kids.append(self.node("stop_parsing", pstart))
                    continue
                if d in _DASHES and d and (self.peek(2) in _WS or self.peek(2) in _NL or self.peek(2) == ""):
                    self.pos += 2
                    end_of_params = True
                    continue
                if d and (d.isalpha() or d in "_?"):
                    pstart = self.pos
                    self.pos += 1
                    while self.pos < self.n and self.s[self.pos] not in _ARG_STOP and self.s[self.pos] not in ":" \
                            and self.s[self.pos] not in _SQUOTES + _DQUOTES + "$":
                        self.pos += 1
                    if self.peek() == ":":
                        self.pos += 1
                    kids.append(self.node("command_parameter", pstart))
                    continue
            if c == "@" and (_is_name_char(self.peek(1)) or self.peek(1) in "?$") and self.peek(1):
                vstart = self.pos
                self.pos += 1
                while _is_name_char(self.peek()) or (self.peek() == ":" and _is_name_char(self.peek(1))):
                    self.pos += 1
                if self.pos == vstart + 1:
                    self.pos += 1
                kids.append(self.node("variable", vstart))
                continue
            arg = self.parse_argument_list()
            if arg is None:
                raise self.error("UnexpectedToken", f"Unexpected token '{c}' in expression or statement.")
            kids.append(arg)
        return self.node("command_elements", start, kids)

    def parse_argument_list(self) -> Node | None:
        start = self.pos
        first = self.parse_argument()
        if first is None:
            return None
        return self._comma_list(start, first, self.parse_argument, "Missing argument in parameter list.")

    def _comma_list(self, start: int, first: Node, item: Callable[[], Node | None], missing: str) -> Node:
        """``first`` and the ``item`` after each following ``,`` as an array literal; ``first`` itself
        when no comma follows. ``missing`` is the error for a comma with nothing after it."""
        items = [first]
        while True:
            save = self.pos
            self.skip_ws()
            if self.peek() != ",":
                self.pos = save
                break
            cpos = self.pos
            self.pos += 1
            self.skip_ws_nl()
            nxt = item()
            if nxt is None:
                raise self.error("MissingExpressionAfterToken", missing, cpos)
            items.append(nxt)
        if len(items) == 1:
            return first
        return self.node("array_literal_expression", start, items)

    def _arg_separator(self, switch_clause: bool = False) -> bool:
        c = self.peek()
        if c == "" or c in _ARG_STOP:
            return True
        if switch_clause and c == "{":
            return True
        return False

    def parse_argument(self, switch_clause: bool = False) -> Node | None:
        """One command argument in argument mode (no commas)."""
        c = self.peek()
        start = self.pos
        if c == "" or c in _NL or c in ";)}|,":
            return None
        if c in "({" or (c in "$@" and self.peek(1) and self.peek(1) in "({") or c in _SQUOTES or c in _DQUOTES \
                or (c == "@" and self.peek(1) in _SQUOTES + _DQUOTES and self.peek(1)):
            expr = self.parse_postfix(self.parse_primary(), allow_ws=False)
            if self._arg_separator(switch_clause) or self.peek() in _SQUOTES + _DQUOTES + "(":
                return expr
            if c in _SQUOTES or c in _DQUOTES:
                # a quoted prefix followed by more word characters: one argument, concatenated
                self.pos = start
                return self.parse_bareword(switch_clause=switch_clause)
            return expr
        if c == "$":
            expr = self.parse_postfix(self.parse_variable(), allow_ws=False)
            if self._arg_separator(switch_clause):
                return expr
            # `$d\System32`: a variable followed by word characters is one expandable word
            self.pos = start
            return self.parse_bareword(switch_clause=switch_clause)
        if c.isdigit() or (c in _DASHES and c and (self.peek(1).isdigit() or (self.peek(1) == "." and self.peek(2).isdigit()))) \
                or (c == "." and self.peek(1).isdigit()):
            neg = c in _DASHES
            m = _NUMBER_RE.match(self.s, self.pos + (1 if neg else 0))
            if m is not None:
                save = self.pos
                self.pos = m.end()
                if self._arg_separator(switch_clause):
                    node = self._number_node(start, m, neg)
                    if node is not None:
                        return node
                self.pos = save
        return self.parse_bareword(switch_clause=switch_clause)

    def parse_bareword(self, command_name: bool = False, switch_clause: bool = False) -> Node | None:
        """A generic token; ``$var``, ``$(...)`` and escapes inside make it an expandable word."""
        start = self.pos
        parts: list[Any] = []
        buf: list[str] = []
        expandable = False
        while self.pos < self.n:
            c = self.s[self.pos]
            if c in _ARG_STOP or (switch_clause and c == "{"):
                break
            if c == "`":
                expandable = True
                buf.append(self.s[self.pos:self.pos + 2])
                self.pos += 2
                continue
            if c in _SQUOTES:
                if self.pos == start and command_name:
                    break
                expandable = True
                node = self.parse_string()
                buf.append(str(node.value).replace("`", "``").replace("$", "`$"))
                continue
            if c in _DQUOTES:
                expandable = True
                node = self.parse_string()
                inner = node.children[0]
                if buf:
                    parts.append("".join(buf))
                    buf = []
                for p in inner.parts or []:
                    parts.append(p)
                continue
            if c == "$" and (_is_name_char(self.peek(1)) or self.peek(1) in "{(?^$:") and self.peek(1):
                expandable = True
                if buf:
                    parts.append("".join(buf))
                    buf = []
                if self.peek(1) == "(":
                    parts.append(self.parse_subexpression())
                else:
                    parts.append(self.parse_variable())
                continue
            buf.append(c)
            self.pos += 1
        if self.pos == start:
            return None
        if buf:
            parts.append("".join(buf))
        if not expandable:
            return self.node("generic_token", start)
        node = self.node("expandable_string_literal", start)
        node.parts = parts
        node.extra["bare"] = True
        return node

    # ------------------------------------------------------------ expressions (expression mode)
    def parse_expression(self, comma: bool = True) -> Node | None:
        return self.parse_binary(0, comma)

    def _operator_word(self) -> str | None:
        """The ``-word`` operator at the current position (lower case, without the dash), if any."""
        if self.peek() not in _DASHES or not self.peek():
            return None
        w = self.word_at(self.pos + 1)
        m = re.match(r"[A-Za-z]+", w)
        if not m:
            return None
        word = m.group(0)
        nxt = self.peek(1 + len(word))
        if nxt and (_is_name_char(nxt)):
            return None
        return word.lower()

    def _word_operator(self, words: set[str]) -> str | None:
        """``-word`` when the ``-word`` operator here is one of ``words``."""
        word = self._operator_word()
        return None if word is None or word not in words else "-" + word

    def _additive_operator(self) -> str | None:
        """``+`` or ``-`` (any dash), but not ``++``/``+=``/``-=``/``--`` nor a ``-word`` operator."""
        c, d = self.peek(), self.peek(1)
        if c == "+" and (d == "" or d not in "+="):
            return "+"
        if c and c in _DASHES and (d == "" or (d != "=" and not d.isalpha() and d not in _DASHES)):
            return "-"
        return None

    def _multiplicative_operator(self) -> str | None:
        """``*``, ``/`` or ``%``, but not the compound assignments ``*=``, ``/=``, ``%=``."""
        c = self.peek()
        return c if c and c in "*/%" and self.peek(1) != "=" else None

    def _range_operator(self) -> str | None:
        return ".." if self.peek() == "." and self.peek(1) == "." else None

    # The binary operators from the lowest precedence to the highest, as the PowerShell Language
    # Specification's grammar nests them (chapter 7: §7.10 logical, §7.9 bitwise, §7.8 comparison,
    # which holds -is/-as, -split/-join and -shl/-shr too, §7.7 additive, §7.6 multiplicative,
    # §7.5 format, §7.4 range); the operands of the last level are array literals (§7.3). Each level:
    # the node type it builds and the scanner that returns the operator at the position (its text is
    # as long as what it consumes), or None. Every binary operator is left-associative.
    _BINARY_LEVELS: tuple[tuple[str, Callable[[Parser], str | None]], ...] = (
        ("logical_expression", lambda p: p._word_operator(_LOGICAL)),
        ("bitwise_expression", lambda p: p._word_operator(_BITWISE)),
        ("comparison_expression", lambda p: p._word_operator(_COMPARISON_ALL)),
        ("additive_expression", _additive_operator),
        ("multiplicative_expression", _multiplicative_operator),
        ("format_expression", lambda p: "-f" if p._operator_word() == "f" else None),
        ("range_expression", _range_operator),
    )

    def parse_binary(self, level: int, comma: bool) -> Node | None:
        """An expression of precedence ``level`` (an index into ``_BINARY_LEVELS``) or higher."""
        if level == len(self._BINARY_LEVELS):
            return self.parse_array_literal(comma)
        kind, scan = self._BINARY_LEVELS[level]
        start = self.pos
        left = self.parse_binary(level + 1, comma)
        if left is None:
            return None
        while True:
            save = self.pos
            self.skip_ws()
            op = scan(self) if self.peek() in _BINARY_STARTS else None
            if op is None:
                self.pos = save
                return left
            ostart = self.pos
            self.pos += len(op)
            opn = Node(op, self.src, ostart, self.pos, named=False)
            self.skip_ws_nl()
            if op in ("-is", "-isnot", "-as") and self.peek() == "[":
                right = self.parse_unary(comma=False)  # a type literal, not the start of a cast
            else:
                right = self.parse_binary(level + 1, comma)
            if right is None:
                raise self.error("ExpectedValueExpression",
                                 f"You must provide a value expression following the '{op}' operator.", ostart, len(op))
            left = self.node(kind, start, [left, opn, right])

    def parse_array_literal(self, comma: bool) -> Node | None:
        start = self.pos
        first = self.parse_unary(comma)
        if first is None or not comma:
            return first
        return self._comma_list(start, first, lambda: self.parse_unary(comma), "Missing expression after ','.")

    def _prefixed(self, start: int, op: str, comma: bool, kind: str = "expression_with_unary_operator",
                  newlines: bool = True) -> Node:
        """The prefix operator ``op`` (as many characters as its text) at ``start`` applied to the unary
        expression after it; the operand may start on a later line unless ``newlines`` is False."""
        self.pos = start + len(op)
        if newlines:
            self.skip_ws_nl()
        else:
            self.skip_ws()
        operand = self.parse_unary(comma)
        if operand is None:
            raise self.error("MissingExpressionAfterOperator", f"Missing expression after unary operator '{op}'.", start)
        return self.node(kind, start, [Node(op, self.src, start, start + len(op), named=False), operand])

    def parse_unary(self, comma: bool = True) -> Node | None:
        self.skip_ws()
        start = self.pos
        c = self.peek()
        d = self.peek(1)
        if c == "":
            return None
        if c in ",!":
            return self._prefixed(start, c, comma)
        if (c == "+" and d == "+") or (c in _DASHES and c and d in _DASHES and d):
            kind = "pre_increment_expression" if c == "+" else "pre_decrement_expression"
            return self._prefixed(start, c + d, comma, kind, newlines=False)
        if c in _DASHES and c:
            word = self._operator_word()
            if word in _UNARY_WORDS:
                return self._prefixed(start, "-" + word, comma)
            if word is None:
                m = _NUMBER_RE.match(self.s, self.pos + 1)
                if m is not None and (m.end() >= self.n or not _is_name_char(self.s[m.end()])):
                    # a negative number literal
                    self.pos = m.end()
                    num = self._number_node(start, m, True)
                    if num is not None:
                        return self.parse_postfix(num)
                    self.pos = start
                return self._prefixed(start, "-", comma)
            return None
        if c == "+":
            return self._prefixed(start, "+", comma)
        if c == "[":
            return self.parse_type_or_cast(comma)
        prim = self.parse_primary()
        if prim is None:
            return None
        return self.parse_postfix(prim)

    def parse_type_or_cast(self, comma: bool) -> Node:
        start = self.pos
        self.pos += 1
        self.skip_ws()
        if self.peek() == "" or not (_is_name_char(self.peek())):
            raise self.error("MissingTypename", "Missing type name after '['.")
        name = self.scan_type_name()
        self.skip_ws()
        if self.peek() == "(":
            # an attribute in expression position (e.g. [Parameter()] outside param): PowerShell refuses it
            raise self.error("UnexpectedAttribute", f"Unexpected attribute '{name}'.", start, self.pos - start)
        if self.peek() != "]":
            raise self.error("EndSquareBracketExpectedAtEndOfAttribute", "Missing ] at end of attribute or type literal.")
        self.pos += 1
        tl = self._type_literal(start, name)
        c = self.peek()
        if c == ":" and self.peek(1) == ":" or c == "." and self.peek(1) != ".":
            return self.parse_postfix(tl)
        save = self.pos
        self.skip_ws()
        c = self.peek()
        if c and c not in _NL and c not in ";)}|=," and not (c in _DASHES and self._operator_word() not in (None, *_UNARY_WORDS)) \
                and not (c in "*/%+" and self.peek(1) != "+") and not (c == "." and self.peek(1) == ".") \
                and not (c in _DASHES and self.peek(1) == "="):
            operand = self.parse_unary(comma)
            if operand is not None:
                return self.node("cast_expression", start, [tl, operand])
        self.pos = save
        return tl

    def parse_postfix(self, expr: Node | None, allow_ws: bool = False) -> Node | None:
        if expr is None:
            return None
        start = expr.start
        while True:
            c = self.peek()
            if c == "." and self.peek(1) != "." or (c == ":" and self.peek(1) == ":"):
                op = "::" if c == ":" else "."
                ostart = self.pos
                after = self.pos + len(op)
                nxt = self.s[after] if after < self.n else ""
                if not nxt or not (_is_name_char(nxt) or nxt in "$'\"(" or nxt in _SQUOTES + _DQUOTES):
                    if op == "." and expr.type in ("variable",) and nxt == "":
                        break
                    if op == "." and (nxt in _WS or nxt in _NL or nxt == ""):
                        raise self.error("MissingPropertyName", "Missing property name after reference operator.", after)
                    break
                self.pos = after
                mstart = self.pos
                if _is_name_char(nxt):
                    while self.pos < self.n and _is_name_char(self.s[self.pos]):
                        self.pos += 1
                    mn = self.node("member_name", mstart, [self.node("simple_name", mstart)])
                else:
                    inner = self.parse_primary()
                    if inner is None:
                        raise self.error("MissingPropertyReference", "Property reference or expression is missing or not valid.")
                    mn = self.node("member_name", mstart, [inner])
                opn = Node(op, self.src, ostart, ostart + len(op), named=False)
                if self.peek() == "(":
                    al = self.parse_argument_list_parens()
                    expr = self.node("invokation_expression", start, [expr, opn, mn, al])
                elif self.peek() == "{" and mn.children[0].type == "simple_name" and \
                        mn.str_text.lower() in ("foreach", "where"):
                    sb = self.parse_script_block_expression()
                    expr = self.node("invokation_foreach_expression", start, [expr, opn, mn, sb])
                else:
                    expr = self.node("member_access", start, [expr, opn, mn])
                continue
            if c == "[":
                ostart = self.pos
                self.pos += 1
                self.skip_ws_nl()
                idx = self.parse_statement() if self.peek() != "]" else None
                if idx is None:
                    raise self.error("MissingArrayIndexExpression", "Array index expression is missing or not valid.", ostart + 1)
                if idx.type == "pipeline" and len(idx.children) == 1 and idx.children[0].type != "command":
                    idx = idx.children[0]
                self.skip_ws_nl()
                if self.peek() != "]":
                    raise self.error("MissingEndSquareBracket", "Missing ']' after array index expression.")
                self.pos += 1
                expr = self.node("element_access", start, [expr, Node("[", self.src, ostart, ostart + 1, named=False), idx,
                                                            self.anon("]")])
                continue
            if (c == "+" and self.peek(1) == "+") or (c in _DASHES and c and self.peek(1) in _DASHES and self.peek(1)):
                if expr.type in ("variable", "braced_variable", "member_access", "element_access"):
                    ostart = self.pos
                    self.pos += 2
                    kind = "post_increment_expression" if c == "+" else "post_decrement_expression"
                    expr = self.node(kind, start, [expr, Node(c * 2, self.src, ostart, ostart + 2, named=False)])
                    continue
            break
        return expr

    def parse_argument_list_parens(self) -> Node:
        start = self.pos
        self.pos += 1
        args: list[Node] = []
        self.skip_ws_nl()
        astart = self.pos
        if self.peek() != ")":
            while True:
                self.skip_ws_nl()
                e = self.parse_expression(comma=False)
                if e is None:
                    if self.peek() == "," or args:
                        raise self.error("MissingExpressionAfterToken", "Missing expression after ','.")
                    raise self.error("MissingEndParenthesisInMethodCall", "Missing ')' in method call.")
                args.append(e)
                self.skip_ws_nl()
                if self.peek() == ",":
                    self.pos += 1
                    continue
                break
        if self.peek() != ")":
            raise self.error("MissingEndParenthesisInMethodCall", "Missing ')' in method call.")
        ael = self.node("argument_expression_list", astart, args)
        self.pos += 1
        return self.node("argument_list", start, [self.anon("(", start), ael, self.anon(")")], {"argument_expression_list": ael})

    def parse_primary(self) -> Node | None:
        c = self.peek()
        d = self.peek(1)
        start = self.pos
        if c == "":
            return None
        if c == "$":
            if d == "(":
                return self.parse_subexpression()
            return self.parse_variable()
        if c == "@":
            if d == "(":
                self.pos += 2
                sl = self.parse_statement_list(")")
                if self.peek() != ")":
                    raise self.error("MissingEndParenthesisInSubexpression", "Missing closing ')' in subexpression.", start)
                self.pos += 1
                return self.node("array_expression", start, [self.anon("@(", start), sl, self.anon(")")], {"statements": sl})
            if d == "{":
                return self.parse_hash_literal()
            if d and (d in _SQUOTES or d in _DQUOTES):
                return self.parse_string()
            if _is_name_char(d):
                self.pos += 1
                while _is_name_char(self.peek()):
                    self.pos += 1
                name = self.s[start + 1:self.pos]
                raise self.error("SplattingNotPermitted", f"The splatting operator '@' cannot be used to reference "
                                 f"variables in an expression. '@{name}' can be used only as an argument to a command. "
                                 f"To reference variables in an expression use '${name}'.", start, len(name) + 1)
            return None
        if c == "(":
            self.pos += 1
            self.skip_ws_nl()
            if self.peek() == ")":
                raise self.error("ExpectedExpression", "An expression was expected after '('.", self.pos)
            inner = self.parse_statement()
            if inner is None:
                raise self.error("ExpectedExpression", "An expression was expected after '('.", start + 1)
            self.skip_ws_nl()
            if self.peek() != ")":
                raise self.error("MissingEndParenthesisInExpression", "Missing closing ')' in expression.", self.pos)
            self.pos += 1
            return self.node("parenthesized_expression", start, [self.anon("(", start), inner, self.anon(")")])
        if c == "{":
            return self.parse_script_block_expression()
        if c in _SQUOTES or c in _DQUOTES:
            return self.parse_string()
        if c.isdigit() or (c == "." and d.isdigit()):
            m = _NUMBER_RE.match(self.s, self.pos)
            if m is None:
                return None
            nxt = self.s[m.end()] if m.end() < self.n else ""
            if _is_name_char(nxt):
                j = m.end()
                while j < self.n and _is_name_char(self.s[j]):
                    j += 1
                tok = self.s[start:j]
                raise self.error("UnexpectedToken", f"Unexpected token '{tok}' in expression or statement.", start, len(tok))
            self.pos = m.end()
            return self._number_node(start, m, False)
        return None

    def _number_node(self, start: int, m: re.Match[str], neg: bool) -> Node | None:
        """The literal for a number token (PowerShell 5.1 types: Int32, then Int64, Decimal, Double)."""
        suffix = (m.group("suffix") or "").lower()
        mult = _MULT.get((m.group("mult") or "").lower(), 1)
        if m.group("hex") is not None:
            n = int(m.group("hex"), 16)
            if suffix == "l":
                if n >= 2**63:
                    n -= 2**64
            elif n < 2**32 and n >= 2**31:
                n -= 2**32  # 0xFFFFFFFF is -1 (Int32)
            elif n >= 2**64:
                raise self.error("BadNumericConstant", f"The numeric constant {self.s[start:self.pos]} is not valid.", start)
            elif 2**32 <= n < 2**64 and n >= 2**63:
                n -= 2**64
            value: Any = n * mult
            kind = "integer_literal"
        else:
            text = m.group("dec")
            is_real = "." in text or "e" in text.lower()
            if suffix == "d":
                from decimal import Decimal

                value = float(Decimal(text) * mult)
                kind = "real_literal"
            elif is_real:
                if suffix == "l":
                    f = float(text) * mult
                    if f != int(f):
                        raise self.error("BadNumericConstant", f"The numeric constant {self.s[start:self.pos]} is not valid.", start)
                    value = int(f)
                    kind = "integer_literal"
                else:
                    value = float(text) * mult
                    kind = "real_literal"
            else:
                n = int(text) * mult
                if n >= 2**63 and suffix != "l":
                    value = float(n)
                    kind = "real_literal"
                else:
                    value = n
                    kind = "integer_literal"
        if neg:
            value = -value
        node = self.node(kind, start)
        node.value = value
        return node

    def parse_subexpression(self) -> Node:
        start = self.pos
        self.pos += 2
        sl = self.parse_statement_list(")")
        if self.peek() != ")":
            raise self.error("MissingEndParenthesisInSubexpression", "Missing closing ')' in subexpression.", start)
        self.pos += 1
        return self.node("sub_expression", start, [self.anon("$(", start), sl, self.anon(")")], {"statements": sl})

    def parse_variable(self) -> Node:
        start = self.pos
        self.pos += 1  # $ or @
        c = self.peek()
        if c == "{":
            end = self.pos + 1
            while end < self.n and self.s[end] != "}":
                end += 2 if self.s[end] == "`" else 1
            if end >= self.n:
                raise self.error("IncompleteDollarVariableReference", "${variable} reference starting is missing the closing '}'.", start)
            if end == self.pos + 1:
                raise self.error("EmptyVariableReference", "An empty ${} variable reference was found. A name is required "
                                 "inside the braces.", start, 3)
            self.pos = end + 1
            return self.node("braced_variable", start)
        if c and c in "$?^":
            self.pos += 1
            return self.node("variable", start)
        if not (_is_name_char(c) or c == ":"):
            raise self.error("InvalidVariableReference", "Variable reference is not valid. '$' was not followed by a valid "
                             "variable name character. Consider using ${} to delimit the name.", start)
        while self.pos < self.n:
            ch = self.s[self.pos]
            if _is_name_char(ch) or ch == "?":
                self.pos += 1
            elif ch == ":" and self.peek(1) != ":" and (_is_name_char(self.peek(1)) or self.peek(1) == "{") and \
                    ":" not in self.s[start:self.pos]:
                self.pos += 1
            else:
                break
        if self.s[self.pos - 1] == "?" and self.pos - start > 2:
            self.pos -= 1 if not _is_name_char(self.s[self.pos - 2]) else 0
        return self.node("variable", start)

    def parse_script_block_expression(self) -> Node:
        start = self.pos
        self.pos += 1
        body = self.parse_block_body(self.pos, "}")
        if self.peek() != "}":
            raise self.error("MissingEndCurlyBrace", "Missing closing '}' in statement block or type definition.", start)
        pb = next((c for c in body.children if c.type == "param_block"), None)
        body.children = [c for c in body.children if c.type != "param_block"]
        sb = self.node("script_block", start + 1, ([pb] if pb is not None else []) + [body], {"script_block_body": body})
        self.pos += 1
        return self.node("script_block_expression", start, [self.anon("{", start), sb, self.anon("}")])

    def parse_hash_literal(self) -> Node:
        start = self.pos
        self.pos += 2
        entries: list[Node] = []
        while True:
            self.skip_separators()
            if self.peek() == "}":
                self.pos += 1
                break
            if self.eof():
                raise self.error("IncompleteHashLiteral", "The hash literal was incomplete.", start)
            estart = self.pos
            c = self.peek()
            if c in _SQUOTES or c in _DQUOTES or c in "$(@":
                key = self.parse_unary(comma=False)
            elif c.isdigit():
                key = self.parse_unary(comma=False)
            else:
                while self.pos < self.n and self.s[self.pos] not in _WS + _NL + "=;}":
                    self.pos += 1
                if self.pos == estart:
                    raise self.error("MissingKeyInHashLiteral", "Missing key before '=' in hash literal.")
                key = self.node("simple_name", estart)
            if key is None:
                raise self.error("MissingKeyInHashLiteral", "Missing key before '=' in hash literal.")
            self.skip_ws_nl()
            if self.peek() != "=":
                raise self.error("MissingEqualsInHashLiteral", "Missing '=' operator after key in hash literal.")
            eq = self.pos
            self.pos += 1
            self.skip_ws_nl()
            value = self.parse_statement()
            if value is None:
                raise self.error("MissingStatementInHashLiteral", "Missing statement after '=' in hash literal.")
            entries.append(self.node("hash_entry", estart, [key, self.anon("=", eq), value]))
            self.skip_ws()
            c = self.peek()
            if c not in ";}" and c not in _NL or c == "":
                if c == "":
                    raise self.error("IncompleteHashLiteral", "The hash literal was incomplete.", start)
                raise self.error("MissingEndCurlyBrace", "Missing closing '}' in statement block or type definition.", start)
        body = self.node("hash_literal_body", start + 2, entries, end=self.pos - 1)
        return self.node("hash_literal_expression", start, [self.anon("@{", start), body, self.anon("}")])

    # ------------------------------------------------------------ strings
    def parse_string(self) -> Node:
        start = self.pos
        c = self.peek()
        if c == "@":
            return self.parse_here_string()
        if c in _SQUOTES:
            self.pos += 1
            buf: list[str] = []
            while True:
                if self.pos >= self.n:
                    raise self.error("TerminatorExpectedAtEndOfString", "The string is missing the terminator: '.", start)
                ch = self.s[self.pos]
                if ch in _SQUOTES:
                    if self.peek(1) in _SQUOTES and self.peek(1):
                        buf.append(ch)
                        self.pos += 2
                        continue
                    self.pos += 1
                    break
                buf.append(ch)
                self.pos += 1
            inner = self.node("verbatim_string_characters", start)
            inner.value = "".join(buf)
            node = self.node("string_literal", start, [inner])
            node.value = inner.value
            return node
        self.pos += 1
        parts = self._expandable_body(start, here=False)
        inner = self.node("expandable_string_literal", start)
        inner.parts = parts
        return self.node("string_literal", start, [inner])

    def _expandable_body(self, start: int, here: bool) -> list[Any]:
        parts: list[Any] = []
        buf: list[str] = []
        while True:
            if self.pos >= self.n:
                if here:
                    raise self.error("TerminatorExpectedAtEndOfString", 'The string is missing the terminator: "@.', start)
                raise self.error("TerminatorExpectedAtEndOfString", 'The string is missing the terminator: ".', start)
            ch = self.s[self.pos]
            if here:
                if ch in _NL:
                    m = re.compile(r"(\r\n|\n|\r)[\"\u201c\u201d\u201e]@").match(self.s, self.pos)
                    if m:
                        self.pos = m.end()
                        break
            elif ch in _DQUOTES:
                if self.peek(1) in _DQUOTES and self.peek(1):
                    buf.append('""')
                    self.pos += 2
                    continue
                self.pos += 1
                break
            if ch == "`" and self.pos + 1 < self.n:
                buf.append(self.s[self.pos:self.pos + 2])
                self.pos += 2
                continue
            if ch == "$" and self.pos + 1 < self.n:
                d = self.s[self.pos + 1]
                if d == "(":
                    if buf:
                        parts.append("".join(buf))
                        buf = []
                    parts.append(self.parse_subexpression())
                    continue
                if _is_name_char(d) or d in "{?^$" or (d == ":" and False):
                    if d == "{" or _is_name_char(d) or d in "?^$":
                        if buf:
                            parts.append("".join(buf))
                            buf = []
                        parts.append(self.parse_variable())
                        continue
            buf.append(ch)
            self.pos += 1
        if buf:
            parts.append("".join(buf))
        return parts

    def parse_here_string(self) -> Node:
        start = self.pos
        q = self.peek(1)
        self.pos += 2
        while self.peek() in _WS and self.peek():
            self.pos += 1
        if self.peek() not in _NL or not self.peek():
            raise self.error("UnexpectedCharactersAfterHereStringHeader",
                             "No characters are allowed after a here-string header but before the end of the line.")
        if self.peek() == "\r" and self.peek(1) == "\n":
            self.pos += 2
        else:
            self.pos += 1
        body_start = self.pos
        if q in _SQUOTES:
            # the closing '@ must start a line; the line break before it is not part of the string
            k = body_start
            while True:
                m2 = re.compile(r"['\u2018\u2019\u201a\u201b]@").search(self.s, k)
                if m2 is None:
                    raise self.error("TerminatorExpectedAtEndOfString", "The string is missing the terminator: '@.", start)
                at = m2.start()
                if at == body_start or self.s[at - 1] in _NL:
                    break
                k = at + 1
            body = self.s[body_start:at]
            if body.endswith("\r\n"):
                body = body[:-2]
            elif body.endswith("\n") or body.endswith("\r"):
                body = body[:-1]
            self.pos = at + 2
            inner = self.node("verbatim_here_string_characters", start)
            inner.value = body
            node = self.node("string_literal", start, [inner])
            node.value = body
            return node
        if self.s[self.pos:self.pos + 1] in _DQUOTES and self.s[self.pos + 1:self.pos + 2] == "@" and self.pos == body_start:
            self.pos += 2
            parts: list[Any] = []
        else:
            self.pos = body_start
            parts = self._expandable_body(start, here=True)
        inner = self.node("expandable_here_string_literal", start)
        inner.parts = parts
        return self.node("string_literal", start, [inner])


def parse(text: str) -> Node:
    """Parse a whole script; raises :class:`ParseError` on a syntax error."""
    return Parser(text).parse_script()


def check(text: str) -> ParseError | None:
    """The first syntax error in ``text``, or None (for tests and template checks)."""
    try:
        parse(text)
    except ParseError as exc:
        return exc
    return None
