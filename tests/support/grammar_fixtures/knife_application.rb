# A knife front end in the style of knife/lib/chef/application/knife.rb (written for the tests).
class Chef::Application::Knife < Chef::Application
  banner "Usage: knife sub-command (options)"

  option :config_file,
    short: "-c CONFIG",
    long: "--config CONFIG",
    description: "The configuration file to use."

  option :verbosity,
    short: "-V",
    long: "--verbose",
    description: "More verbose output."

  option :color,
    long: "--[no-]color",
    boolean: true,
    default: true

  option :editor,
    short: "-e EDITOR",
    long: "--editor EDITOR"

  option :disable_editing,
    short: "-d",
    long: "--disable-editing",
    boolean: true
end
