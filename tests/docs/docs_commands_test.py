#!/usr/bin/env python3
"""Every command the documentation shows is one the tools take.

Reads each fenced code block of README.md and docs/*.md, joins continued lines, and for every
invocation of esep, esepd, esep-tabulator or esep-accuracy checks that the subcommand exists and
that every --flag written after it is one that command's --help lists. A flag the tools refuse
(docs/audit.md once showed one) fails the test with the file and line.

Usage: docs_commands_test.py PROGRAM=PATH... [DOC...]   (the built programs, e.g. esep=build/tools/esep)
"""
import pathlib
import re
import shlex
import subprocess
import sys

PROGRAMS = ("esep", "esepd", "esep-tabulator", "esep-accuracy")
# Programs whose first word after the name is a subcommand with its own --help.
WITH_SUBCOMMANDS = {"esep", "esep-tabulator"}
FLAG = re.compile(r"--[a-z0-9][a-z0-9-]*")


def blocks(path):
    """(first line number, text) of each fenced code block, continued lines joined."""
    lines = path.read_text(encoding="utf-8").splitlines()
    inside, start, body = False, 0, []
    for number, line in enumerate(lines, 1):
        if line.lstrip().startswith("```"):
            if inside:
                yield from commands(start, body)
                inside, body = False, []
            else:
                inside, start = True, number + 1
            continue
        if inside:
            body.append(line)


def commands(start, body):
    joined, first = "", None
    for offset, line in enumerate(body):
        if first is None:
            first = start + offset
        if line.rstrip().endswith("\\"):
            joined += line.rstrip()[:-1] + " "
            continue
        yield first, joined + line
        joined, first = "", None


def words(text):
    text = re.sub(r"#.*$", "", text)  # a shell comment
    text = text.replace("[", " ").replace("]", " ").replace("(", " ").replace(")", " ")
    text = text.replace("|", " ").replace(";", " ").replace("&&", " ")
    try:
        return shlex.split(text)
    except ValueError:
        return text.split()


_help = {}


def help_text(paths, program, subcommand):
    key = (program, subcommand)
    if key not in _help:
        argv = [paths[program]] + ([subcommand] if subcommand else []) + ["--help"]
        done = subprocess.run(argv, capture_output=True, text=True, timeout=60)
        _help[key] = (done.returncode, done.stdout + done.stderr)
    return _help[key]


def check(paths, path):
    problems, seen = [], 0
    for line_number, text in blocks(path):
        tokens = words(text)
        for i, token in enumerate(tokens):
            program = pathlib.PurePath(token).name
            if program not in PROGRAMS or (token != program and "/" not in token):
                continue
            rest = tokens[i + 1:]
            # The invocation ends where another program starts.
            for j, word in enumerate(rest):
                if pathlib.PurePath(word).name in PROGRAMS:
                    rest = rest[:j]
                    break
            subcommand = None
            if program in WITH_SUBCOMMANDS and rest and not rest[0].startswith("-"):
                subcommand = rest[0]
                if not re.fullmatch(r"[a-z][a-z-]*", subcommand) or subcommand.isupper():
                    subcommand = None
            if program in WITH_SUBCOMMANDS and subcommand is None:
                continue  # "esep --version", "esep COMMAND" and the like
            status, usage = help_text(paths, program, subcommand)
            where = f"{path}:{line_number}"
            name = " ".join(filter(None, [program, subcommand]))
            if status != 0:
                problems.append(f"{where}: `{name}` is not a command: {usage.strip()[:200]}")
                continue
            seen += 1
            for word in rest:
                for flag in FLAG.findall(word.split("=")[0]) if word.startswith("--") else []:
                    if flag in ("--help", "--version"):
                        continue
                    if not re.search(re.escape(flag) + r"(?![a-z0-9-])", usage):
                        problems.append(f"{where}: `{name}` has no flag {flag}")
    return problems, seen


def main():
    paths = dict(a.split("=", 1) for a in sys.argv[1:] if "=" in a)
    missing = [p for p in PROGRAMS if p not in paths]
    if missing:
        print(f"docs_commands_test: give the path of {', '.join(missing)} (NAME=PATH)")
        return 2
    repo = pathlib.Path(__file__).resolve().parents[2]
    docs = [pathlib.Path(a) for a in sys.argv[1:] if "=" not in a]
    docs = docs or [repo / "README.md", *sorted((repo / "docs").glob("*.md"))]
    problems, total = [], 0
    for doc in docs:
        found, seen = check(paths, doc)
        problems += found
        total += seen
    for problem in problems:
        print(problem)
    print(f"docs_commands_test: {total} commands checked in {len(docs)} documents, "
          f"{len(problems)} problem(s)")
    if total == 0:
        print("docs_commands_test: no command found: the test reads nothing")
        return 1
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
