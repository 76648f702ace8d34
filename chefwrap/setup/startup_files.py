"""The marked block that puts the shims first on PATH, and its exact insertion and removal.

Removal restores a start-up file byte for byte, and the block carries all it takes to undo it: at the
end of a file that had no final newline the block gets none either, and in a file install created the
block says so, so that uninstall deletes the file when nothing else is left in it.
"""

import re

from chefwrap.files import read_or_none
from chefwrap.paths import Locations

BEGIN = b"# >>> chefwrap >>>"
END = b"# <<< chefwrap <<<"
CREATED_NOTE = b"# chefwrap install created this file; chefwrap uninstall deletes it."
EXPLANATION = b"# Puts the chefwrap shims first on PATH. Added by `chefwrap install`; `chefwrap uninstall` removes it."

# Debian's and most distributions' ~/.bashrc stop here for non-interactive shells, and bash reads
# ~/.bashrc for `ssh host knife`: the block goes above such a line, or that call would miss the shims.
NON_INTERACTIVE_RETURN = re.compile(
    rb"^[ \t]*(case[ \t]+\"?\$-\"?[ \t]+in\b|(if[ \t]+)?\[\[?[^\n]*(\$-|\$\{?PS1)[^\n]*\]\]?)[^\n]*(\n[^\n]*){0,3}?\breturn\b",
    re.MULTILINE,
)


class BlockError(Exception):
    """A start-up file holds a chefwrap block that cannot be edited safely."""


def sh_quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


def fish_quote(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


HOOK = "__chefwrap_shims_first"
# `chefwrap doctor` sets this to a hexadecimal nonce to learn which start-up line moved PATH: the block
# then turns on the shell's trace, every line after it naming its file, line and PATH (never otherwise).
TRACE_VARIABLE = "CHEFWRAP_DOCTOR_TRACE"


def block_body(shell: str, locations: Locations) -> list:
    """The lines between the markers, for `shell`: the shims go first on PATH, once, now and, in an
    interactive shell, again before each prompt, after whatever a later start-up line or the user at
    the prompt put first. Only shell builtins: no process is started, and when the shims are first
    already nothing changes.
    """
    shims = str(locations.shims)
    if shell == "fish":
        return fish_body(shims)
    lines = posix_hook(shims) + [HOOK]
    if shell == "sh":
        return lines
    if shell == "zsh":
        completions = sh_quote(str(locations.zsh_completions))
        return lines + [
            "if [[ -o interactive ]]; then",
            "  autoload -Uz add-zsh-hook",
            f"  add-zsh-hook -d precmd {HOOK}",
            f"  add-zsh-hook precmd {HOOK}",
            "fi",
            f"(( ${{fpath[(Ie){completions}]}} )) || fpath=({completions} $fpath)",
            f'case "${{{TRACE_VARIABLE}-}}" in',
            "  '' | *[!0-9a-f]*) ;;",
            f"  *) setopt prompt_subst xtrace; PS4='+'\"${{{TRACE_VARIABLE}}}\"':%e:${{#PATH}}:${{PATH}}:${{#${{(%):-%x}}}}:%x:%I: ' ;;",
            "esac",
        ]
    return lines + [
        'if [ -n "${BASH_VERSION-}" ]; then',
        "  case $- in",
        "    *i*)",
        "      if [[ ${BASH_VERSINFO[0]}${BASH_VERSINFO[1]} -ge 44 && ${PROMPT_COMMAND+${PROMPT_COMMAND@a}} == *r* ]]; then",
        "        :  # readonly (an audit set-up's): it cannot take the hook; `chefwrap doctor` says so",
        "      elif [[ ${BASH_VERSINFO[0]}${BASH_VERSINFO[1]} -ge 51 && ${PROMPT_COMMAND+${PROMPT_COMMAND@a}} == *a* ]]; then",
        f'        case " ${{PROMPT_COMMAND[*]}} " in *" {HOOK} "*) ;; *) PROMPT_COMMAND[${{#PROMPT_COMMAND[@]}}]={HOOK} ;; esac',
        "      else",
        f'        case "${{PROMPT_COMMAND-}}" in *{HOOK}*) ;; *) PROMPT_COMMAND="${{PROMPT_COMMAND:+${{PROMPT_COMMAND}}',
        f'}}{HOOK}" ;; esac',
        "      fi",
        "      ;;",
        "  esac",
        f'  case "${{{TRACE_VARIABLE}-}}" in',
        "    '' | *[!0-9a-f]*) ;;",
        f"    *) PS4='+'\"${{{TRACE_VARIABLE}}}\"':${{#PATH}}:${{PATH}}:${{#BASH_SOURCE}}:${{BASH_SOURCE}}:${{LINENO}}: '; set -x ;;",
        "  esac",
        "fi",
    ]


def posix_hook(shims: str) -> list:
    """A function that moves the shims folder to the front of PATH, or leaves PATH alone where it is
    there. Once `chefwrap uninstall` has removed the folder, it takes it off PATH instead (which also
    makes bash and zsh forget the shims' remembered paths) and turns itself into a no-op."""
    quoted = sh_quote(shims)
    return [
        "__chefwrap_without_shims() {",
        '  __chefwrap_rest="${PATH:+${PATH}:}" __chefwrap_path=',
        '  while [ -n "${__chefwrap_rest}" ]; do',
        '    __chefwrap_entry="${__chefwrap_rest%%:*}" __chefwrap_rest="${__chefwrap_rest#*:}"',
        f'    [ "${{__chefwrap_entry}}" = {quoted} ] || __chefwrap_path="${{__chefwrap_path}}:${{__chefwrap_entry}}"',
        "  done",
        "  unset __chefwrap_rest __chefwrap_entry",
        "}",
        f"{HOOK}() {{",
        f"  if [ -d {quoted} ]; then",
        '    case ":${PATH-}:" in',
        f"      {sh_quote(':' + shims + ':')}*) ;;",
        f'      *) __chefwrap_without_shims; PATH={quoted}"${{__chefwrap_path}}"; export PATH; unset __chefwrap_path ;;',
        "    esac",
        "  else",
        '    __chefwrap_without_shims; PATH="${__chefwrap_path#:}"; export PATH; unset __chefwrap_path',
        "    hash -r 2>/dev/null",
        f"    {HOOK}() {{ :; }}",
        "  fi",
        "}",
    ]


def fish_body(shims: str) -> list:
    """fish tells its functions when PATH changes: the shims go back in front at once, so even a script
    run after `chef shell-init fish | source` in config.fish (read after conf.d) finds them first."""
    quoted = fish_quote(shims)
    return [
        f"function {HOOK} --on-event fish_prompt --on-variable PATH",
        f"    if not test -d {quoted}  # uninstalled: off PATH, and this function goes too",
        f"        functions -e {HOOK}",
        f"        set -l kept (string match -v -- {quoted} $PATH)",
        "        set -gx PATH $kept",
        f'    else if test "$PATH[1]" != {quoted}',
        "        set -l rest",
        "        for entry in $PATH",
        f'            test "$entry" = {quoted}; or set -a rest $entry',
        "        end",
        f"        set -gx PATH {quoted} $rest",
        "    end",
        "end",
        HOOK,
        f"if string match -qr -- '^[0-9a-f]+$' \"${TRACE_VARIABLE}\"",
        "    function __chefwrap_doctor_trace --on-variable PATH",
        "        set -l trace (status stack-trace)",
        "        set -l frame (contains -i -- \"in event handler: handler for variable 'PATH'\" $trace)",
        "        and set -l path (string join : -- $PATH)",
        f"        and printf '+%s:fish:%s:%s:%s\\n' ${TRACE_VARIABLE} (string length -- \"$path\") \"$path\" (string trim -- $trace[(math $frame + 1)]) >&2",
        "    end",
        "end",
    ]


def render_block(shell: str, locations: Locations) -> list:
    """The block as a list of byte lines without line endings."""
    return [BEGIN, EXPLANATION] + [line.encode() for line in block_body(shell, locations)] + [END]


def _noting_creation(block: list) -> list:
    return block[:2] + [CREATED_NOTE] + block[2:]


def find_blocks(content: bytes) -> list:
    """(first, last) line indexes of every chefwrap block, markers included."""
    lines = content.split(b"\n")
    blocks, begin = [], None
    for index, line in enumerate(lines):
        stripped = line.rstrip(b"\r").strip()
        if stripped == BEGIN:
            if begin is not None:
                raise BlockError("a chefwrap block starts inside another one")
            begin = index
        elif stripped == END:
            if begin is None:
                raise BlockError("a chefwrap end marker has no begin marker")
            blocks.append((begin, index))
            begin = None
    if begin is not None:
        raise BlockError("a chefwrap block has no end marker")
    return blocks


def with_block(content, block: list, before_non_interactive_return: bool) -> bytes:
    """`content` (None for a missing file) with `block` in it: refreshed in place where one was,
    else above the non-interactive return when asked and one exists, else at the end."""
    if content is None:
        return b"\n".join(_noting_creation(block)) + b"\n"
    blocks = find_blocks(content)
    if blocks:
        return _replace_blocks(content, blocks, block)
    if before_non_interactive_return:
        guard = NON_INTERACTIVE_RETURN.search(content)
        if guard:
            return content[: guard.start()] + b"\n".join(block) + b"\n" + content[guard.start() :]
    if content == b"" or content.endswith(b"\n"):
        return content + b"\n".join(block) + b"\n"
    return content + b"\n" + b"\n".join(block)


def without_block(content: bytes):
    """(content with every chefwrap block removed, whether install had created the file).

    Splitting on newlines and joining again undoes `with_block` exactly, the missing final newline
    included: "abc" became "abc\\n<block>", whose lines are "abc" and the block's.
    """
    lines = content.split(b"\n")
    created = False
    for first, last in reversed(find_blocks(content)):
        created = created or any(line.strip() == CREATED_NOTE for line in lines[first : last + 1])
        del lines[first : last + 1]
    return b"\n".join(lines), created


def _replace_blocks(content: bytes, blocks: list, block: list) -> bytes:
    """Refresh the first block where it stands (the user may have moved it) and drop any copies."""
    lines = content.split(b"\n")
    first, last = blocks[0]
    if any(line.strip() == CREATED_NOTE for line in lines[first : last + 1]):
        block = _noting_creation(block)
    for extra_first, extra_last in reversed(blocks[1:]):
        del lines[extra_first : extra_last + 1]
    lines[first : last + 1] = block
    return b"\n".join(lines)


def read_checked(path):
    """The file's content (None when missing), after checking that any chefwrap block in it can be
    edited safely; BlockError naming the file otherwise."""
    content = read_or_none(path)
    if content is not None:
        try:
            find_blocks(content)
        except BlockError as problem:
            raise BlockError(f"{path}: {problem}; mend or delete it by hand, then run chefwrap again") from None
    return content
