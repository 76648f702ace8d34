# A Thor command line in the style of test-kitchen's lib/kitchen/cli.rb (written for the tests).
class Thor
  HELP_MAPPINGS = %w{-h --help}

  map HELP_MAPPINGS => :help

  desc "help [COMMAND]", "Describe available commands"
  def help(command = nil); end
end

module Kitchen
  module Generator
    class Init < Thor::Group
      class_option :driver, type: :array, aliases: "-D", desc: "Driver gems"
      class_option :create_gemfile, type: :boolean, desc: "Write a Gemfile"
    end
  end

  class CLI < Thor
    def self.log_options
      method_option :log_level, aliases: "-l", desc: "The log level"
    end

    desc "list [INSTANCE]", "Lists instances"
    method_option :bare, aliases: "-b", type: :boolean, desc: "Names only"
    log_options
    def list(*args); end

    map status: :list

    {
      create: "Start instances",
      converge: "Converge instances",
    }.each do |action, short_desc|
      desc("#{action} [INSTANCE]", short_desc)
      method_option :concurrency, aliases: "-c", type: :numeric, lazy_default: 9, desc: "How many at once"
      if action == :converge
        method_option :debug, aliases: "-D", type: :boolean, desc: "Debug the #{action}"
      end
      log_options
      define_method(action) do |*args|
        perform(action, args)
      end
    end

    desc "exec INSTANCE -c COMMAND", "Run a command"
    method_option :command, aliases: "-c", desc: "The command"
    def exec(*args); end

    desc "version", "Print the version"
    def version; end
    map %w{-v --version} => :version

    register Kitchen::Generator::Init, "init", "init", "Add Test Kitchen to a project"

    private

    def helper; end
  end
end
