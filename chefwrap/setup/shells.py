"""Which shell the user runs: shellingham first, then $SHELL; never a question, so scripts can install."""

import os

from chefwrap.environment import Environment

SHELLS = ("bash", "zsh", "fish", "sh")

# Shells that read ~/.profile like sh does.
SH_LIKE = {"sh", "dash", "ksh", "mksh", "ash", "busybox"}


class UnknownShell(Exception):
    pass


def supported(name: str):
    """The chefwrap shell family for a shell's name, None when chefwrap cannot set it up."""
    name = os.path.basename(name or "").lstrip("-")
    if name in SHELLS:
        return name
    if name in SH_LIKE:
        return "sh"
    return None


def detect(env: Environment) -> str:
    """The user's shell family, or UnknownShell saying what could not be told."""
    findings = []
    import shellingham

    try:
        name, _ = shellingham.detect_shell()
        if supported(name):
            return supported(name)
        findings.append(f"the shell running chefwrap is {name}, which chefwrap cannot set up")
    except shellingham.ShellDetectionFailure as error:
        findings.append(f"the shell running chefwrap could not be found ({type(error).__name__})")
    login_shell = env.get("SHELL")
    if supported(login_shell):
        return supported(login_shell)
    findings.append(f"$SHELL is {login_shell!r}, not one of {', '.join(SHELLS)}" if login_shell else "$SHELL is not set")
    raise UnknownShell("; ".join(findings))
