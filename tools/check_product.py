#!/usr/bin/python3
"""make check-product: the product image links no lab code (docs/lab.md).

  tools/check_product.py --product build/knock.elf \\
      --replaced build/k/chips/x86_64/arch_irq.o --lab LAB_OBJECT...

A lab symbol is a global symbol (function or data) that one of the lab's
objects defines, except those that a lab object defines in place of a
product file it replaces (--replaced: the same names, on purpose). The
check lists every lab symbol that knock.elf also defines and fails, so a
product file that starts calling into the wing, or a Makefile that links a
lab object into the product, is caught by name. It reads the symbols with
nm, not with anything the build wrote.
"""
import argparse
import subprocess
import sys

GLOBAL_DEFINED = set("TDBR")


def defined_globals(path):
    out = subprocess.run(["nm", "--defined-only", str(path)], capture_output=True, text=True,
                         check=True).stdout
    names = set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] in GLOBAL_DEFINED:
            names.add(parts[2])
    return names


def lab_symbols(lab_objects, replaced_objects):
    lab = {}
    for obj in lab_objects:
        for name in defined_globals(obj):
            lab.setdefault(name, obj)
    allowed = set()
    for obj in replaced_objects:
        allowed |= defined_globals(obj)
    return {name: obj for name, obj in lab.items() if name not in allowed}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--product", required=True, help="the product ELF (build/knock.elf)")
    ap.add_argument("--replaced", nargs="*", default=[],
                    help="product objects the lab image replaces with its own copies")
    ap.add_argument("--lab", nargs="+", required=True, help="the lab wing's objects")
    args = ap.parse_args(argv)
    lab = lab_symbols(args.lab, args.replaced)
    if not lab:
        print("check-product: the lab objects define no symbols: is the list right?",
              file=sys.stderr)
        return 1
    leaked = sorted(name for name in defined_globals(args.product) if name in lab)
    if leaked:
        print(f"check-product: {args.product} contains {len(leaked)} lab symbol(s):",
              file=sys.stderr)
        for name in leaked:
            print(f"  {name} (defined by {lab[name]})", file=sys.stderr)
        return 1
    print(f"check-product: {args.product} has none of the lab's {len(lab)} symbols")
    return 0


if __name__ == "__main__":
    sys.exit(main())
