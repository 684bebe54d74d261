"""Structural check of a graphviz file, for machines without graphviz.

Parses the subset of the dot grammar cnnc writes (digraph, subgraph,
attribute, node and edge statements with quoted or bare ids) and checks
that braces and brackets balance, strings are closed, every edge joins
declared nodes, and every subgraph is a cluster_*. Prints a count line;
exits 1 with a message on the first error.
"""
import re
import sys

TOKEN = re.compile(r'\s*(?:("(?:[^"\\]|\\.)*")|(->|[{}\[\];=,])|([A-Za-z_0-9.]+))')


def tokens(text):
    pos = 0
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos == len(text):
            return
        m = TOKEN.match(text, pos)
        if not m or m.end() == pos:
            sys.exit(f"bad token at offset {pos}: {text[pos:pos + 20]!r}")
        pos = m.end()
        yield m.group(1) or m.group(2) or m.group(3)


class Parser:
    def __init__(self, text):
        self.toks = list(tokens(text))
        self.i = 0
        self.nodes, self.edges, self.clusters = set(), [], []

    def peek(self):
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self, want=None):
        t = self.peek()
        if t is None or (want is not None and t != want):
            sys.exit(f"expected {want!r}, found {t!r} (token {self.i})")
        self.i += 1
        return t

    def attrs(self):
        if self.peek() != "[":
            return
        self.take("[")
        while self.peek() != "]":
            self.take()
            self.take("=")
            self.take()
            if self.peek() in (",", ";"):
                self.take()
        self.take("]")

    def body(self):
        self.take("{")
        while self.peek() != "}":
            self.stmt()
            if self.peek() == ";":
                self.take()
        self.take("}")

    def stmt(self):
        if self.peek() == "{":  # an anonymous subgraph, e.g. {rank=same; a;}
            self.body()
            return
        t = self.take()
        if t == "subgraph":
            name = self.take()
            if not name.strip('"').startswith("cluster_"):
                sys.exit(f"subgraph {name} is not a cluster")
            self.clusters.append(name)
            self.body()
        elif t in ("graph", "node", "edge"):
            self.attrs()
        elif self.peek() == "=":
            self.take("=")
            self.take()
        elif self.peek() == "->":
            self.take("->")
            self.edges.append((t, self.take()))
            self.attrs()
        else:
            self.nodes.add(t)
            self.attrs()

    def run(self):
        self.take("digraph")
        if self.peek() != "{":
            self.take()
        self.body()
        if self.peek() is not None:
            sys.exit(f"text after the graph: {self.peek()!r}")
        for a, b in self.edges:
            for end in (a, b):
                if end not in self.nodes:
                    sys.exit(f"edge {a} -> {b}: {end} is not declared")
        print(f"dot ok: {len(self.nodes)} nodes, {len(self.edges)} edges, "
              f"{len(self.clusters)} clusters")


Parser(open(sys.argv[1]).read()).run()
