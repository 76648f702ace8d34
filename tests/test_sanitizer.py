"""The sanitizer keeps commands and option names, never a value: tables for every trap, properties for the rest."""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chefwrap.shim import event, sanitizer
from chefwrap.shim.grammars import OPTIONAL, SWITCH, VALUE, VALUES
from chefwrap.shim.grammars import chef as chef_grammar
from chefwrap.shim.grammars import kitchen as kitchen_grammar
from chefwrap.shim.grammars import knife as knife_grammar

GRAMMARS = {"knife": knife_grammar.GRAMMAR, "kitchen": kitchen_grammar.GRAMMAR, "chef": chef_grammar.GRAMMAR}


def sanitize(line):
    tool, *argv = line.split(" ") if isinstance(line, str) else line
    return sanitizer.sanitize(tool, argv)


@pytest.mark.parametrize(
    "line, command, options",
    [
        # The RFC's own example: the option, never the password.
        ("knife bootstrap 10.0.0.5 -x admin -P hunter2", "knife bootstrap", ["-x", "-P"]),
        ("knife node show web1", "knife node show", []),
        # knife joins words with _: `run list` and `run_list` are the same command.
        ("knife node run list add web1 recipe[nginx]", "knife node run_list add", []),
        ("knife node run_list add web1 recipe[nginx]", "knife node run_list add", []),
        ("knife config get-profile", "knife config get-profile", []),
        ("knife config get_profile", "knife config get-profile", []),
        ("knife cookbook metadata from file ./metadata.rb", "knife cookbook metadata from file", []),
        ("knife cookbook metadata apache2", "knife cookbook metadata", []),
        ("knife data bag create users alice --secret s3cr3t", "knife data bag create", ["--secret"]),
        # Global options before the command, clusters, glued values, `=`, abbreviations.
        ("knife -VV node list", "knife node list", ["-V", "-V"]),
        ("knife -c /etc/chef/knife.rb node list", "knife node list", ["-c"]),
        ("knife node list --serv https://chef.internal.example", "knife node list", ["--server-url"]),
        # OptionParser also completes word by word, in any case, and reads _ as -.
        ("knife bootstrap host --con-PASS hunter2", "knife bootstrap", ["--connection-password"]),
        ("knife bootstrap host --connection_password hunter2", "knife bootstrap", ["--connection-password"]),
        ("kitchen converge --log_level debug", "kitchen converge", ["--log-level"]),
        ("knife bootstrap host -Phunter2", "knife bootstrap", ["-P"]),
        ("knife bootstrap host --connection-password=hunter2", "knife bootstrap", ["--connection-password"]),
        ("knife bootstrap host -j {\"role\":\"db\"}", "knife bootstrap", ["-j"]),
        # A value that starts with "-" is still a value.
        ("knife bootstrap host -P -hunter2-", "knife bootstrap", ["-P"]),
        ("knife bootstrap host --ssh-user --admin--", "knife bootstrap", ["--ssh-user"]),
        # One letter, different meanings: ssh's -e is a switch, elsewhere -e takes an editor.
        ("knife ssh -e name:web* uptime", "knife ssh", ["-e"]),
        ("knife node edit -e vim web1", "knife node edit", ["-e"]),
        ("knife client create -k newclient", "knife client create", ["-k"]),
        ("knife node show -k /home/alice/.chef/alice.pem web1", "knife node show", ["-k"]),
        # An optional value is never recorded, whether it is there or not.
        ("knife ssh -P hunter2 name:web* uptime", "knife ssh", ["-P"]),
        ("knife ssh name:web* uptime -P", "knife ssh", ["-P"]),
        # `--` ends the options: everything after it is dropped.
        ("knife node show -- --hunter2 -P", "knife node show", []),
        # Third-party plugins: a public plugin's name may stay, its options' values never.
        ("knife ec2 server create --flavor m5.large -N web1", "knife ec2", ["--flavor", "-N"]),
        ("knife acme-internal deploy prod", "knife", []),
        # Unknown option names that could carry data become a placeholder.
        ("knife node list --Hunter2", "knife node list", [sanitizer.UNKNOWN_OPTION]),
        ("knife node list --token=abc --region-2", "knife node list", ["--token", sanitizer.UNKNOWN_OPTION]),
        ("kitchen conv default-ubuntu-2204", "kitchen converge", []),
        ("kitchen converge default -l debug", "kitchen converge", ["-l"]),
        ("kitchen test -c 4 default-ubuntu", "kitchen test", ["-c"]),
        ("kitchen test default-ubuntu -c", "kitchen test", ["-c"]),
        (["kitchen", "exec", "default", "-c", "rm -rf /"], "kitchen exec", ["-c"]),
        ("kitchen --version", "kitchen", ["--version"]),
        ("chef generate cookbook my_secret_cookbook -m alice@example.com", "chef generate cookbook", ["-m"]),
        # chef exec and chef gem hand everything to another program: all of it is user data.
        ("chef exec rspec --seed 1234 -P secret", "chef exec", []),
        ("chef gem install my-private-gem --source https://gems.example", "chef gem", []),
        ("chef push prod Policyfile.rb", "chef push", []),
    ],
)
def test_what_is_kept_of_a_command_line(line, command, options):
    result = sanitize(line)
    assert (result.command, result.options) == (command, options)


def test_what_is_dropped_is_counted():
    result = sanitize("knife bootstrap 10.0.0.5 -x admin -P hunter2 -- extra")
    assert result.dropped == {"arguments": 2, "values": 2, "options": 0}


def test_thor_prefixes_must_be_unambiguous():
    assert sanitize("kitchen l").command == "kitchen"
    assert sanitize("kitchen conv").command == "kitchen converge"


def test_bytes_that_are_not_utf_8_are_dropped_like_any_value():
    result = sanitizer.sanitize("knife", [b"node", b"show", b"\xff\xfe", b"-P", b"\x80"])
    assert (result.command, result.options) == ("knife node show", ["-P"])


def every_command():
    for tool, grammar in GRAMMARS.items():
        for command in grammar["commands"]:
            yield pytest.param(tool, command, id=f"{tool} {command}")


@pytest.mark.parametrize("tool, command", list(every_command()))
def test_every_command_in_the_grammars_is_recognised_and_its_arguments_dropped(tool, command):
    secret = "Zq7-private-name"
    result = sanitizer.sanitize(tool, command.split() + [secret, "--", secret])
    assert result.command == f"{tool} {command}"
    assert secret not in repr(result)


def test_the_grammars_are_well_formed():
    for tool, grammar in GRAMMARS.items():
        assert grammar["tool"] == tool
        assert grammar["matching"] in ("words", "thor")
        for scope, options in grammar["options"].items():
            assert scope == "" or any(command == scope or command.startswith(scope + " ") for command in grammar["commands"]), (tool, scope)
            for name, kind in options.items():
                assert kind in (SWITCH, VALUE, OPTIONAL, VALUES), (tool, scope, name)
                assert name.startswith("-") and " " not in name, (tool, scope, name)


# Properties: whatever the command line, no secret comes out.

MARKER = "Zq7"
secret_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)) | st.sampled_from(["\n", "=", "-", '"', "'", " ", "\\", "\x00"]),
    max_size=30,
)
secrets = st.one_of(
    st.builds(lambda tail: MARKER + tail, secret_text),
    st.builds(lambda tail: MARKER + "x" * 100_000 + tail, secret_text),  # 100 KB
)
dashed_secrets = st.one_of(secrets, st.builds(lambda s: "-" + s, secrets), st.builds(lambda s: "--" + s, secrets))


def options_of(grammar, command, kinds):
    scopes = [scope for scope in grammar["options"] if scope == "" or command == scope or command.startswith(scope + " ")]
    return sorted({(name, kind) for scope in scopes for name, kind in grammar["options"][scope].items() if kind in kinds})


@st.composite
def command_lines(draw):
    """A real command with real options, a secret in every value and positional slot."""
    tool = draw(st.sampled_from(sorted(GRAMMARS)))
    grammar = GRAMMARS[tool]
    command = draw(st.sampled_from(grammar["commands"]))
    argv = command.split()
    valued = options_of(grammar, command, (VALUE,))
    optional = options_of(grammar, command, (OPTIONAL, VALUES))
    switches = options_of(grammar, command, (SWITCH,))
    for _ in range(draw(st.integers(0, 6))):
        slot = draw(st.sampled_from(["positional", "value", "optional", "switch", "unknown"]))
        if slot == "positional":
            argv.append(draw(secrets))
        elif slot == "value" and valued:
            name, _ = draw(st.sampled_from(valued))
            form = draw(st.sampled_from(["next", "glued-or-equals"]))
            if form == "next":
                argv += [name, draw(dashed_secrets)]
            elif name.startswith("--"):
                argv.append(name + "=" + draw(dashed_secrets))
            else:
                argv.append(name + draw(dashed_secrets))
        elif slot == "optional" and optional:
            name, _ = draw(st.sampled_from(optional))
            argv += [name] + ([draw(secrets)] if draw(st.booleans()) else [])
        elif slot == "switch" and switches:
            argv.append(draw(st.sampled_from(switches))[0])
        elif slot == "unknown":
            argv.append(draw(st.sampled_from(["--", "-"])) + draw(secrets))
    if draw(st.booleans()):
        argv += ["--"] + draw(st.lists(dashed_secrets, max_size=3))
    return tool, argv


@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(command_lines())
def test_no_secret_ever_reaches_the_event(line):
    tool, argv = line
    result = sanitizer.sanitize(tool, argv)
    built = event.build(result, 0, 12.5, event.new_uuid(), {})
    serialized = event.to_json(built)
    assert MARKER not in serialized
    assert MARKER not in json.dumps(json.loads(serialized), ensure_ascii=False)


@settings(max_examples=1000, deadline=None)
@given(st.sampled_from(sorted(GRAMMARS)), st.lists(dashed_secrets | st.sampled_from(["node", "-V", "--", "-P", "=", "-"]), max_size=12))
def test_no_secret_comes_out_of_arbitrary_tokens_in_value_or_positional_slots(tool, argv):
    result = sanitizer.sanitize(tool, argv)
    assert MARKER not in result.command
    assert all(MARKER not in name for name in result.options)
