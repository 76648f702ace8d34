"""Where chefwrap keeps its files and which start-up files each shell really reads."""

from dataclasses import dataclass
from pathlib import Path

from chefwrap.environment import Environment

TOOLS = ("knife", "kitchen", "chef")
SHELLS = ("bash", "zsh", "fish", "sh")


@dataclass(frozen=True)
class Locations:
    home: Path
    chefwrap_home: Path
    zdotdir: Path
    config_home: Path
    data_home: Path

    @classmethod
    def of(cls, env: Environment) -> "Locations":
        home = env.home
        return cls(
            home=home,
            chefwrap_home=_path(env.get("CHEFWRAP_HOME"), home / ".chefwrap"),
            zdotdir=_path(env.get("ZDOTDIR"), home),
            config_home=_path(env.get("XDG_CONFIG_HOME"), home / ".config"),
            data_home=_path(env.get("XDG_DATA_HOME"), home / ".local" / "share"),
        )

    @property
    def shims(self) -> Path:
        return self.chefwrap_home / "shims"

    @property
    def zsh_completions(self) -> Path:
        return self.chefwrap_home / "completions" / "zsh"

    def startup_files(self, shell: str) -> list:
        """The files `shell` reads at start-up, interactive and login, that get the PATH block.

        bash: ~/.bashrc (interactive shells, and `ssh host knife`) and the one login file bash reads;
        a new ~/.bash_profile would stop bash from reading ~/.profile, so a missing one is never made.
        zsh: .zshenv (every zsh) and .zshrc (after the user's own PATH changes), under $ZDOTDIR.
        """
        if shell == "bash":
            return [self.home / ".bashrc", self.bash_login_file()]
        if shell == "zsh":
            return [self.zdotdir / ".zshenv", self.zdotdir / ".zshrc"]
        if shell == "fish":
            return [self.config_home / "fish" / "conf.d" / "chefwrap.fish"]
        if shell == "sh":
            return [self.home / ".profile"]
        raise ValueError(shell)

    def bash_login_file(self) -> Path:
        for name in (".bash_profile", ".bash_login", ".profile"):
            if (self.home / name).exists() or (self.home / name).is_symlink():
                return self.home / name
        return self.home / ".profile"

    def all_startup_files(self) -> list:
        """Every file any install may have edited, for uninstall: whatever shell installed it."""
        names = [".bashrc", ".bash_profile", ".bash_login", ".profile", ".zshenv", ".zshrc"]
        files = [self.home / name for name in names]
        files += [self.zdotdir / ".zshenv", self.zdotdir / ".zshrc"]
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


def _path(value, default: Path) -> Path:
    return Path(value).expanduser() if value else default
