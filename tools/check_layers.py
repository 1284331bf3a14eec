#!/usr/bin/python3
"""Check knock's layering (docs/architecture.md, "Layers"): tools/check_layers.py ROOT

Rules, for the C and assembly sources of the kernel. tests/, tools/, docs/
and build/ are host code or output and are not checked.

  1. capsules/ include only kernel/ headers (kernel/hil/ too) and their own
     capsules/ headers, never kernel/arch.h (capsules reach time through
     kernel/clock.h and the like), and from <...> only the freestanding
     headers below. This is C's stand-in for Tock's forbid(unsafe_code).
  2. kernel/ includes nothing from chips/, board/ or capsules/, and from
     <...> only the freestanding headers: it knows nothing about x86.
  3. chips/ includes nothing from capsules/ or board/: only the board knows
     which capsule gets which chip.
  4. Outside chips/x86_64/ and boot/: no inline asm, no `volatile`, no port
     I/O helpers, no MSR access, no x86 intrinsics, no integer literal cast
     to a pointer (MMIO), no assembly source files.
  5. The lab wing (a lab/ folder beside each layer, docs/lab.md): a file
     outside it never includes a header inside it. The product knows
     nothing of the lab; the lab uses the product.
  6. No include cycles between modules (foo.c and foo.h are one module):
     if a.c includes b.h, no chain of includes may lead from b back to a.
     A cycle means two concepts that cannot be read apart.
  7. apps/ (user programs, docs/processes.md) include only libknock's
     headers and the freestanding ones: an app reaches knock only through
     system calls. Inline asm and `volatile` only in apps/libknock/ (the
     `syscall` instruction); port I/O, MSRs and intrinsics nowhere in
     apps/. An integer literal cast to a pointer is allowed there: in ring
     3 it names no device, and the hostile test apps need kernel addresses.

Comments and string literals are blanked out before matching, so a comment
that mentions volatile is fine. Prints "path:line: message" per violation
and exits 1 if there is any.
"""
import os
import re
import sys

FREESTANDING = {"stdint.h", "stddef.h", "stdbool.h", "stdarg.h"}
HARDWARE_DIRS = ("chips/x86_64/", "boot/")
SKIP_DIRS = {"build", "tests", "tools", "docs"}

INCLUDE = re.compile(r'^[ \t]*#[ \t]*include[ \t]*([<"])([^>"\n]+)[>"]', re.M)
X86_HEADER = re.compile(r"(intrin\.h|^cpuid\.h|^sys/io\.h)$")

# (pattern, message) pairs for rule 4, matched on code with comments and
# strings blanked out.
HARDWARE = [
    (r"\b(asm|__asm|__asm__)\b", "inline asm"),
    (r"\b(volatile|__volatile__)\b", "`volatile`"),
    (r"\b((in|out)(b|w|l|sb|sw|sl)(_p)?|(in|out)(8|16|32)|port_(in|out|read|write)\w*)\s*\(",
     "port I/O"),
    (r"\b(rd|wr)msr\w*\b", "MSR access"),
    (r"\b__builtin_ia32_\w+", "x86 intrinsic"),
    # (T *)0xfee00000, also through integer casts: (T *)(uintptr_t)0x...
    (r"\(\s*(?:(?:const|volatile|struct|union|enum)\s+)*[A-Za-z_]\w*"
     r"(?:\s+(?:const|volatile))*\s*\*[\s*]*(?:const\s*)?\)"
     r"(?:\s*\(\s*[A-Za-z_]\w*\s*\))*\s*\(?\s*(?P<addr>0[xX][0-9a-fA-F]+|[1-9][0-9]*)",
     "integer literal cast to a pointer (MMIO)"),
]
HARDWARE = [(re.compile(p), m) for p, m in HARDWARE]


def blank(text, keep_strings):
    """Replace comments (and, unless keep_strings, the insides of string and
    character literals) by spaces, keeping every newline so that offsets and
    line numbers stay the same."""
    out = list(text)
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i) or text.startswith("/*", i):
            if text[i + 1] == "/":
                end = text.find("\n", i)
                end = n if end < 0 else end
            else:
                end = text.find("*/", i + 2)
                end = n if end < 0 else end + 2
            for j in range(i, end):
                out[j] = "\n" if text[j] == "\n" else " "
            i = end
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            if not keep_strings:
                for k in range(i + 1, min(j, n)):
                    out[k] = "\n" if text[k] == "\n" else " "
            i = j + 1
        else:
            i += 1
    return "".join(out)


def resolve(root, rel, name):
    """Where the compiler finds #include "name" written in file rel: the
    file's own directory first, then the repository root (-I.)."""
    beside = os.path.normpath(os.path.join(os.path.dirname(rel), name))
    if os.path.exists(os.path.join(root, beside)):
        return beside.replace(os.sep, "/")
    return os.path.normpath(name).replace(os.sep, "/")


def include_problem(rel, kind, target):
    """Why file rel may not include target, or None if it may."""
    if rel.startswith("apps/"):
        if kind == "<":
            if target not in FREESTANDING:
                return "only <stdint.h> <stddef.h> <stdbool.h> <stdarg.h> allowed here"
            return None
        if not target.startswith(("libknock/", "apps/libknock/")):
            return "apps may include only libknock/ headers"
        return None
    if kind == "<":
        if rel.startswith(("kernel/", "capsules/")) and target not in FREESTANDING:
            return "only <stdint.h> <stddef.h> <stdbool.h> <stdarg.h> allowed here"
        if X86_HEADER.search(target) and not rel.startswith(HARDWARE_DIRS):
            return "x86 header outside chips/x86_64/ and boot/"
        return None
    if rel.startswith("capsules/"):
        if target == "kernel/arch.h":
            return "capsules may not include kernel/arch.h (use kernel/clock.h etc.)"
        if not target.startswith(("kernel/", "capsules/")):
            return "capsules may include only kernel/ and capsules/ headers"
    if rel.startswith("kernel/") and target.startswith(("chips/", "board/", "capsules/")):
        return "kernel/ may not include chips/, board/ or capsules/"
    if rel.startswith("chips/") and target.startswith(("board/", "capsules/")):
        return "chips/ may not include board/ or capsules/"
    if "/lab/" in "/" + target and "/lab/" not in "/" + rel:
        return "only the lab wing may include its headers (docs/lab.md)"
    return None


def quoted_includes(root, rel):
    """The files rel includes with "...", resolved, in order."""
    with open(os.path.join(root, rel), encoding="utf-8", errors="replace") as f:
        text = blank(f.read(), keep_strings=True)
    return [resolve(root, rel, m.group(2).strip()) for m in INCLUDE.finditer(text)
            if m.group(1) == '"']


def module(rel):
    return os.path.splitext(rel)[0]


def include_cycles(root, files):
    """Every include cycle among the modules of files, each as a list of
    modules that starts and ends with the same one (reported once)."""
    graph = {}
    for rel in files:
        if rel.endswith((".asm", ".s", ".S")):
            continue
        edges = graph.setdefault(module(rel), [])
        for t in quoted_includes(root, rel):
            if t in files and module(t) != module(rel) and module(t) not in edges:
                edges.append(module(t))
    cycles, seen, state = [], set(), {}

    def visit(node, path):
        state[node] = "open"
        path.append(node)
        for nxt in graph.get(node, []):
            if state.get(nxt) == "open":
                cycle = path[path.index(nxt):] + [nxt]
                key = frozenset(cycle)
                if key not in seen:
                    seen.add(key)
                    cycles.append(cycle)
            elif nxt not in state:
                visit(nxt, path)
        path.pop()
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [])
    return cycles


def check_file(root, rel):
    """Return a list of (line, message) for one file."""
    if rel.endswith((".asm", ".s", ".S")):
        if rel.startswith(HARDWARE_DIRS):
            return []
        return [(1, "assembly source outside chips/x86_64/ and boot/")]
    with open(os.path.join(root, rel), encoding="utf-8", errors="replace") as f:
        text = f.read()

    def line_of(offset):
        return text.count("\n", 0, offset) + 1

    problems = []
    for m in INCLUDE.finditer(blank(text, keep_strings=True)):
        kind, name = m.group(1), m.group(2).strip()
        target = name if kind == "<" else resolve(root, rel, name)
        why = include_problem(rel, kind, target)
        if why:
            shown = f"<{name}>" if kind == "<" else f'"{name}"'
            problems.append((line_of(m.start()), f"#include {shown}: {why}"))
    if not rel.startswith(HARDWARE_DIRS):
        code = blank(text, keep_strings=False)
        for pattern, message in HARDWARE:
            if rel.startswith("apps/libknock/") and message in ("inline asm", "`volatile`"):
                continue
            if rel.startswith("apps/") and message.startswith("integer literal"):
                continue
            for m in pattern.finditer(code):
                addr = m.groupdict().get("addr")
                if addr is not None and int(addr, 0) < 0x1000:
                    continue  # small constants such as (T *)0 are not MMIO
                problems.append((line_of(m.start()),
                                 f"{message} outside chips/x86_64/ and boot/"))
    return sorted(problems)


def sources(root):
    """Every checked source file, as a path relative to root with '/'."""
    for dirpath, dirnames, filenames in os.walk(root):
        rel_dir = os.path.relpath(dirpath, root).replace(os.sep, "/")
        rel_dir = "" if rel_dir == "." else rel_dir + "/"
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".")
                             and not (rel_dir == "" and d in SKIP_DIRS))
        for name in sorted(filenames):
            if name.endswith((".c", ".h", ".asm", ".s", ".S")):
                yield rel_dir + name


def main(argv):
    if len(argv) != 2:
        print("usage: check_layers.py ROOT", file=sys.stderr)
        return 2
    root = argv[1]
    files = list(sources(root))
    violations = 0
    for rel in files:
        for line, message in check_file(root, rel):
            print(f"{rel}:{line}: {message}")
            violations += 1
    for cycle in include_cycles(root, set(files)):
        print(f"{cycle[0]}:1: include cycle: {' -> '.join(cycle)}")
        violations += 1
    if violations:
        print(f"check-layers: {violations} violation(s); see docs/architecture.md, \"Layers\"")
        return 1
    print(f"check-layers: {len(files)} files clean")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
