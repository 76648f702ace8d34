"""Which shells the user has: never a question, so scripts (install.sh among them) can install.

`install` sets up, and `doctor` checks, every one of bash, zsh and fish installed here that the user has
start-up files for, logs in with ($SHELL) or runs chefwrap from (shellingham); plain sh only when none of
those is found and the login shell or the running one is sh-like.
"""

import os
import shutil

from chefwrap.environment import Environment
from chefwrap.paths import Locations
from chefwrap.setup.changes import display

SHELLS = ("bash", "zsh", "fish", "sh")
FULL_SHELLS = ("bash", "zsh", "fish")  # the ones with a prompt hook and completions

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


def running(env: Environment):
    """(the shell family running chefwrap or None, what was found, in words)."""
    import shellingham

    try:
        name, _ = shellingham.detect_shell()
    except shellingham.ShellDetectionFailure as error:
        return None, f"the shell running chefwrap could not be found ({type(error).__name__})"
    if supported(name):
        return supported(name), f"the shell running chefwrap is {name}"
    return None, f"the shell running chefwrap is {name}, which chefwrap cannot set up"


def detect(env: Environment) -> str:
    """The shell family the user runs chefwrap from, else their login shell's, or UnknownShell saying
    what could not be told."""
    shell, finding = running(env)
    if shell:
        return shell
    login_shell = env.get("SHELL")
    if supported(login_shell):
        return supported(login_shell)
    raise UnknownShell(f"{finding}; {describe_login_shell(login_shell)}")


def describe_login_shell(login_shell) -> str:
    return f"$SHELL is {login_shell!r}, not one of {', '.join(SHELLS)}" if login_shell else "$SHELL is not set"


def startup_files_of(shell: str, locations: Locations) -> list:
    """The files (or fish's folder) whose existence says the user has used `shell` here."""
    if shell == "bash":
        return [locations.home / name for name in (".bashrc", ".bash_profile", ".bash_login")]
    if shell == "zsh":
        return [locations.zdotdir / name for name in (".zshenv", ".zprofile", ".zshrc", ".zlogin")]
    if shell == "fish":
        return [locations.config_home / "fish"]  # made by fish's first start: config.fish, conf.d, its variables
    return [locations.home / ".profile"]


def users_shells(env: Environment, locations: Locations) -> dict:
    """{shell: why, in words} for each shell to set up or check, in the order of SHELLS; UnknownShell
    saying what was looked at when there is none."""
    login = supported(env.get("SHELL"))
    current, finding = running(env)
    found = {}
    for shell in FULL_SHELLS:
        reasons = []
        if login == shell:
            reasons.append("your login shell")
        if current == shell:
            reasons.append("it runs chefwrap")
        files = [path for path in startup_files_of(shell, locations) if path.exists() or path.is_symlink()]
        if files:
            reasons.append(", ".join(display(path, locations.home) for path in files))
        if reasons and is_installed(shell, env, login == shell):
            found[shell] = "; ".join(reasons)
    if not found and "sh" in (login, current):
        found["sh"] = "your login shell" if login == "sh" else "it runs chefwrap"
    if not found:
        looked = ", ".join(display(path, locations.home) for shell in FULL_SHELLS for path in startup_files_of(shell, locations))
        raise UnknownShell(f"no start-up files of bash, zsh or fish ({looked}); {finding}; {describe_login_shell(env.get('SHELL'))}")
    return found


def is_installed(shell: str, env: Environment, is_login_shell: bool) -> bool:
    """Found on PATH, or the login shell's program exists."""
    if shutil.which(shell, path=env.get("PATH") or os.defpath):
        return True
    program = env.get("SHELL") or ""
    return is_login_shell and os.path.isabs(program) and os.access(program, os.X_OK)

