"""chefwrap's own command line: every page says what the command does, the rough edges a new user met,
and completions generated from the one parser, checked in real bash, zsh and fish."""

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from chefwrap.parser import parser
from chefwrap.setup import completions

from support.collector_world import Collector, an_event
from support.world import shell_path


def every_parser(top=None, path=()):
    """(words, parser) for chefwrap and every subcommand under it."""
    top = top or parser()
    yield path, top
    for action in top._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from every_parser(sub, path + (name,))


@pytest.mark.parametrize("words", [words for words, _ in every_parser()], ids=lambda words: " ".join(words) or "chefwrap")
def test_every_help_page_says_what_the_command_does(world, words, capsys):
    with pytest.raises(SystemExit) as exit:
        parser().parse_args([*words, "--help"])
    assert exit.value.code == 0
    page = capsys.readouterr().out
    description = page.split("\n\n")[1]
    assert not description.startswith(("options:", "positional arguments:")), page
    assert len(description) > 20


# `chefwrap telemetry`

def test_telemetry_without_an_action_shows_the_status(installed):
    code, out, _ = installed.chefwrap("telemetry")
    assert code == 0 and out.startswith("Data sharing: on (you agreed to share with 127.0.0.1:")


def test_chef_telemetry_without_an_action_shows_the_status_through_the_shim(installed):
    result = installed.run([installed.shims / "chef", "telemetry"])
    assert result.returncode == 0 and result.stdout.startswith(b"Data sharing: on")
    assert installed.take_reports() == []  # the real chef never saw it


def test_status_shows_the_same_endpoint_as_its_json(installed):
    _, out, _ = installed.chefwrap("telemetry", "status")
    _, as_json, _ = installed.chefwrap("telemetry", "status", "--json")
    endpoint = json.loads(as_json)["endpoint"]
    assert endpoint == installed.endpoint.url
    assert f"Endpoint:     {endpoint} (events are posted to {endpoint}/events)" in out


def test_status_names_a_file_that_decided_but_not_a_variable_twice(installed):
    _, out, _ = installed.chefwrap("telemetry", "status", env=installed.env(CHEF_TELEMETRY_OPT_OUT="1"))
    assert "Data sharing: off (CHEF_TELEMETRY_OPT_OUT is set (any value opts out))\n" in out


# `chefwrap collector`

def test_report_on_a_missing_database_says_so_and_creates_nothing(world, tmp_path):
    missing = tmp_path / "nonexistent.sqlite3"
    code, out, err = world.chefwrap("collector", "report", "--database", str(missing))
    assert (code, out) == (1, "")
    assert err == f"chefwrap: no collector database at {missing}: name the one `chefwrap collector serve` writes with --database\n"
    assert not missing.exists()


def test_report_defaults_to_the_database_serve_writes(world, tmp_path):
    server = subprocess.Popen(
        [sys.executable, "-m", "chefwrap", "collector", "serve", "--port", "0"], cwd=tmp_path, stderr=subprocess.PIPE, text=True
    )
    try:
        banner = server.stderr.readline()
        assert f"(database: {tmp_path / 'chefwrap-collector.sqlite3'}, events kept 365 days, a name shown for a period only when at least 5 sessions used it in that period, " in banner, banner
    finally:
        server.terminate()
        server.communicate(timeout=30)
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        code, out, err = world.chefwrap("collector", "report")
    finally:
        os.chdir(cwd)
    assert code == 0, err
    assert "0 events" in out


def test_serve_shows_a_postgresql_url_without_its_password(world, tmp_path):
    from chefwrap.commands.collector_cli import shown_database

    assert shown_database("postgresql+psycopg://telemetry:s3cret@db:5432/chef") == "postgresql+psycopg://telemetry:***@db:5432/chef"


@pytest.mark.fast
def test_the_install_hint_names_where_chefwrap_was_installed_from():
    from chefwrap.commands.collector_cli import install_hint

    repository = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    assert install_hint().startswith(f"sh {repository}/install.sh --collector")


# forget and uninstall

def test_forget_after_uninstall_leaves_nothing_behind(installed, tmp_path):
    collector = Collector(str(tmp_path / "collector.sqlite3"))
    try:
        installed.opt_in(collector.url)
        env = installed.env(CHEF_TELEMETRY_ENDPOINT=collector.url)
        installed.run([installed.shims / "knife", "node", "list"], env=env)
        installed.wait_for_senders_to_finish()
        code, out, _ = installed.chefwrap("uninstall", env=env)
        assert "run `chefwrap telemetry forget` (it works without the shims)" in out
        assert "reinstall" not in out
        code, out, err = installed.chefwrap("telemetry", "forget", env=env)
        assert code == 0, out + err
        assert "Erased 1 session(s)" in out
        collector.post(an_event())
    finally:
        collector.stop()
    assert not (installed.chef / "chefwrap").exists()  # no empty ledger, no new lock file


def test_forget_while_installed_creates_no_lock_file(installed):
    (installed.chef / "chefwrap").mkdir(exist_ok=True)
    code, _, _ = installed.chefwrap("telemetry", "forget")
    assert code == 0
    assert not (installed.chef / "chefwrap" / "sender.lock").exists()
    assert not (installed.chef / "chefwrap" / "ledger.jsonl").exists()


# Completions, generated from the parser

def completion_cases():
    """(words typed before the cursor, the word being completed, what must be offered), for every
    subcommand and every option of the parser, and every choice of an option."""
    cases = []
    for words, sub in every_parser():
        level = completions.tree(sub)
        for name in level.subcommands:
            cases.append((list(words), name[:2], name))
        for option in level.options:
            for flag in option.flags:
                cases.append((list(words), flag[:2] if flag.startswith("--") else "-", flag))
                for choice in option.choices:
                    cases.append((list(words) + [flag], "", choice))
    return cases


CASES = completion_cases()


@pytest.mark.fast
def test_the_cases_cover_every_subcommand_and_option():
    offered = {expected for _, _, expected in CASES}
    assert {"install", "uninstall", "doctor", "telemetry", "collector", "forget", "preview", "serve", "report"} <= offered
    assert {"--dry-run", "--tools", "--pending", "--sent", "-n", "--retain-days", "--json", "--version", "bash", "fish"} <= offered


def run_cases(world, shell, script_for_case, load):
    env = world.env()
    lines = [load]
    for index, (before, current, _) in enumerate(CASES):
        lines.append(f"echo '@case {index}'")
        lines.append(script_for_case(before, current))
    result = subprocess.run([shell_path(shell), "-c", "\n".join(lines)], env=env, capture_output=True, text=True, timeout=120)
    offered, index = {}, None
    for line in result.stdout.splitlines():
        if line.startswith("@case "):
            index = int(line.split()[1])
            offered[index] = set()
        elif index is not None:
            offered[index].add(line.split("\t")[0])
    missing = [(CASES[i][0], CASES[i][1], CASES[i][2]) for i in range(len(CASES)) if CASES[i][2] not in offered.get(i, set())]
    assert not missing, (missing[:10], result.stderr[-2000:])


def quoted(word):
    return "'" + word.replace("'", "'\\''") + "'"


def test_bash_completes_every_subcommand_and_option(world):
    world.install("--shell", "bash")
    completion = world.home / ".local" / "share" / "bash-completion" / "completions" / "chefwrap"

    def case(before, current):
        words = " ".join(quoted(word) for word in ["chefwrap", *before, current])
        return f"COMP_WORDS=({words}); COMP_CWORD={len(before) + 1}; _chefwrap; printf '%s\\n' \"${{COMPREPLY[@]}}\""

    run_cases(world, "bash", case, f"source {quoted(str(completion))}")


def test_zsh_completes_every_subcommand_and_option(world):
    world.install("--shell", "zsh")
    completion = world.home / ".chefwrap" / "completions" / "zsh" / "_chefwrap"

    def case(before, current):
        words = " ".join(quoted(word) for word in ["chefwrap", *before, current])
        return f"__chefwrap_candidates {words} | tail -n +2"

    run_cases(world, "zsh", case, f"autoload -Uz compinit; compinit -u -d $HOME/.zcompdump; source {quoted(str(completion))}")


def test_fish_completes_every_subcommand_and_option(world):
    world.install("--shell", "fish")
    completion = world.home / ".config" / "fish" / "completions" / "chefwrap.fish"

    def case(before, current):
        line = " ".join(["chefwrap", *before, current])
        return f"complete -C {quoted(line)}"

    run_cases(world, "fish", case, f"source {quoted(str(completion))}")


def test_zsh_offers_the_completions_at_a_real_prompt(world):
    """End to end in zsh's own completion system: Tab after `chefwrap telemetry sh` in a terminal."""
    from support.terminal import Terminal

    world.install("--shell", "zsh")
    env = world.env(ZDOTDIR=str(world.home))
    (world.home / ".zshrc").write_text((world.home / ".zshrc").read_text() + "\nautoload -Uz compinit && compinit -u -d $HOME/.zcompdump\nPS1='ready> '\n")
    zsh = Terminal([shell_path("zsh"), "-i"], env=env)
    try:
        zsh.expect(b"ready> ")
        zsh.send(b"chefwrap telemetry sh\t")
        zsh.expect(b"chefwrap telemetry show ")
    finally:
        zsh.close()


@pytest.mark.parametrize("command", [["telemetry", "status"], ["doctor", "--shell", "bash"], ["--help"]])
def test_a_reader_that_goes_away_gets_no_complaint(installed, command):
    """`chefwrap ... | head -1`: the rest of the output has nowhere to go; that is no file problem."""
    script = f"{sys.executable} -m chefwrap {' '.join(command)} | (exit 0); echo status=${{PIPESTATUS[0]}}"
    result = subprocess.run(["bash", "-c", script], env=installed.env(), capture_output=True, text=True, timeout=60)
    assert result.stderr == ""
    assert result.stdout.strip() in ("status=0", "status=1")


def test_chef_telemetry_to_a_reader_that_goes_away_gets_no_complaint(installed):
    script = f"'{installed.shims / 'chef'}' telemetry status | (exit 0)"
    result = subprocess.run(["bash", "-c", script], env=installed.env(), capture_output=True, text=True, timeout=60)
    assert result.stderr == ""


@pytest.mark.fast
@pytest.mark.parametrize("shell", sorted(completions.FILE_NAMES))
def test_the_shipped_completions_are_what_the_parser_generates(shell):
    """completions/ is generated (python3 tools/generate_completions.py): regenerate it after changing the
    parser."""
    shipped = (Path(__file__).resolve().parent.parent.parent / "completions" / completions.FILE_NAMES[shell]).read_text()
    assert shipped == completions.render(shell, parser())
