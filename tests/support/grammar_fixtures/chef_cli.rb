# chef-cli's command table and commands, in the style of lib/chef-cli/*.rb (written for the tests).
ChefCLI.commands do |c|
  c.builtin "exec", :Exec, require_path: "chef-cli/command/exec", desc: "Runs a command"
  c.builtin "generate", :Generate, desc: "Generate things"
end

module ChefCLI
  class CLI
    include Mixlib::CLI

    option :version, short: "-v", long: "--version", boolean: true
    option :help, short: "-h", long: "--help", boolean: true
  end

  module Command
    class Base
      include Mixlib::CLI

      option :help, short: "-h", long: "--help", boolean: true
      option :debug, short: "-D", long: "--debug", boolean: true
    end

    class Exec < Base
    end

    module SharedGeneratorOptions
      include Mixlib::CLI

      option :license, short: "-I LICENSE", long: "--license LICENSE"
    end

    class Generate < Base
      def self.generator(name, class_name, description)
        generators << GeneratorCommand.new(name, class_name, description)
      end

      generator(:cookbook, :Cookbook, "Generate a cookbook")
    end

    module GeneratorCommands
      class Base < Command::Base
        options.merge!(SharedGeneratorOptions.options)
      end

      class Cookbook < Base
        option :berks, short: "-b", long: "--berks", boolean: true
      end
    end
  end
end
