"""Every path chefwrap reads or writes, in one place.

Two homes:
- `.chef` under $CHEF_HOME, else under the home folder: where Chef's tools keep per-user state. The
  decision files and the session file are shared with the chef-telemetry gem; chefwrap's own telemetry
  state (spool, ledger, locks, settings, caches) lives in `.chef/chefwrap`.
- `~/.chefwrap` ($CHEFWRAP_HOME): the shims, and what install made; Locations adds the start-up and
  completion files each shell reads.

The functions take the environment as a dict of str and use os only: the shim's hot path calls them.
"""

import os

OPT_IN = "telemetry_opt_in"
OPT_OUT = "telemetry_opt_out"
SESSION_FILE = "TELEMETRY_SESSION_ID"
OWN_FOLDER = "chefwrap"


def chef_dir(variables) -> str:
    return os.path.join(variables.get("CHEF_HOME") or variables.get("HOME") or os.path.expanduser("~"), ".chef")


def own_dir(variables) -> str:
    """chefwrap's spool, ledger, locks and settings."""
    return os.path.join(chef_dir(variables), OWN_FOLDER)


def opt_in_file(variables) -> str:
    return os.path.join(chef_dir(variables), OPT_IN)


def opt_out_file(variables) -> str:
    return os.path.join(chef_dir(variables), OPT_OUT)


def session_file(variables) -> str:
    return os.path.join(chef_dir(variables), SESSION_FILE)


def session_lock(variables) -> str:
    return os.path.join(own_dir(variables), "session.lock")


def settings_file(variables) -> str:
    return os.path.join(own_dir(variables), "config.toml")


def spool_folder(variables) -> str:
    return os.path.join(own_dir(variables), "spool")


def shared_with_file(variables) -> str:
    """The endpoints other than Chef's that a yes was given for, one a line (chefwrap.state.settings)."""
    return os.path.join(own_dir(variables), "shared-with")


def sender_lock(variables) -> str:
    return os.path.join(own_dir(variables), "sender.lock")


def backoff_file(variables) -> str:
    return os.path.join(own_dir(variables), "backoff")


def ledger_file(variables) -> str:
    return os.path.join(own_dir(variables), "ledger.jsonl")


def sender_log(variables) -> str:
    return os.path.join(own_dir(variables), "sender.log")


def context_cache(variables) -> str:
    return os.path.join(own_dir(variables), "context-cache")


def erase_secret(variables) -> str:
    """The random secret each session's erase key is made from (chefwrap.state.erase_key)."""
    return os.path.join(own_dir(variables), "erase-secret")


def sent_sessions(variables) -> str:
    """Every session sent and where, until it is erased (chefwrap.delivery.sent_sessions)."""
    return os.path.join(own_dir(variables), "sent-sessions")


def moved(variables) -> str:
    """Endpoints that moved for good to another address on the same host (a permanent redirect)."""
    return os.path.join(own_dir(variables), "moved")


# Folders chefwrap writes under when they are set: each must be an absolute path.
MUST_BE_ABSOLUTE = ("HOME", "CHEF_HOME", "CHEFWRAP_HOME", "ZDOTDIR")


def unusable_home(variables):
    """A sentence saying why chefwrap will not write under the home folder `variables` names, or None.

    An empty HOME would put ~/.bashrc at /.bashrc; a relative one, wherever the command happens to run.
    """
    if variables.get("HOME") == "":
        return "HOME is empty: set it to your home folder (an absolute path, such as /home/you) and run chefwrap again"
    for name in MUST_BE_ABSOLUTE:
        value = variables.get(name)
        if value and not os.path.isabs(os.path.expanduser(value) if name != "HOME" else value):
            return f"{name} is a relative path ({value!r}): set it to an absolute path and run chefwrap again"
    return None


class Locations:
    """Where install puts the shims, and which start-up and completion files each shell reads (as Paths).

    Set-up only: pathlib is imported here, never on the shim's hot path.
    """

    __slots__ = ("home", "chefwrap_home", "zdotdir", "config_home", "data_home")

    def __init__(self, home, chefwrap_home, zdotdir, config_home, data_home):
        self.home = home
        self.chefwrap_home = chefwrap_home
        self.zdotdir = zdotdir
        self.config_home = config_home
        self.data_home = data_home

    @classmethod
    def of(cls, env) -> "Locations":
        """From a chefwrap.environment.Environment."""
        from pathlib import Path

        def path(value, default):
            return Path(value).expanduser() if value else default

        def xdg(value, default):  # the XDG specification: a relative path is invalid, and ignored
            return Path(value) if value and os.path.isabs(value) else default

        home = env.home
        return cls(
            home=home,
            chefwrap_home=path(env.get("CHEFWRAP_HOME"), home / ".chefwrap"),
            zdotdir=path(env.get("ZDOTDIR"), home),
            config_home=xdg(env.get("XDG_CONFIG_HOME"), home / ".config"),
            data_home=xdg(env.get("XDG_DATA_HOME"), home / ".local" / "share"),
        )

    @property
    def shims(self):
        return self.chefwrap_home / "shims"

    @property
    def command(self):
        """The `chefwrap` command install writes beside the shims, so every shell the blocks reach has it."""
        return self.shims / "chefwrap"

    @property
    def zsh_completions(self):
        return self.chefwrap_home / "completions" / "zsh"

    @property
    def tools_record(self):
        """The tools install was asked to wrap, one a line, for doctor to check."""
        return self.chefwrap_home / "tools"

    @property
    def made_folders_record(self):
        """Folders install had to make outside chefwrap's home, for uninstall to remove."""
        return self.chefwrap_home / "made-folders"

    def startup_files(self, shell: str) -> list:
        """The files `shell` reads at start-up, interactive and login, that get the PATH block.

        bash: ~/.bashrc (interactive shells, and `ssh host knife`) and the one login file bash reads;
        a new ~/.bash_profile would stop bash from reading ~/.profile, so a missing one is never made.
        zsh: .zshenv (every zsh), .zprofile (login shells, after the system's /etc/zprofile, where
        macOS's path_helper puts the system folders first again) and .zshrc (after the user's own PATH
        changes), under $ZDOTDIR.
        """
        if shell == "bash":
            return [self.home / ".bashrc", self.bash_login_file()]
        if shell == "zsh":
            return [self.zdotdir / ".zshenv", self.zdotdir / ".zprofile", self.zdotdir / ".zshrc"]
        if shell == "fish":
            return [self.config_home / "fish" / "conf.d" / "chefwrap.fish"]
        if shell == "sh":
            return [self.home / ".profile"]
        raise ValueError(shell)

    def bash_login_file(self):
        for name in (".bash_profile", ".bash_login", ".profile"):
            if (self.home / name).exists() or (self.home / name).is_symlink():
                return self.home / name
        return self.home / ".profile"

    def all_startup_files(self) -> list:
        """Every file any install may have edited, for uninstall: whatever shell installed it."""
        names = [".bashrc", ".bash_profile", ".bash_login", ".profile", ".zshenv", ".zprofile", ".zshrc"]
        files = [self.home / name for name in names]
        files += self.startup_files("zsh")
        files += self.startup_files("fish")
        return list(dict.fromkeys(files))

    def completion_file(self, shell: str):
        """Where `shell` loads chefwrap's own completions from; None for plain sh."""
        return {
            "bash": self.data_home / "bash-completion" / "completions" / "chefwrap",
            "zsh": self.zsh_completions / "_chefwrap",
            "fish": self.config_home / "fish" / "completions" / "chefwrap.fish",
        }.get(shell)

    def all_completion_files(self) -> list:
        return [self.completion_file(shell) for shell in ("bash", "zsh", "fish")]
