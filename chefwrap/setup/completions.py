"""chefwrap's own shell completions, generated from its one argparse tree (chefwrap.parser).

They are generated into the repository's completions/ folder (`python3 tools/generate_completions.py`;
a test checks the files equal what the parser generates), shipped in the package, and
`chefwrap install` copies them where each shell loads completions from. Nothing is written by hand, so
every subcommand and option the parser knows completes in bash, zsh and fish, and nothing else does.

Each script finds the subcommand path typed so far (`telemetry show`) by walking the words before the
cursor, skipping options and the values they take, then offers that level's subcommands and options,
or the choices of the option just typed (files for an option that takes a free value).
"""

import argparse
from dataclasses import dataclass, field

MARKER = "chefwrap-completion"  # uninstall removes only files that carry it
PROGRAM = "chefwrap"
FILE_NAMES = {"bash": "chefwrap.bash", "zsh": "_chefwrap", "fish": "chefwrap.fish"}  # in completions/


@dataclass
class Option:
    flags: list  # ["-n"], ["--dry-run"]
    help: str
    takes_value: bool
    choices: list  # [] when the value is free
    files: bool = False  # a free value that names a file


@dataclass
class Level:
    path: str  # "" for the top, "telemetry show" below
    help: str = ""
    options: list = field(default_factory=list)
    subcommands: dict = field(default_factory=dict)  # name -> Level


def tree(parser: argparse.ArgumentParser, path: str = "", help: str = "") -> Level:
    level = Level(path, help)
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {choice.dest: choice.help or "" for choice in action._choices_actions}
            for name, subparser in action.choices.items():
                level.subcommands[name] = tree(subparser, f"{path} {name}".strip(), helps.get(name, ""))
        elif action.option_strings:
            choices = [str(choice) for choice in action.choices or getattr(action, "completion_choices", ())]
            files = getattr(action, "completes_files", False)
            level.options.append(Option(list(action.option_strings), action.help or "", action.nargs != 0, choices, files))
    return level


def levels(top: Level) -> list:
    """Every level of the tree, top first."""
    found = [top]
    for sub in top.subcommands.values():
        found += levels(sub)
    return found


def render(shell: str, parser: argparse.ArgumentParser) -> str:
    """The completion script for `shell` of everything `parser` (chefwrap.parser's) knows."""
    top = tree(parser)
    return {"bash": bash, "zsh": zsh, "fish": fish}[shell](levels(top))


def _words(items) -> str:
    return " ".join(items)


def _flags(level: Level, valued=None) -> list:
    return [flag for option in level.options for flag in option.flags if valued is None or option.takes_value == valued]


def _single_quoted(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


# bash and zsh share the walk: sh-style case statements over the path.

def _path_cases(all_levels, what) -> str:
    lines = []
    for level in all_levels:
        value = what(level)
        if value:
            lines.append(f"        {_single_quoted(level.path)}) echo {_single_quoted(value)} ;;")
    return "\n".join(lines)


def _choice_cases(all_levels) -> str:
    lines = []
    for level in all_levels:
        for option in level.options:
            if option.takes_value:
                pattern = "|".join(_single_quoted(f"{level.path}|{flag}") for flag in option.flags)
                lines.append(f"        {pattern}) echo {_single_quoted(_words(option.choices) or ('@files' if option.files else '@none'))} ;;")
    return "\n".join(lines)


def _helpers(all_levels) -> str:
    """sh functions: __chefwrap_subcommands PATH, __chefwrap_options PATH, __chefwrap_valued PATH,
    __chefwrap_choices 'PATH|FLAG' (@files: file names, @none: a free value), and __chefwrap_path WORD... which
    prints the subcommand path the words reach."""
    return f"""__chefwrap_subcommands() {{
    case "$1" in
{_path_cases(all_levels, lambda level: _words(level.subcommands))}
    esac
}}
__chefwrap_options() {{
    case "$1" in
{_path_cases(all_levels, lambda level: _words(_flags(level)))}
    esac
}}
__chefwrap_valued() {{
    case "$1" in
{_path_cases(all_levels, lambda level: _words(_flags(level, valued=True)))}
    esac
}}
__chefwrap_choices() {{
    case "$1" in
{_choice_cases(all_levels)}
    esac
}}
__chefwrap_path() {{
    local at="" skip="" word
    for word in "$@"; do
        if [ -n "$skip" ]; then skip=""; continue; fi
        case "$word" in
            --) break ;;
            --*=*) continue ;;
            -*) case " $(__chefwrap_valued "$at") " in *" $word "*) skip=1 ;; esac; continue ;;
        esac
        case " $(__chefwrap_subcommands "$at") " in
            *" $word "*) at="${{at:+$at }}$word" ;;
            *) [ -n "$(__chefwrap_subcommands "$at")" ] && break ;;
        esac
    done
    echo "$at"
}}"""


def bash(all_levels) -> str:
    return f"""# {MARKER}: bash completion for {PROGRAM}, generated from its parser by `chefwrap install`.
{_helpers(all_levels)}
# The candidates for the word being completed: __chefwrap_candidates WORD... CURRENT (bash and tests call it).
__chefwrap_candidates() {{
    local IFS=$' \t\n' count=$(($# - 1)) words=("$@") at prev choices
    local cur=${{words[$count]}}
    at=$(__chefwrap_path "${{words[@]:1:$((count - 1))}}")
    prev=${{words[$((count - 1))]}}
    choices=$(__chefwrap_choices "$at|$prev")
    if [ "$count" -gt 1 ] && [ -n "$choices" ]; then
        case "$choices" in
            @files) compgen -f -- "$cur" ;;
            @none) ;;
            *) compgen -W "$choices" -- "$cur" ;;
        esac
        return
    fi
    case "$cur" in
        -*) compgen -W "$(__chefwrap_options "$at")" -- "$cur" ;;
        *) compgen -W "$(__chefwrap_subcommands "$at")" -- "$cur" ;;
    esac
}}
_{PROGRAM}() {{
    local IFS=$'\\n'
    COMPREPLY=($(__chefwrap_candidates "${{COMP_WORDS[@]:0:$COMP_CWORD}}" "${{COMP_WORDS[COMP_CWORD]}}"))
}}
complete -F _{PROGRAM} {PROGRAM}
"""


def zsh(all_levels) -> str:
    descriptions = []
    for level in all_levels:
        for name, sub in level.subcommands.items():
            descriptions.append(f"        {_single_quoted(f'{level.path}|{name}')}) echo {_single_quoted(sub.help)} ;;")
        for option in level.options:
            for flag in option.flags:
                descriptions.append(f"        {_single_quoted(f'{level.path}|{flag}')}) echo {_single_quoted(option.help)} ;;")
    return f"""#compdef {PROGRAM}
# {MARKER}: zsh completion for {PROGRAM}, generated from its parser by `chefwrap install`.
{_helpers(all_levels)}
__chefwrap_describe() {{
    case "$1" in
{chr(10).join(descriptions)}
    esac
}}
# What completes the word being completed: __chefwrap_candidates WORD... CURRENT prints a kind
# (@files, @choices or @names), then the candidates, one a line.
__chefwrap_candidates() {{
    local cur=${{@[-1]}} at prev choices candidate
    at=$(__chefwrap_path "${{(@)@[2,-2]}}")
    prev=${{@[-2]}}
    choices=$(__chefwrap_choices "$at|$prev")
    if (( $# > 2 )) && [[ $choices == @files || $choices == @none ]]; then
        print -r -- $choices
        return
    fi
    if (( $# > 2 )) && [[ -n $choices ]]; then
        print -r -- @choices
        for candidate in ${{=choices}}; do [[ $candidate == $cur* ]] && print -r -- "$candidate"; done
        return
    fi
    print -r -- @names
    if [[ $cur == -* ]]; then
        for candidate in ${{=$(__chefwrap_options "$at")}}; do [[ $candidate == $cur* ]] && print -r -- "$candidate"; done
    else
        for candidate in ${{=$(__chefwrap_subcommands "$at")}}; do [[ $candidate == $cur* ]] && print -r -- "$candidate"; done
    fi
    return 0
}}
_{PROGRAM}() {{
    local -a found described
    local candidate at
    found=("${{(@f)$(__chefwrap_candidates "${{(@)words[1,CURRENT]}}")}}")
    case ${{found[1]}} in
        @files) _files ;;
        @none) _message value ;;
        @choices) compadd -- "${{(@)found[2,-1]}}" ;;
        *)
            at=$(__chefwrap_path "${{(@)words[2,CURRENT-1]}}")
            for candidate in "${{(@)found[2,-1]}}"; do
                described+=("${{candidate//:/\\:}}:$(__chefwrap_describe "$at|$candidate")")
            done
            _describe -t commands {PROGRAM} described ;;
    esac
}}
if [[ $zsh_eval_context[-1] == loadautofunc ]]; then
    _{PROGRAM} "$@"
else
    compdef _{PROGRAM} {PROGRAM}
fi
"""


def fish(all_levels) -> str:
    lines = [
        f"# {MARKER}: fish completion for {PROGRAM}, generated from its parser by `chefwrap install`.",
        "# The subcommand path the words typed so far reach (options and their values skipped).",
        "function __chefwrap_path",
        "    set -l path ''",
        "    set -l skip 0",
        "    for word in (commandline -opc)[2..-1]",
        "        if test $skip = 1",
        "            set skip 0",
        "            continue",
        "        end",
        "        switch $word",
        "            case '--'",
        "                break",
        "            case '--*=*'",
        "                continue",
        "            case '-*'",
        "                contains -- $word (__chefwrap_valued $path); and set skip 1",
        "                continue",
        "        end",
        "        set -l subcommands (__chefwrap_subcommands $path)",
        "        if contains -- $word $subcommands",
        "            set path (string trim -- \"$path $word\")",
        "        else if test (count $subcommands) -gt 0",
        "            break",
        "        end",
        "    end",
        "    echo $path",
        "end",
        "function __chefwrap_at",
        "    test (__chefwrap_path) = \"$argv[1]\"",
        "end",
    ]
    for name, what in (("subcommands", lambda level: list(level.subcommands)), ("valued", lambda level: _flags(level, valued=True))):
        lines.append(f"function __chefwrap_{name}")
        lines.append("    switch \"$argv[1]\"")
        for level in all_levels:
            items = what(level)
            if items:
                lines.append(f"        case {_fish_quoted(level.path)}")
                lines.append(f"            printf '%s\\n' {' '.join(_fish_quoted(item) for item in items)}")
        lines.append("    end")
        lines.append("end")
    lines.append(f"complete -c {PROGRAM} -f")
    for level in all_levels:
        condition = _fish_quoted(f"__chefwrap_at {_fish_quoted(level.path)}")
        for name, sub in level.subcommands.items():
            lines.append(f"complete -c {PROGRAM} -n {condition} -a {_fish_quoted(name)} -d {_fish_quoted(sub.help)}")
        for option in level.options:
            spelled = []
            for flag in option.flags:
                if flag.startswith("--"):
                    spelled.append(f"-l {_fish_quoted(flag[2:])}")
                else:
                    spelled.append(f"-s {_fish_quoted(flag[1:])}")
            value = ""
            if option.takes_value:
                value = f" -x -a {_fish_quoted(_words(option.choices))}" if option.choices else (" -r -F" if option.files else " -x")
            lines.append(f"complete -c {PROGRAM} -n {condition} {' '.join(spelled)}{value} -d {_fish_quoted(option.help)}")
    return "\n".join(lines) + "\n"


def _fish_quoted(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def shipped(shell: str) -> str:
    """The completion script for `shell` as shipped in completions/."""
    from chefwrap.resources import read_text

    return read_text(f"completions/{FILE_NAMES[shell]}")

