"""Consent: asked once on a real terminal, never in scripts or CI, every opt-out honoured, all of it visible."""

import json
import os
import re
import subprocess
import time
from pathlib import Path

import pytest

from chefwrap.state import disclosure

from support.terminal import Terminal
from support.world import shell_path, wait_for

# The shim's hot path, as on Linux and as on macOS (conftest.PLATFORMS).
pytestmark = pytest.mark.both_platforms

QUESTION = b"Share usage data?"


@pytest.fixture
def undecided(world):
    """chefwrap installed, nobody asked yet."""
    world.install("--shell", "bash")
    return world


@pytest.fixture
def bash(undecided):
    env = undecided.env(PS1="prompt$ ", TERM="xterm", CHEFWRAP_PROMPT_TIMEOUT="20")
    terminal = Terminal(undecided.command([shell_path("bash"), "--norc", "--noprofile", "-i"]), env, cwd=undecided.home)
    terminal.expect(b"prompt$ ")
    yield terminal
    terminal.close()


def prompt_processes(world):
    return world.processes("chefwrap.shim.prompt")


def decision_files(world):
    return sorted(name for name in ("telemetry_opt_in", "telemetry_opt_out") if (world.chef / name).exists())


def shared_with(world, chef=None):
    """The endpoints other than Chef's a yes was given for, as chefwrap's settings hold them."""
    from chefwrap.state import settings

    return settings.shared_with({"HOME": str(world.home), **({"CHEF_HOME": str(chef)} if chef else {})})


def test_yes_records_the_decision_says_so_and_the_run_is_sent(undecided, bash):
    bash.send(b"knife echo hello; echo status=$?\n")
    bash.expect(QUESTION)
    # the question names where data goes (the test's endpoint, by its host), all it carries, the wait
    asked = " ".join(re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", bash.output.decode("utf-8", "replace")).split())
    host = undecided.endpoint.url.split("://", 1)[1]
    assert f"with {host} (the configured endpoint)?" in asked and "60 seconds" in asked
    assert all(item in asked for item in disclosure.CARRIED)
    (prompt,) = wait_for(lambda: prompt_processes(undecided), what="the prompt process")
    assert os.readlink(f"/proc/{prompt.pid}/fd/1") == "/dev/null"  # the question never goes to stdout
    bash.send(b"y")
    bash.expect(b"data sharing is on")
    bash.expect(b"hello")
    bash.expect(b"status=0")
    # A yes to an endpoint other than Chef's is for it alone: never the gem's file, which means "Chef".
    assert decision_files(undecided) == []
    assert shared_with(undecided) == [undecided.endpoint.url]
    settings_file = (undecided.chef / "chefwrap" / "config.toml").read_text()
    assert settings_file.startswith("# chefwrap: settings")
    # The question named the endpoint CHEF_TELEMETRY_ENDPOINT gave: the answer stays with it.
    assert f'endpoint = "{undecided.endpoint.url}"' in settings_file
    (request,) = undecided.endpoint.wait_for(1)
    assert request.event["payload"]["properties"]["command"] == "knife"

    asked = len(bash.output)
    bash.send(b"knife echo again; echo status=$?\n")
    bash.expect(b"status=0")
    assert QUESTION not in bash.output[asked:]  # asked once
    undecided.endpoint.wait_for(2)


def test_modules_in_the_working_folder_never_run_in_the_prompt(undecided):
    folder = undecided.root / "untrusted-repository"
    folder.mkdir()
    marker = undecided.root / "ran-from-the-working-folder"
    for module in ("questionary", "prompt_toolkit", "asyncio", "chefwrap"):
        (folder / f"{module}.py").write_text(f"open({str(marker)!r}, 'a').write({module!r})\n")
    env = undecided.env(PS1="prompt$ ", TERM="xterm", CHEFWRAP_PROMPT_TIMEOUT="20", PYTHONPATH=str(folder))
    terminal = Terminal(undecided.command([shell_path("bash"), "--norc", "--noprofile", "-i"]), env, cwd=folder)
    try:
        terminal.expect(b"prompt$ ")
        terminal.send(b"knife echo hello\n")
        terminal.expect(QUESTION)
        terminal.send(b"n")
        terminal.expect(b"hello")
    finally:
        terminal.close()
    assert not marker.exists()
    assert decision_files(undecided) == ["telemetry_opt_out"]


def test_enter_takes_the_default_yes(undecided, bash):
    bash.send(b"knife exit 0; echo status=$?\n")
    bash.expect(QUESTION)
    bash.send(b"\r")
    bash.expect(b"status=0")
    assert shared_with(undecided) == [undecided.endpoint.url]


def test_no_records_the_decision_and_nothing_is_sent(undecided, bash):
    bash.send(b"knife exit 4; echo status=$?\n")
    bash.expect(QUESTION)
    bash.send(b"n")
    bash.expect(b"data sharing is off")
    bash.expect(b"status=4")
    assert decision_files(undecided) == ["telemetry_opt_out"]
    asked = len(bash.output)
    bash.send(b"knife exit 0; echo status=$?\n")
    bash.expect(b"status=0")
    assert QUESTION not in bash.output[asked:]
    assert undecided.endpoint.requests == [] and undecided.spooled() == []


@pytest.mark.parametrize("how", ["ctrl-c", "time-out"])
def test_no_answer_records_nothing_sends_nothing_and_the_tool_still_runs(undecided, how):
    env = undecided.env(PS1="prompt$ ", TERM="xterm", CHEFWRAP_PROMPT_TIMEOUT="20" if how == "ctrl-c" else "1")
    bash = Terminal(undecided.command([shell_path("bash"), "--norc", "--noprofile", "-i"]), env, cwd=undecided.home)
    try:
        bash.expect(b"prompt$ ")
        bash.send(b"knife exit 5; echo status=$?\n")
        bash.expect(QUESTION)
        if how == "ctrl-c":
            bash.send(b"\x03")
        bash.expect(b"no answer")
        bash.expect(b"status=5")
        report = undecided.take_report()
        assert bytes.hex(b"CHEF_TELEMETRY_OPT_OUT=1") in report["environment"]  # gem-based tools stay quiet too
        assert decision_files(undecided) == []
        assert undecided.endpoint.requests == [] and undecided.spooled() == []

        bash.send(b"knife exit 0\n")
        bash.expect(QUESTION)  # asked again next time
        bash.send(b"n")
        bash.expect(b"prompt$ ")
        assert b"Traceback" not in bash.output
    finally:
        bash.close()


@pytest.mark.parametrize(
    "line",
    [
        pytest.param(b"knife echo piped | cat; echo status=$?\n", id="stdout-is-a-pipe"),
        pytest.param(b"knife echo redirected > /dev/null; echo status=$?\n", id="stdout-is-a-file"),
        pytest.param(b"echo | knife echo stdin-not-a-terminal; echo status=$?\n", id="stdin-is-a-pipe"),
        pytest.param(b"CI=true knife echo in-ci; echo status=$?\n", id="ci"),
        pytest.param(b"GITHUB_ACTIONS=true knife echo in-ci; echo status=$?\n", id="github-actions"),
    ],
)
def test_no_question_where_nobody_can_answer_and_nothing_recorded(undecided, bash, line):
    bash.send(line)
    bash.expect(b"status=0")
    assert QUESTION not in bash.output
    assert decision_files(undecided) == [] and undecided.spooled() == []
    assert not prompt_processes(undecided)


def test_no_question_without_a_terminal_at_all(undecided):
    result = undecided.run([undecided.shims / "knife", "echo", "hi"])
    assert (result.returncode, result.stdout, result.stderr) == (0, b"hi\n", b"")
    assert decision_files(undecided) == [] and undecided.spooled() == []


# Every opt-out, on its own, with an opt-in on disk that it must override.

def repository_opt_out(world):
    repository = world.root / "repo"
    (repository / ".chef").mkdir(parents=True)
    (repository / ".chef" / "telemetry_opt_out").write_bytes(b"")
    (repository / "cookbooks" / "web").mkdir(parents=True)
    return repository / "cookbooks" / "web"


@pytest.mark.parametrize(
    "variables, tool_is_told",
    [
        pytest.param({"CHEF_TELEMETRY_OPT_OUT": ""}, False, id="CHEF_TELEMETRY_OPT_OUT-empty"),
        pytest.param({"CHEF_TELEMETRY_OPT_OUT": "0"}, False, id="CHEF_TELEMETRY_OPT_OUT-0"),
        pytest.param({"DO_NOT_TRACK": "1"}, True, id="DO_NOT_TRACK"),
        pytest.param({"CHEFWRAP_BYPASS": "1"}, False, id="CHEFWRAP_BYPASS"),
    ],
)
def test_each_opt_out_variable_sends_nothing(installed, variables, tool_is_told):
    result = installed.run([installed.shims / "knife", "exit", "3"], env=installed.env(**variables))
    assert result.returncode == 3
    told = bytes.hex(b"CHEF_TELEMETRY_OPT_OUT=1") in installed.take_report()["environment"]
    assert told == tool_is_told
    assert installed.spooled() == [] and not installed.senders()
    assert installed.endpoint.requests == []


@pytest.mark.parametrize("value", ["", "0", "false"])
def test_do_not_track_set_to_nothing_does_not_opt_out(installed, value):
    installed.run([installed.shims / "knife", "exit", "0"], env=installed.env(DO_NOT_TRACK=value))
    installed.endpoint.wait_for(1)


def test_a_repository_opt_out_covers_everyone_working_below_it(installed):
    below = repository_opt_out(installed)
    result = installed.run([installed.shims / "knife", "exit", "0"], env=installed.env(PWD=below), cwd=below)
    assert result.returncode == 0
    assert installed.spooled() == [] and installed.endpoint.requests == []


def test_the_home_opt_out_wins_over_the_opt_in(installed):
    (installed.chef / "telemetry_opt_out").write_bytes(b"")
    installed.run([installed.shims / "knife", "exit", "0"])
    assert installed.spooled() == [] and installed.endpoint.requests == []


def test_chef_home_moves_the_decision(installed):
    elsewhere = installed.root / "chef-home"
    env = installed.env(CHEF_HOME=elsewhere)
    installed.run([installed.shims / "knife", "exit", "0"], env=env)  # no decision under CHEF_HOME: nothing
    assert installed.endpoint.requests == []
    telemetry(installed, "enable", env=env)
    assert shared_with(installed, chef=elsewhere) == [installed.endpoint.url]
    installed.run([installed.shims / "knife", "exit", "0"], env=env)
    installed.endpoint.wait_for(1)
    assert (elsewhere / ".chef" / "TELEMETRY_SESSION_ID").exists()


# The commands

def telemetry(world, *args, env=None):
    return world.chefwrap("telemetry", *args, env=env)


def test_status_names_the_rule_and_the_file_or_variable_that_decided(installed):
    code, out, _ = telemetry(installed, "status")
    assert code == 0
    host = installed.endpoint.url.split("://")[1]
    assert f"Data sharing: on (you agreed to share with {host}: {installed.chef / 'chefwrap' / 'shared-with'})" in out
    code, out, _ = telemetry(installed, "status", env=installed.env(DO_NOT_TRACK="1"))
    assert "Data sharing: off (DO_NOT_TRACK is set)\n" in out
    code, out, _ = telemetry(installed, "status", "--json", env=installed.env(CHEF_TELEMETRY_OPT_OUT="0"))
    report = json.loads(out)
    assert (report["sharing"], report["decided_by"], report["endpoint"]) == ("off", "CHEF_TELEMETRY_OPT_OUT", installed.endpoint.url)
    assert set(report) == {
        "sharing", "rule", "decided_by", "endpoint", "endpoint_problem", "moved_to", "token", "token_problem", "session", "pending", "waiting",
        "sent", "sessions_to_erase", "lock_problem", "damaged", "change", "sent_to", "carried", "never", "shims_needing_refresh",
    }
    assert report["endpoint_problem"] is None


def test_status_before_any_decision(undecided):
    code, out, _ = telemetry(undecided, "status", "--json")
    assert json.loads(out)["sharing"] == "not decided yet"


def test_enable_and_disable_write_the_gems_files_and_say_what_changed(undecided):
    code, out, _ = telemetry(undecided, "enable", env=undecided.env(CHEF_TELEMETRY_ENDPOINT="https://telemetry.chef.io"))
    assert code == 0 and "Data sharing is on, with Chef (telemetry.chef.io)" in out and "wrote" in out
    assert decision_files(undecided) == ["telemetry_opt_in"]  # a yes to Chef: the gem's file
    unreachable = undecided.env(CHEF_TELEMETRY_ENDPOINT="http://127.0.0.1:9", CHEFWRAP_SENDER_LIFETIME="1")
    code, out, _ = telemetry(undecided, "enable", env=unreachable)
    assert "Data sharing is on, with 127.0.0.1:9" in out and "added http://127.0.0.1:9 to" in out
    assert shared_with(undecided) == ["http://127.0.0.1:9"]

    undecided.run([undecided.shims / "knife", "exit", "0"], env=unreachable)
    undecided.wait_for_senders_to_finish()
    assert len(undecided.spooled()) == 1
    code, out, _ = telemetry(undecided, "disable")
    assert "Data sharing is off" in out and "deleted 1 event(s)" in out
    assert decision_files(undecided) == ["telemetry_opt_out"] and undecided.spooled() == []
    assert shared_with(undecided) == []  # a no takes back every yes

    code, out, _ = telemetry(undecided, "enable", env=undecided.env(DO_NOT_TRACK="1"))
    assert "Note: here it stays off, because DO_NOT_TRACK is set" in out


def test_local_mode_keeps_events_in_the_ledger_and_never_sends(installed):
    code, out, _ = telemetry(installed, "local")
    assert "Data sharing is local" in out
    assert decision_files(installed) == []
    installed.run([installed.shims / "knife", "node", "show", "web1"])
    wait_for(lambda: "never sent" in telemetry(installed, "show", "--sent")[1], what="the event in the ledger")
    installed.wait_for_senders_to_finish()
    assert installed.endpoint.requests == []
    out = telemetry(installed, "show", "--sent")[1]
    assert '"command":"knife node show"' in out and "web1" not in out

    telemetry(installed, "enable")
    installed.run([installed.shims / "knife", "node", "list"])
    (request,) = installed.endpoint.wait_for(1)
    assert request.event["payload"]["properties"]["command"] == "knife node list"


def test_show_prints_the_exact_json_pending_and_sent_and_where_it_went(installed):
    installed.run([installed.shims / "knife", "node", "list"])
    (request,) = installed.endpoint.wait_for(1)
    installed.wait_for_senders_to_finish()
    code, out, _ = telemetry(installed, "show", "--sent", "-n", "1")
    lines = out.splitlines()
    assert f"sent to {installed.endpoint.url}/events (HTTP 201)" in lines[1]
    assert json.loads(lines[2]) == request.event

    installed.opt_in("http://127.0.0.1:9")
    installed.run([installed.shims / "knife", "node", "list"], env=installed.env(CHEF_TELEMETRY_ENDPOINT="http://127.0.0.1:9", CHEFWRAP_SENDER_LIFETIME="1"))
    installed.wait_for_senders_to_finish()
    code, out, _ = telemetry(installed, "show", "--pending")
    (pending,) = [line for line in out.splitlines() if not line.startswith("#")]
    assert json.loads(pending)["payload"]["properties"]["command"] == "knife node list"


@pytest.mark.parametrize("action", ["status", "enable", "disable", "show"])
def test_chef_telemetry_is_answered_by_chefwrap_and_never_reaches_chef(installed, action):
    result = installed.run([installed.shims / "chef", "telemetry", action])
    assert result.returncode == 0, result.stderr
    assert installed.take_reports() == []  # the real chef never ran
    expected = {"status": b"Data sharing:", "enable": b"Data sharing is on", "disable": b"Data sharing is off", "show": b"# Waiting"}
    assert expected[action] in result.stdout


def test_chef_telemetry_reaches_the_real_chef_when_bypassed(installed):
    installed.run([installed.shims / "chef", "telemetry", "status"], env=installed.env(CHEFWRAP_BYPASS="1"))
    assert installed.take_report()["argv"] == [b"telemetry".hex(), b"status".hex()]


def test_completions_offer_the_telemetry_commands(world):
    world.install("--shell", "bash")
    script = (
        "source /usr/share/bash-completion/bash_completion; _completion_loader chefwrap; "
        "COMP_WORDS=(chefwrap telemetry ''); COMP_CWORD=2; _chefwrap; echo ${COMP_REPLY[@]} ${COMPREPLY[@]}"
    )
    result = subprocess.run(world.command(["bash", "-c", script]), env=world.env(), capture_output=True, text=True)
    assert set(result.stdout.split()) >= {"status", "enable", "disable", "local", "show", "preview"}


def test_a_background_job_is_never_asked_and_never_stopped(undecided, bash):
    bash.send(b"knife echo in-background & wait $!; echo status=$?\n")
    bash.expect(b"status=0")
    assert QUESTION not in bash.output and b"Stopped" not in bash.output
    assert decision_files(undecided) == []


def test_chef_telemetry_forget_through_the_shim(installed):
    result = installed.run([installed.shims / "chef", "telemetry", "forget"])
    assert (result.returncode, result.stdout.strip()) == (0, b"Nothing to forget: no session was recorded here.")
    assert installed.take_reports() == []


def test_the_question_status_and_readme_say_the_same_things(installed):
    """One source (chefwrap.state.disclosure) for what an event can carry, what it never carries and
    where it goes; the question, `chefwrap telemetry status` and the README all say it."""
    question = disclosure.question(installed.endpoint.url)
    assert max(len(line) for line in question.splitlines()) <= disclosure.WIDTH  # a terminal cuts longer lines off
    question = " ".join(question.split())
    _, status, _ = telemetry(installed, "status")
    readme = " ".join((Path(__file__).resolve().parent.parent.parent / "README.md").read_text().split())
    collected = readme.split("## What is collected", 1)[1].split(" ## ", 1)[0]
    for text, where in ((question, "question"), (status, "status"), (collected, "README")):
        for item in disclosure.CARRIED:
            assert item in text, (where, item)
        assert disclosure.NEVER in text, where
    assert disclosure.destination(installed.endpoint.url) in question and disclosure.destination(installed.endpoint.url) in status
    assert disclosure.NO_ANSWER in question and disclosure.NO_ANSWER in readme
    assert disclosure.CHEF in collected


@pytest.mark.parametrize(
    "endpoint, said",
    [
        ("https://telemetry.chef.io", "Chef (telemetry.chef.io)"),
        ("https://telemetry.chef.io/", "Chef (telemetry.chef.io)"),
        ("https://collector.example.com/chef/v1?team=infra", "collector.example.com (the configured endpoint)"),
        ("http://alice:s3cret@collector.internal:8080/x", "collector.internal:8080 (the configured endpoint)"),
    ],
)
@pytest.mark.fast
def test_the_destination_is_chef_or_the_configured_host_never_its_path_or_credentials(endpoint, said):
    assert disclosure.destination(endpoint) == said
    question = " ".join(disclosure.question(endpoint).split())
    assert said in question and "/chef/v1" not in question and "s3cret" not in question and "alice" not in question


@pytest.mark.fast
@pytest.mark.parametrize("value", ["\u00a00", " no ", "FALSE", "\u00a0on"])
def test_the_launcher_and_consent_read_a_variable_alike(value):
    """The shim has the environment as bytes, consent as text: one decoding, one answer."""
    from chefwrap.state import ci

    assert ci.is_set(value.encode()) == ci.is_set(value)


# A yes is for the destination it named (issue 20)

CHEF = "https://telemetry.chef.io"


@pytest.fixture
def standin():
    """A second receiver standing in for Chef's endpoint: the HTTPS proxy every request to
    telemetry.chef.io must go through, which notes each tunnel asked of it."""
    from support.endpoint import Endpoint

    server = Endpoint()
    yield server
    server.close()


def without_endpoint_variable(world, standin, **extra):
    """The world's environment with Chef's default endpoint in effect, its traffic through `standin`."""
    env = world.env(HTTPS_PROXY=standin.url, https_proxy=standin.url, CHEFWRAP_SENDER_FIRST_DELAY="0.05", **extra)
    del env["CHEF_TELEMETRY_ENDPOINT"]
    return env


def test_a_yes_to_a_private_endpoint_is_never_a_yes_to_chef_after_uninstall_and_install(undecided, bash, standin):
    bash.send(b"knife echo hello; echo status=$?\n")
    bash.expect(QUESTION)
    bash.send(b"y")
    bash.expect(b"status=0")
    undecided.endpoint.wait_for(1)
    undecided.wait_for_senders_to_finish()
    assert not (undecided.chef / "telemetry_opt_in").exists()  # Chef's gem would read it as a yes to Chef
    assert undecided.chefwrap("uninstall")[0] == 0
    undecided.install("--shell", "bash")

    env = without_endpoint_variable(undecided, standin)
    code, out, _ = telemetry(undecided, "status", env=env)
    assert "Data sharing: not decided yet (no decision yet: the next interactive run asks)" in out
    assert "Data sharing: on" not in out and "Sent to:      nothing yet; if you agree when asked, Chef (telemetry.chef.io)" in out
    result = undecided.run([undecided.shims / "knife", "node", "list"], env=env)
    assert result.returncode == 0
    time.sleep(1)
    undecided.wait_for_senders_to_finish()
    assert undecided.spooled() == [] and standin.requests == []  # nothing for Chef, nothing on its way

    terminal = Terminal(undecided.command([shell_path("bash"), "--norc", "--noprofile", "-i"]), dict(env, PS1="prompt$ ", TERM="xterm"), cwd=undecided.home)
    try:
        terminal.expect(b"prompt$ ")
        terminal.send(b"knife echo again\n")
        terminal.expect(b"with Chef")  # asked again, naming Chef
        terminal.expect(QUESTION)
        terminal.send(b"n")
        terminal.expect(b"again")
    finally:
        terminal.close()
    assert standin.requests == []


@pytest.mark.parametrize("standing_yes", ["chef", "private"])
@pytest.mark.parametrize("changed_in", ["environment", "settings"])
def test_nothing_reaches_an_endpoint_the_standing_yes_did_not_name_until_asked_again(undecided, standin, standing_yes, changed_in):
    from chefwrap.state import settings

    from support.endpoint import Endpoint

    new = Endpoint()
    try:
        if standing_yes == "chef":
            assert telemetry(undecided, "enable", env=without_endpoint_variable(undecided, standin))[0] == 0
        else:
            undecided.opt_in()
        if changed_in == "environment":
            env = undecided.env(CHEF_TELEMETRY_ENDPOINT=new.url)
        else:
            env = without_endpoint_variable(undecided, standin)
            settings.write(env, endpoint=new.url)
        result = undecided.run([undecided.shims / "knife", "node", "list"], env=env)
        assert result.returncode == 0
        # Gem-based tools would take Chef's yes for whatever endpoint the environment names: told to stay quiet.
        assert bytes.hex(b"CHEF_TELEMETRY_OPT_OUT=1") in undecided.take_report()["environment"]
        code, out, _ = telemetry(undecided, "status", env=env)
        named = "Chef (telemetry.chef.io)" if standing_yes == "chef" else undecided.endpoint.url.split("://")[1] + " (the configured endpoint)"
        now = f"not with {new.url.split('://')[1]} (the configured endpoint), the endpoint now: the next interactive run asks)"
        assert f"Data sharing: not decided yet (you agreed to share with {named}, {now}" in out
        time.sleep(1)
        undecided.wait_for_senders_to_finish()
        assert undecided.spooled() == [] and new.requests == [] and standin.requests == [] and undecided.endpoint.requests == []

        terminal = Terminal(undecided.command([shell_path("bash"), "--norc", "--noprofile", "-i"]), dict(env, PS1="prompt$ ", TERM="xterm"), cwd=undecided.home)
        try:
            terminal.expect(b"prompt$ ")
            terminal.send(b"knife echo asked; echo status=$?\n")
            terminal.expect(QUESTION)  # asked again, for the new endpoint
            terminal.send(b"y")
            terminal.expect(b"status=0")
        finally:
            terminal.close()
        (request,) = new.wait_for(1)
        undecided.wait_for_senders_to_finish()
        assert request.event["payload"]["properties"]["command"] == "knife"
        assert standin.requests == [] and undecided.endpoint.requests == []
    finally:
        new.close()


def test_the_users_own_opt_out_is_theirs_wherever_status_is_run(world):
    (world.chef).mkdir()
    (world.chef / "telemetry_opt_out").write_bytes(b"")
    below_home = world.home / "cookbooks" / "web"
    below_home.mkdir(parents=True)
    for folder in (below_home, world.home, world.root):
        code, out, _ = telemetry(world, "status", env=world.env(PWD=folder))
        assert f"Data sharing: off (you opted out: {world.chef / 'telemetry_opt_out'})\n" in out, folder
    repository = world.home / "repository"
    (repository / ".chef").mkdir(parents=True)
    (repository / ".chef" / "telemetry_opt_out").write_bytes(b"")
    code, out, _ = telemetry(world, "status", env=world.env(PWD=repository))
    assert f"Data sharing: off (a repository opts out: {repository / '.chef' / 'telemetry_opt_out'})\n" in out


@pytest.mark.parametrize(
    "endpoint, why",
    [("http://user:pw@127.0.0.1:8080", "it holds a user name or password"), ("127.0.0.1:8080", "it does not start with http:// or https://")],
)
def test_status_is_never_on_while_nothing_can_be_recorded(installed, endpoint, why):
    env = installed.env(CHEF_TELEMETRY_ENDPOINT=endpoint)
    installed.opt_in()  # a yes stands, for another endpoint
    code, out, _ = telemetry(installed, "status", env=env)
    first = out.splitlines()[0]
    assert first == f"Data sharing: off (the endpoint (from CHEF_TELEMETRY_ENDPOINT) is not a valid http(s) URL ({why}): nothing is recorded until it is fixed)"
    assert "pw@" not in first
    assert "Sent to:      nothing\n" in out
    assert json.loads(telemetry(installed, "status", "--json", env=env)[1])["sent_to"] is None
