"""tools/extract_grammars.py reads Ruby sources with Ruby's own parser and applies the tools' rules.

The fixtures in tests/grammar_fixtures/ are written for these tests in the style of the real sources
(mixlib-cli options with VALUE, [VALUE] and boolean spellings, banners, included option modules, Thor
commands with aliases, unrolled loops and registered groups, chef-cli's command table).
"""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

from chefwrap.shim.grammars import OPTIONAL, SWITCH, VALUE, VALUES
from chefwrap.shim.grammars import chef as chef_grammar
from chefwrap.shim.grammars import kitchen as kitchen_grammar
from chefwrap.shim.grammars import knife as knife_grammar

REPO = Path(__file__).resolve().parent.parent.parent
FIXTURES = REPO / "tests" / "support" / "grammar_fixtures"


def load_extractor():
    spec = importlib.util.spec_from_file_location("extract_grammars", REPO / "tools" / "extract_grammars.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


extractor = load_extractor()


def fixture_files(*names):
    return [{"path": f"fixtures:{name}", "text": (FIXTURES / name).read_text()} for name in names]


def table(grammar, command):
    found = dict(grammar["global"])
    found.update(grammar["scopes"].get(command, {}))
    return found


@pytest.fixture(scope="module")
def knife():
    return extractor.grammar_from_files("knife", fixture_files("knife_application.rb", "knife_widget.rb"))


def test_knife_commands_are_the_subclasses_with_a_banner_spelled_as_the_banner_spells_them(knife):
    assert sorted(knife["commands"]) == ["widget run_list add", "widget show"]  # WidgetBase has no banner


def test_knife_global_options_and_their_kinds_come_from_the_spellings(knife):
    assert knife["global"] == {
        "-c": VALUE, "--config": VALUE, "-V": SWITCH, "--verbose": SWITCH, "--color": SWITCH, "--no-color": SWITCH,
        "-e": VALUE, "--editor": VALUE, "-d": SWITCH, "--disable-editing": SWITCH,
    }


def test_knife_subcommand_options_follow_mixlib_cli_and_optionparser(knife):
    widget = table(knife, "widget show")
    assert widget["-a"] == widget["--attribute"] == OPTIONAL  # "-a [ATTR]"
    assert widget["--mode"] == OPTIONAL  # "--mode=[MODE]"
    assert widget["-j"] == widget["--json-attributes"] == VALUE  # the short spelling's placeholder counts for both
    assert widget["--description"] == VALUE
    # One parser, options defined in key order: :exit_on_error comes after :editor and takes -e;
    # :disable_editing comes after :description and keeps -d.
    assert widget["-e"] == SWITCH and widget["-d"] == SWITCH
    assert widget["--secret"] == VALUE  # added by an included module's self.included hook
    assert widget["--widget-host"] == VALUE  # added by a class method the class calls
    assert widget["--old-host"] == VALUE  # deprecated_option
    assert not [name for name in widget if "label" in name]  # an interpolated spelling names nothing


@pytest.fixture(scope="module")
def kitchen():
    return extractor.grammar_from_files("kitchen", fixture_files("kitchen_cli.rb"))


def test_thor_commands_aliases_and_mapped_switches(kitchen):
    assert sorted(kitchen["commands"]) == ["converge", "create", "exec", "help", "init", "list", "version"]  # not the private helper
    assert kitchen["aliases"] == {"status": "list"}
    assert kitchen["global"] == {"-h": SWITCH, "--help": SWITCH, "-v": SWITCH, "--version": SWITCH}


def test_thor_option_kinds_macros_and_unrolled_loops(kitchen):
    listing = table(kitchen, "list")
    assert {listing[name] for name in ("-b", "--bare", "--no-bare", "--skip-bare")} == {SWITCH}
    assert listing["-l"] == listing["--log-level"] == VALUE  # from the log_options class method
    assert table(kitchen, "create")["-c"] == table(kitchen, "create")["--concurrency"] == OPTIONAL  # lazy_default
    assert "--debug" not in table(kitchen, "create") and table(kitchen, "converge")["-D"] == SWITCH  # `if action == :converge`
    assert table(kitchen, "exec")["-c"] == VALUE
    assert table(kitchen, "init")["-D"] == table(kitchen, "init")["--driver"] == VALUES  # a registered group's class options
    assert table(kitchen, "init")["--create-gemfile"] == SWITCH


def test_chef_cli_commands_from_its_command_table_and_generators():
    chef = extractor.grammar_from_files("chef", fixture_files("chef_cli.rb"))
    assert sorted(chef["commands"]) == ["exec", "generate", "generate cookbook"]
    assert chef["global"] == {"-v": SWITCH, "--version": SWITCH, "-h": SWITCH, "--help": SWITCH}
    cookbook = table(chef, "generate cookbook")
    assert cookbook["-I"] == cookbook["--license"] == VALUE  # options.merge!(SharedGeneratorOptions.options)
    assert cookbook["-b"] == cookbook["-D"] == SWITCH


def test_the_written_module_is_the_grammar_the_sanitizer_reads(knife, tmp_path):
    grammar = dict(knife, sources=[("chef/chef", "v1.0.0", "", "")], contributions={})
    text = extractor.render("knife", grammar)
    namespace = {}
    exec(compile(text, "knife.py", "exec"), namespace)
    written = namespace["GRAMMAR"]
    assert sorted(written["commands"]) == sorted(knife["commands"])
    assert written["options"][""] == knife["global"]
    assert "chef/chef v1.0.0" in text and extractor.REGENERATE in text


def test_the_spellings_of_one_option_name_it_and_deprecated_options_name_their_replacement(knife, kitchen, tmp_path):
    """What the collector merges and marks: a short and a long spelling (and a negation) are one option,
    named by its long spelling; a spelling a later key took names that key's option."""
    assert knife["names"][""] == {"-c": "--config", "-V": "--verbose", "--no-color": "--color", "-e": "--editor", "-d": "--disable-editing"}
    assert knife["names"]["widget show"] == {"-a": "--attribute", "-e": "--exit-on-error", "-j": "--json-attributes"}  # -d stays the global one's
    assert knife["deprecated"] == {"widget show": {"--old-host": "--widget-host"}}
    assert kitchen["names"]["list"] == {"-b": "--bare", "--no-bare": "--bare", "--skip-bare": "--bare", "-l": "--log-level"}
    assert kitchen["names"][""] == {"-h": "--help", "-v": "--version"}
    namespace = {}
    exec(compile(extractor.render_names("knife", knife), "knife_options.py", "exec"), namespace)
    assert (namespace["OPTIONS"], namespace["DEPRECATED"]) == (knife["names"], knife["deprecated"])


def git(directory, *arguments):
    subprocess.run(["git", "-C", str(directory), *arguments], check=True, capture_output=True,
                   env={**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
                        "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid"})


def test_a_new_release_is_one_command_and_the_source_is_read_at_its_tag(tmp_path):
    """A maintainer points --release at a new tag; nothing is checked out, every file is read at the tag."""
    clone = tmp_path / "sources" / "chef" / "chef"
    knife_dir = clone / "knife" / "lib" / "chef"
    (knife_dir / "application").mkdir(parents=True)
    (knife_dir / "knife").mkdir()
    (knife_dir / "application" / "knife.rb").write_text((FIXTURES / "knife_application.rb").read_text())
    widget = (FIXTURES / "knife_widget.rb").read_text()
    (knife_dir / "knife" / "widget.rb").write_text(widget)
    git(clone, "init", "-q")
    git(clone, "add", "-A")
    git(clone, "commit", "-qm", "v1")
    git(clone, "tag", "v1.0.0")
    (knife_dir / "knife" / "widget.rb").write_text(widget.replace('option :mode,', 'option :fresh,\n        short: "-F FRESH"\n\n      option :mode,'))
    git(clone, "commit", "-qam", "v2")
    git(clone, "tag", "v2.0.0")
    (knife_dir / "knife" / "widget.rb").write_text("this is not ruby (\n")  # the work tree is never read

    sources = [extractor.Source("knife", "chef/chef", "v1.0.0", ["knife/lib/chef/application/knife.rb", "knife/lib/chef/knife/*.rb"])]
    old, _ = extractor.build(str(tmp_path / "sources"), {}, sources)
    new, _ = extractor.build(str(tmp_path / "sources"), {"chef/chef": "v2.0.0"}, sources)
    assert "-F" not in table(old["knife"], "widget show")
    assert table(new["knife"], "widget show")["-F"] == VALUE
    output = tmp_path / "out"
    output.mkdir()
    extractor.write(new, str(output))
    assert "chef/chef v2.0.0: the tool itself" in (output / "knife.py").read_text()
    assert "OPTIONS = {" in (output / "knife_options.py").read_text()


def test_a_missing_clone_is_one_clear_line(tmp_path, capsys):
    assert extractor.main(["--sources", str(tmp_path)]) == 1
    error = capsys.readouterr().err.strip()
    assert len(error.splitlines()) == 1 and "git clone --bare https://github.com/chef/chef" in error


def test_the_committed_grammars_name_the_release_of_every_source():
    for module in (knife_grammar, kitchen_grammar, chef_grammar):
        text = module.__doc__
        assert "extracted from the sources below by tools/extract_grammars.py" in text and extractor.REGENERATE in text
        for source in extractor.SOURCES:
            if source.tool == module.GRAMMAR["tool"]:
                assert f"- {source.repository} {source.tag}: " in text, source.repository


def test_a_plugins_commands_are_written_with_the_gem_that_must_be_installed(tmp_path):
    """The sanitizer reads a plugin's command only when its gem is beside the real tool: the written
    grammar says, for every command a plugin's repository defines, which gem that is; knife's own
    commands are not listed."""
    for repository, files in (("chef/chef", {"knife/lib/chef/application/knife.rb": "knife_application.rb"}),
                              ("acme/knife-widget", {"lib/chef/knife/widget.rb": "knife_widget.rb"})):
        clone = tmp_path / "sources" / repository
        for path, fixture in files.items():
            (clone / path).parent.mkdir(parents=True, exist_ok=True)
            (clone / path).write_text((FIXTURES / fixture).read_text())
        git(clone, "init", "-q")
        git(clone, "add", "-A")
        git(clone, "commit", "-qm", "release")
        git(clone, "tag", "v1.0.0")
    sources = [extractor.Source("knife", "chef/chef", "v1.0.0", ["knife/lib/chef/application/knife.rb"]),
               extractor.Source("knife", "acme/knife-widget", "v1.0.0", ["lib/chef/knife/*.rb"], plugin="knife-widget")]
    grammars, _ = extractor.build(str(tmp_path / "sources"), {}, sources)
    assert grammars["knife"]["plugins"] == {"widget run_list add": "knife-widget", "widget show": "knife-widget"}
    namespace = {}
    exec(compile(extractor.render("knife", grammars["knife"]), "knife.py", "exec"), namespace)
    assert namespace["GRAMMAR"]["plugins"] == grammars["knife"]["plugins"]


def test_the_committed_knife_grammar_names_a_gem_for_every_plugin_command_and_none_for_knifes_own():
    plugins = knife_grammar.GRAMMAR["plugins"]
    assert set(plugins) <= set(knife_grammar.GRAMMAR["commands"])
    assert set(plugins.values()) == {source.plugin for source in extractor.SOURCES if source.tool == "knife" and source.plugin} - {"knife-cloud"}
    assert plugins["ec2 server create"] == "knife-ec2" and plugins["vault show"] == "chef-vault" and plugins["bootstrap azurerm"] == "knife-azure"
    assert "bootstrap" not in plugins and "node list" not in plugins
    assert kitchen_grammar.GRAMMAR["plugins"] == {} and chef_grammar.GRAMMAR["plugins"] == {}
